"""The base of every model that crosses a boundary: frozen, and strict about unknown fields;
the field types every boundary shares (dates, text); and how input is told from stored records."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    TypeAdapter,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError, to_json

from gateway_client.contract.reading_classes import READ_AS_DIGITS, READ_AS_NOTHING, ZERO_LOOKS

M = TypeVar("M", bound=BaseModel)


class Frozen(BaseModel):
    # A validation error's text (logged with a traceback whenever one escapes a handler) names
    # the fields but never quotes their values: names and ID numbers stay out of it.
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


# Dates and times the gateway accepts: wide enough for any real decision, narrow enough that
# adding a publicity period or converting a time zone can never overflow Python's calendar.
EARLIEST_YEAR, LATEST_YEAR = 1949, 2199


def _sane_day(value: date) -> date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise PydanticCustomError(
            "out_of_range",
            "dates run from {low} to {high}",
            {"low": EARLIEST_YEAR, "high": LATEST_YEAR},
        )
    return value


def _sane_moment(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST_YEAR <= utc.year <= LATEST_YEAR:
        raise PydanticCustomError(
            "out_of_range",
            "times run from {low} to {high}",
            {"low": EARLIEST_YEAR, "high": LATEST_YEAR},
        )
    return value


def _iso_only(
    shape: re.Pattern[str],
    kind: type[Any],
    error: str,
    example: str,
    parse: Callable[[str], Any] | None = None,
) -> BeforeValidator:
    """In input, a string of the ISO kind the field holds, parsed as pydantic parses JSON (or
    by ``parse``, where the shape leaves one reading: ``date.fromisoformat`` of YYYY-MM-DD).

    Strict JSON already refuses epoch numbers, and a date field a datetime string, but pydantic
    still reads a string of digits (``"1709251200"``) as seconds since 1970: a number in
    disguise, refused too. The string is parsed here because what a before-validator returns
    is judged as a Python value, and strict mode takes no string for a date there."""
    adapter: TypeAdapter[Any] = TypeAdapter(kind)

    def parsed(value: str) -> Any:
        return adapter.validate_json(to_json(value), strict=True)

    read = parse or parsed

    def check(value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str) or intake_of(info) is None:
            return value
        if shape.match(value):
            try:
                return read(value)
            except ValueError:  # pydantic's ValidationError is one
                pass
        raise PydanticCustomError(error, "an ISO 8601 {kind} is expected", {"kind": example})

    return BeforeValidator(check)


Day = Annotated[
    date,
    _iso_only(
        re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII),
        date,
        "invalid_date",
        "date (2024-03-01)",
        date.fromisoformat,
    ),
    AfterValidator(_sane_day),
]
Moment = Annotated[
    AwareDatetime,
    _iso_only(
        # Microseconds at most: pydantic would drop finer digits without a word, and two
        # versions 800 ns apart would then be one (the second a "duplicate").
        re.compile(r"(?!.*[.,]\d{7})\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}"),  # a decimal comma too
        datetime,
        "invalid_datetime",
        "date and time (2024-03-01T09:30:00+08:00), to the microsecond at most",
    ),
    AfterValidator(_sane_moment),
]


@dataclass(frozen=True, slots=True)
class Intake:
    """The validation context of data arriving from outside (``model_validate(raw,
    context=Intake(today))``): bodies, pushed entries, NDJSON lines.

    Some rules judge input only. A record the gateway stored, or a delivery a subscriber reads
    back, was judged when it came in and is not judged again by today's rules (else one
    accepted long ago would become unreadable), so those validate without this context.
    ``today`` is the Beijing date from the injected clock, for rules about the future; None
    where no such rule can apply (the bulk file's first pass only fingerprints listings).
    """

    today: date | None = None


def intake_of(info: ValidationInfo) -> Intake | None:
    context: Any = info.context
    return context if isinstance(context, Intake) else None


# Text fields hold text. Refused in input: C0 controls (U+0000–U+001F), DEL and C1 controls
# (U+007F–U+009F), which reach logs, terminals and spreadsheets as commands, and NUL cuts a
# string short in C; and the bidirectional formatting characters — embeddings and overrides
# (U+202A–U+202E), isolates (U+2066–U+2069) and the invisible marks U+200E, U+200F and U+061C —
# which make text display otherwise than it reads ("Trojan Source"): a subject name or decision
# number that looks like another but compares different defeats identity and dedup, and no
# Chinese list needs them. Free text (``FREE_TEXT``: reasons, legal bases, notes) may keep tabs
# and line breaks (\n, or \r\n as Windows writes it), since a 列入事由 can run to paragraphs; a
# lone \r, which lets a line overwrite itself on a terminal, is refused there too.
# Invisible characters are refused too — every format character (Cf: soft hyphen, zero-width
# space / joiners, word joiner, invisible operators, the byte-order mark, interlinear
# annotation, tags…) and every other default-ignorable code point (the combining grapheme
# joiner, variation selectors, Hangul fillers…) — and the Unicode line / paragraph separators:
# a decision number with U+200B inside reads exactly like the real one and is another listing.
# ``tests/unit/test_text_fields.py`` derives the set from ``unicodedata`` and the Unicode
# Default_Ignorable_Code_Point list again.
_BIDI = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_SHOWN_BLANK = (  # printable (Mn, Lo), so past ``str.isprintable``: searched for on their own
    r"\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f\u3164\ufe00-\ufe0f\uffa0"
    r"\U000e0100-\U000e01ef"
)
_INVISIBLE = (
    r"\u00ad\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    r"\u2028\u2029\u2060-\u206f\ufeff\ufff0-\ufffb\U000110bd\U000110cd"
    r"\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
    + _SHOWN_BLANK
)
# Noncharacters (U+FDD0–U+FDEF and the last two code points of every plane) are no text to
# interchange, and an SQS message may not hold U+FFFE or U+FFFF: a listing holding one could
# never be queued to any subscriber, its stream batch failing on every retry (review 383).
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17)
)
_NOT_IN_LINE = re.compile(rf"[\x00-\x1f\x7f-\x9f{_BIDI}{_INVISIBLE}{_NONCHARACTERS}]")
# What text that names a stored listing may not hold: what was refused in input when any
# listing was stored (the invisible characters refused since may be in one stored before).
_NOT_IN_NAMING = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    r"\u00ad\u180e\u200b-\u200d\u2028\u2029\u2060-\u2064\ufeff]"
)
# 17 digits, up to three separators between two: masking.resident_id_in's own first test
_DIGITS = re.compile(
    r"\d(?:[\s\-\u2010-\u2015\u2212_./\u00b7\u30fb]{0,3}\d){14}"
    r"|\d{6}[\W_]{1,3}\d{6}"  # an ID in its card's groups, any separator (``masking``)
)
# Fifteen digits as a reader reads them (``reading_classes``: other scripts', Chinese numerals,
# ❶, ⼀, ○…) with anything but letters and digits between them (combining marks, invisible
# characters, any separators, and the letters a reader does not see): text written so may hold
# a number in the reading form masking searches (``reading.reading_form``: reviews 362, 364).
_DIGIT_READ = rf"[\d{READ_AS_DIGITS}{ZERO_LOOKS}]"
_BETWEEN = rf"(?:[^\w{READ_AS_DIGITS}]|[_{READ_AS_NOTHING}])*+"  # ○ is \W, and a digit first
_SPELT_DIGITS = re.compile(rf"{_DIGIT_READ}(?:{_BETWEEN}{_DIGIT_READ}){{14}}")
_NOT_IN_PROSE = re.compile(
    rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}{_INVISIBLE}{_NONCHARACTERS}]|\r(?!\n)"
)


# Characters that are no digit or separator as written but hold one in NFKC form (①, ¹, －,
# ／, ．…), where the ID tests read text: text with one of them is settled in that form.
# ``tests/unit/test_ids_in_text.py`` derives the class from ``unicodedata`` again.
BECOMES_DIGIT_OR_SEPARATOR = re.compile(
    "["
    r"\u00a8\u00af\u00b2-\u00b4\u00b8-\u00b9\u00bc-\u00be\u013f-\u0140\u02d8-\u02dd"
    r"\u037a\u0384-\u0385\u0387\u1fbd\u1fbf-\u1fc1\u1fcd-\u1fcf\u1fdd-\u1fdf"
    r"\u1fed-\u1fee\u1ffd-\u1ffe\u2017\u2024-\u2026\u203e\u2070\u2074-\u2079\u207b"
    r"\u2080-\u2089\u208b\u2100-\u2101\u2105-\u2106\u2150-\u215f\u2189\u2460-\u249b"
    r"\u24ea\u309b-\u309c\u3251-\u325f\u32b1-\u32cb\u3358-\u3370\u3378-\u3379"
    r"\u339f-\u33a6\u33a8\u33af\u33c2\u33c7\u33d8\u33e0-\u33fe\ufc5e-\ufc63"
    r"\ufdfa-\ufdfb\ufe19\ufe30-\ufe34\ufe49-\ufe4f\ufe52\ufe58\ufe63\ufe70\ufe72"
    r"\ufe74\ufe76\ufe78\ufe7a\ufe7c\ufe7e\uff0d-\uff0f\uff3f\uff65\uffe3"
    r"\U0001f100-\U0001f10a"
    "]"
)


# What text must be looked at closer for besides its unprintable characters: one search for
# either (a character class searches in one pass what two would).
_LOOK_CLOSER = re.compile(f"[{BECOMES_DIGIT_OR_SEPARATOR.pattern[1:-1]}{_SHOWN_BLANK}]")


_DROPPED = re.compile(rf"[{_BIDI}{_INVISIBLE}]")


def invisible_dropped(text: str) -> str:
    """``text`` without the invisible and bidirectional formatting characters text fields
    refuse: what a reader sees of it (a URL, which no text rule judges, may hold them)."""
    return _DROPPED.sub("", text)


def may_hold_id(text: str) -> bool:
    """Whether ``text`` may hold a resident ID: 15 digits in a row (a first-generation number
    has no more), a character NFKC makes a digit or a separator (circled ①, superscript ¹,
    full-width －), or 15 digits as a reader reads them (``_SPELT_DIGITS``). One search each in
    C settles nearly all text."""
    return (
        _DIGITS.search(text) is not None
        or BECOMES_DIGIT_OR_SEPARATOR.search(text) is not None
        or _spelt_digits(text)
    )


def _spelt_digits(text: str) -> bool:
    """Fifteen digits as a reader reads them (``_SPELT_DIGITS``); ASCII text without an O has
    none that ``_DIGITS`` does not find (its separators are the reading form's; an O beside
    digits reads as a zero: review 368)."""
    ascii_read = text.isascii() and "O" not in text and "o" not in text
    return not ascii_read and _SPELT_DIGITS.search(text) is not None


def _text_check(forbidden: re.Pattern[str], naming: bool = False) -> AfterValidator:
    """Refuse ``forbidden`` characters in input and, unless it is ``naming`` text stored
    before these rules, blank text and resident ID numbers."""

    def check(value: str, info: ValidationInfo) -> str:
        # Every forbidden character is unprintable (Cc, Cf, Zl, Zp) but a few ignorable ones
        # searched for apart, and a resident ID needs 15 digits in a row (up to three
        # separators between two), so nearly all text is settled by a few C calls; input is
        # told from stored records only then.
        settled = (
            value.isprintable()
            and not value.isspace()
            and _DIGITS.search(value) is None
            and _LOOK_CLOSER.search(value) is None
            and not _spelt_digits(value)
        )
        if settled or intake_of(info) is None:
            return value
        found = forbidden.search(value)
        if found is not None:
            raise PydanticCustomError(
                "control_character",
                "U+{code_point} at position {position} is a control, invisible or bidirectional "
                "formatting character, or a noncharacter; text fields hold text",
                {"code_point": f"{ord(found.group()[0]):04X}", "position": found.start()},
            )
        if naming:
            return value
        if value.isspace():  # " ", U+3000, U+00A0 alone: no reader can tell one from another
            raise PydanticCustomError(
                "blank_text", "only spaces: a text field holds text (leave an optional one out)"
            )
        refuse_resident_ids(value)
        return value

    return AfterValidator(check)


def refuse_resident_ids(value: str) -> None:
    """Text holds no resident ID number (GB 11643, its check character right): ID numbers go in
    ``credit_code`` or ``responsible_persons[].id_number``, which the gateway masks for regions
    whose purpose does not allow them; in a reason or a note they would reach everyone."""
    from gateway_client.contract.masking import resident_id_in  # here: masking imports this module

    found = resident_id_in(value)
    if found is not None:
        raise PydanticCustomError(
            "id_number_in_text",
            "a resident ID number ({masked}) at position {position}: give ID numbers as "
            "credit_code or responsible_persons[].id_number, never in text",
            {"masked": found[1], "position": found[0]},
        )


ONE_LINE = _text_check(_NOT_IN_LINE)
"""Names, titles, numbers, authorities: not blank, no control or bidirectional formatting
character. Placed after any length constraint (``Annotated[str, Field(max_length=…),
ONE_LINE]``), so the constraint stays on the string and keeps its own error type
(``string_too_long``)."""
FREE_TEXT = _text_check(_NOT_IN_PROSE)
"""Free text: as ``ONE_LINE``, but tabs and line breaks (\\n, \\r\\n) are allowed."""
NAMING_LINE = _text_check(_NOT_IN_NAMING, naming=True)
"""As ``ONE_LINE``, for text that names a listing already stored (a removal's authority and
decision number): one stored before resident ID numbers, blank text or the invisible
characters refused since were refused in text must still be named, or it could never be
taken off its list."""
SingleLine = Annotated[str, ONE_LINE]
MultiLine = Annotated[str, FREE_TEXT]


# Models assembled from values validated already, without validating them again: for hot paths
# (an ingest's every listing, a fan-out's every change and masked copy, every delivery) that
# build models of values that are instances of the right types already. ``gateway.assembly``
# builds on these; ``tests/unit/test_assembly.py`` proves them equal to pydantic's own.
_set = object.__setattr__  # a frozen model refuses its own __setattr__


def instance(model: type[M], fields: dict[str, Any], given: Any) -> M:
    """A ``model`` holding ``fields`` (every field, in order) with the names in ``given`` set."""
    made = model.__new__(model)
    _set(made, "__dict__", fields)
    _set(made, "__pydantic_fields_set__", set(given))
    _set(made, "__pydantic_extra__", None)
    _set(made, "__pydantic_private__", None)
    return made


def copied(model: M, update: Mapping[str, Any]) -> M:
    """``model.model_copy(update=update)`` for values of its own fields that are validated
    already, without ``model_copy``'s generic copying of extra and private attributes (the
    gateway's models have none; one that has is copied by ``model_copy`` itself)."""
    if model.__pydantic_extra__ or model.__pydantic_private__:
        return model.model_copy(update=update)
    fields = dict(model.__dict__)
    fields.update(update)
    return instance(type(model), fields, model.__pydantic_fields_set__ | update.keys())
