"""Resident ID numbers found in free text and masked: log lines, errors quoting input, what an
endpoint answered, text stored before input refused such numbers.

Apart from ``codes`` (which validates a code given as one) because here the number hides in
text, in any spelling an echo or a log may give it, and a miss discloses a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from stdnum.cn import ric

from gateway_client.contract.codes import CodeProblem, SubjectType, classify, mask
from gateway_client.contract.model import may_hold_id
from gateway_client.contract.number_forms import search_texts
from gateway_client.contract.reading import nfkc, reading_form, written_spans
from gateway_client.contract.reading_classes import (
    READ_AS_DIGITS,
    READ_AS_NOTHING,
    X_LOOKS,
    ZERO_LOOKS,
)

# An ID starts where no letter or digit precedes it, or right after an escape sequence (``\n``,
# ``\t``, ``\u5f20``, ``\xe5``): the text masked may already be escaped (a JSON log line, a repr),
# and an escape ends in a letter or a hex digit.
_ID_SHAPED = re.compile(
    r"(?:(?<![0-9A-Za-z])|(?<=\\[bfnrt])|(?<=\\u[0-9A-Fa-f]{4})|(?<=\\x[0-9A-Fa-f]{2}))"
    r"([0-9]{6})([0-9]{11}[0-9Xx]|[0-9]{9})(?![0-9A-Za-z])"  # 18 characters, or 15 digits
)


def mask_ids_in(text: str) -> str:
    """Free text with every run shaped like a resident ID (or a first-generation one) masked
    as ``mask`` would, valid or not: what a webhook receiver answers may echo the body it got,
    and it is stored; every log line passes through here once written as JSON."""
    return _ID_SHAPED.sub(
        lambda m: m.group(1) + "*" * (len(m.group(2)) - 1) + m.group(2)[-1].upper(), text
    )


# 17 digits and a digit or X, up to three separators between any two — spaces, dashes, slashes,
# underscores, dots, middle dots (110105 19491231 002X, 110105 - 19491231 - 002X,
# 110105/19491231/002X) — matched in NFKC form, so full-width digits and Ｘ read as digits and X.
_SEPARATOR = r"[\s\-\u2010-\u2015\u2212_./\u00b7\u30fb]"
_ID_CANDIDATE = re.compile(
    rf"(?<!\d)\d(?:{_SEPARATOR}{{0,3}}\d){{16}}{_SEPARATOR}{{0,3}}[\dXx](?!\d)"
)
# A first-generation number (GB 11643-1989): 15 digits, the birth year's 19 left out. No longer
# issued, but the person's number all the same: it becomes the 18-digit one by putting the 19
# back and computing the check character (review 182).
_OLD_ID_CANDIDATE = re.compile(rf"(?<!\d)\d(?:{_SEPARATOR}{{0,3}}\d){{14}}(?![\dXx])")
# An ID written in its card's groups (6|8|4; a first-generation one 6|6|3), which may then be
# kept apart by any characters but letters and digits, up to three between two groups:
# 110105，19491231，002X, 110105:19491231:002X, 420281, 19950315,0210 (reviews 306, 308, 315).
# Only there: a class that wide between any two digits read times, amounts and phone lists as
# ID numbers (review 312).
_GROUPED_CANDIDATE = re.compile(r"(?<!\d)\d{6}[\W_]{1,3}\d{8}[\W_]{1,3}\d{3}[\dXx](?![\dXx])")
_OLD_GROUPED_CANDIDATE = re.compile(r"(?<!\d)\d{6}[\W_]{1,3}\d{6}[\W_]{1,3}\d{3}(?![\dXx])")
_SEPARATORS = re.compile(r"[\W_]")  # within a candidate, all that is no digit nor X


# What labels an organisation's old 15-digit number (注册号, 税务登记号, 纳税人识别号, 组织机构
# 代码 written with its division) in the few characters before it: such a number is no ID.
_ORGANISATION_NUMBER = re.compile(r"(?:注册号|登记号|登记证|税号|识别号|机构代码|执照号?)\D{0,4}$")


def _as_issued(compact: str, before: str) -> str | None:
    """A first-generation number as the 18-digit one it became; any other as it is. None for
    15 digits whose holder would be born before 1930 (96 years old now, never on a list), or
    that text ``before`` them labels an organisation's number: a case number (a division, then
    a year 20xx), an old registration or tax number (a division, then a serial) read as a
    division and a birth date (reviews 183, 186)."""
    if len(compact) != 15:
        return compact
    if compact[6:8] < "30" or _ORGANISATION_NUMBER.search(before):
        return None
    body = compact[:6] + "19" + compact[6:]
    return body + ric.calc_check_digit(body + "0")


_OVERLAPPING_UP_TO = 8192
"""Text searched candidate by overlapping candidate: twice the longest text field (4,000), as
written (its NFKC form may be many times longer: U+FDFA is 18 characters; review 362)."""


def _resident_ids(plain: str, written: int) -> Iterator[tuple[re.Match[str], str]]:
    """Each valid resident ID number in ``plain`` (text in one form), with its masked form, in
    order. Only a number that passes the GB 11643 check counts: a case or account number of 18
    digits is no one's ID; a 15-digit one counts when it names a division that could have
    issued it and a birth date. The 18-digit ones are found first (then those written in
    groups), the 15-digit ones in the text left between them: other digits before an ID's
    first group may make 15 of their own (review 182). ``written``: the length of the text as
    written."""
    overlapping = written <= _OVERLAPPING_UP_TO
    found: list[tuple[re.Match[str], str]] = []
    for candidate in (
        _ID_CANDIDATE,
        _GROUPED_CANDIDATE,
        _OLD_ID_CANDIDATE,
        _OLD_GROUPED_CANDIDATE,
    ):
        found += _valid(_blanked(plain, found), candidate, overlapping)
    yield from sorted(found, key=lambda x: x[0].start())


def _blanked(plain: str, found: list[tuple[re.Match[str], str]]) -> str:
    """``plain`` with each ID ``found`` in it blanked out (overlapping ones too), the positions
    kept."""
    parts, end = [], 0
    for match, _ in sorted(found, key=lambda x: x[0].start()):
        start = max(match.start(), end)
        if match.end() > start:
            parts += [plain[end:start], "#" * (match.end() - start)]
            end = match.end()
    return "".join([*parts, plain[end:]])


def _valid(
    plain: str, candidate: re.Pattern[str], overlapping: bool
) -> Iterator[tuple[re.Match[str], str]]:
    """The ``candidate`` matches that are valid numbers. One that is none is looked past one
    digit group at a time, not skipped whole: a number written before an ID in groups (房间
    1234 110105 19491231 002X) made with the ID's first groups a candidate of its own, and the
    ID was never tried (review 135). That costs up to a candidate per digit, so only in text as
    long as a field holds; longer text (a body's junk key, read before anything is
    authenticated) is searched a candidate at a time (review 136: 2.8 MB of spaced digits took
    25 s). So is one that is a number: other digits before an ID, spaced, made with its first
    group a number read as a person's, and the ID's own birth date and sequence were shown
    (a hypothesis run of ``test_ids_after_other_numbers``); the numbers found may overlap."""
    at = 0
    while (found := candidate.search(plain, at)) is not None:
        written = _SEPARATORS.sub("", found.group()).upper()
        issued = _as_issued(written, plain[max(found.start() - 12, 0) : found.start()])
        try:
            compact, subject_type = classify(issued) if issued else ("", None)
        except CodeProblem:
            subject_type = None
        if subject_type is SubjectType.NATURAL_PERSON:
            yield found, mask(compact) if len(written) == 18 else _masked_old(written)
        at = found.start() + 1 if overlapping else found.end()


def _masked_old(number: str) -> str:
    """A first-generation number masked as ``mask`` masks the 18-digit one: the division and
    the last character shown, the birth date and the rest hidden."""
    return number[:6] + "*" * 8 + number[14]


def resident_id_in(text: str) -> tuple[int, str] | None:
    """Where the first valid resident ID number in ``text`` is written, and its masked form
    (what input refuses in text fields: ``gateway_client.contract.model.refuse_resident_ids``)."""
    placed, unplaced = _found(text)
    hits = placed or unplaced
    return (hits[0][0], hits[0][2]) if hits else None


def resident_ids_masked(text: str) -> str:
    """``text`` with every valid resident ID number in it masked: what a view shows of text
    stored before input refused such numbers (``gateway.recognition.disclosure``). Numbers are
    found in the NFKC form and the reading forms and masked where they are written (review
    357: taken at the same positions when the lengths agreed, characters NFKC lengthens before
    a number and as many it shortens after it put the mask beside it)."""
    if not may_hold_id(text):
        return text
    placed, unplaced = _found(text)
    if unplaced:
        return _digits_hidden(text)
    parts: list[str] = []
    end = 0
    for at, (start, stop, masked_form) in enumerate(placed):
        if start >= end:
            if any(start < later < stop for later, _, _ in placed[at + 1 :]):
                # another number begins inside it: its last character is that one's digit
                masked_form = masked_form[:-1] + "*"
            parts += [text[end:start], masked_form]
        elif stop > end:  # found in two forms, a longer number in one: hidden to its end
            parts.append("*" * (stop - end))
        end = max(stop, end)
    return "".join([*parts, text[end:]])


_Hit = tuple[int, int, str]
"""Where a number is written (start, stop), and its masked form."""


def _found(text: str) -> tuple[list[_Hit], list[_Hit]]:
    """The numbers in ``text`` by where they are written, and those whose place no form could
    map (a composition longer than any: where that form has them). Each form finds what the
    others cannot: the reading form a number in Chinese numerals, other scripts' digits or with
    a mark after each digit (review 362); the NFKC form one that an invisible character after
    it would join to more digits in the reading form; ``number_forms.search_texts`` one beside
    a digit a reader reads apart (reviews 364, 366)."""
    placed: list[_Hit] = []
    unplaced: list[_Hit] = []
    searched: set[str] = set()
    read_as_is = reading_form(text)
    shared = _SharedSpans(text, read_as_is)
    forms = [(text, nfkc), (text, reading_form), *((t, reading_form) for t in search_texts(text))]
    for written, read in forms:
        plain = read_as_is if written is text and read is reading_form else read(written)
        if plain in searched:
            continue  # no character read otherwise: searched already
        searched.add(plain)
        found = [(m.start(), m.end(), masked) for m, masked in _resident_ids(plain, len(text))]
        if not found:
            continue
        if plain == written:
            spans = None
        elif read is reading_form and len(plain) == len(read_as_is):
            spans = shared.spans()  # characters replaced one for one, each read as one
        else:
            spans = written_spans(written, plain, read, max(end for _, end, _ in found))
        if spans is None and plain != written:
            unplaced += found
            continue
        placed += (
            found if spans is None else [(spans[s][0], spans[e - 1][1], m) for s, e, m in found]
        )
    return sorted(placed, key=lambda hit: (hit[0], -hit[1])), unplaced


class _SharedSpans:
    """The reading form's spans, mapped once: a search text (``number_forms``) replaces
    characters one for one, so where its reading is as long, each character of it comes from
    where the reading form's does (review 366: mapped once per way digits are written, a field
    with a number in 58 scripts took half a second)."""

    def __init__(self, text: str, plain: str) -> None:
        self._text, self._plain = text, plain
        self._spans: list[tuple[int, int]] | None = None
        self._mapped = False

    def spans(self) -> list[tuple[int, int]] | None:
        if not self._mapped:
            self._spans = written_spans(self._text, self._plain, reading_form, len(self._plain))
            self._mapped = True
        return self._spans


def _digits_hidden(text: str) -> str:
    """``text`` with every character whose reading holds a digit hidden: a number in it could
    not be placed, so none of its digits is shown (⒚ as much as 1: review 366)."""
    return "".join("*" if _holds_a_digit(c) else c for c in text)


def _holds_a_digit(char: str) -> bool:
    return char in ZERO_LOOKS or any(d.isdigit() for d in reading_form(char))


def values_masked(value: Any) -> Any:
    """``value`` (parsed JSON, or what a log line holds) with every string in it, keys too,
    passed through ``resident_ids_masked``: each string alone, so a mask never spans what
    tells two values apart."""
    if isinstance(value, str):
        return resident_ids_masked(value)
    if isinstance(value, dict):
        return {
            values_masked(k) if isinstance(k, str) else k: values_masked(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [values_masked(v) for v in value]
    return value


def shown_input(text: str, limit: int) -> str:
    """Input an error quotes, as errors are answered, kept with a push's or an upload's result
    and shown in the console: every resident ID number masked — shaped like one, or valid in
    any spelling (full-width, spaced, dashed: review 45) — then cut to ``limit`` characters,
    so that a key of a megabyte is not kept a thousand times over. Only what is shown, and a
    number's length past it, is read: a key of megabytes is refused before anything is
    authenticated, and read whole it took seconds (review 364)."""
    read = text[: limit + _READ_PAST_LIMIT]
    if len(read) < len(text):  # digits cut off past the limit: a number there cannot be read
        run = _CUT_RUN.match(read[::-1])
        cut = run.end() if run is not None else 0
        read = read[: len(read) - cut] + _digits_hidden(read[len(read) - cut :])
    masked = resident_ids_masked(mask_ids_in(read))
    return masked if len(masked) <= limit else masked[: limit - 1] + "…"


_READ_PAST_LIMIT = 256
"""Enough for a number that starts within the limit, written with separators and marks."""
_CUT_RUN = re.compile(rf"[\W\d{READ_AS_DIGITS}{ZERO_LOOKS}{X_LOOKS}{READ_AS_NOTHING}]*")
"""Digits, look-alikes and all else but letters up to the cut (matched from it, the text
reversed; review 368: an O or a filler ended it): a
number longer than ``_READ_PAST_LIMIT`` written (300 marks before its last digits: review 366)
has its digits hidden."""
