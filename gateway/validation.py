"""Judging input: JSON bodies parsed strictly, models validated as input (``Intake``), and every
pydantic failure turned into the gateway's stable codes with the offending field's path.

Input is validated from its JSON text in pydantic's strict mode: a value must already have its
field's JSON type. Lax mode would read ``"yes"`` or ``1`` as true, ``"3"`` or ``true`` as the
integer 3 or 1, ``60.0`` as 60 and an epoch number as a date; a body meaning one thing to its
sender and another to the gateway then writes and re-sends (``"force": "yes"`` bypassed a
resync's removal threshold). Strict JSON still reads ISO strings as dates and times, strings as
enum members and arrays as tuples, as clients send them. Stored records are read back laxly
(DynamoDB numbers are ``Decimal``), never through these functions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails, to_json

from gateway import strict_json
from gateway_client.contract import (
    Frozen,
    Intake,
    MalformedJson,
    SchemaError,
    quoted_field,
    shown_input,
)

# pydantic's own error types, folded into the gateway's codes; custom codes pass through.
_CODE_FOR_TYPE = {
    "json_invalid": "malformed_json",  # a lone surrogate (\ud800) Python's JSON let through
    "missing": "missing_field",
    "extra_forbidden": "unknown_field",
    "string_too_short": "invalid_length",
    "string_too_long": "invalid_length",
    "too_long": "invalid_length",
    "string_pattern_mismatch": "invalid_format",
    "date_from_datetime_parsing": "invalid_date",
    "date_parsing": "invalid_date",
    "date_type": "invalid_date",
    "datetime_parsing": "invalid_datetime",
    "datetime_type": "invalid_datetime",
    "timezone_aware": "invalid_datetime",
    "enum": "invalid_value",
    "literal_error": "invalid_value",
    "model_type": "invalid_type",
    "model_attributes_type": "invalid_type",
    "string_type": "invalid_type",
    "int_type": "invalid_type",
    "int_parsing": "invalid_type",
    "int_from_float": "invalid_type",
    "bool_type": "invalid_type",
    "bool_parsing": "invalid_type",
    "float_type": "invalid_type",
    "float_parsing": "invalid_type",
    "dict_type": "invalid_type",
    "list_type": "invalid_type",
    "tuple_type": "invalid_type",
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
}


Section = Literal["entries", "removals"]


class EntryError(Frozen):
    list: Section = "entries"
    index: int
    field: str
    code: str
    message: str


def error_code(error_type: str) -> str:
    return _CODE_FOR_TYPE.get(error_type, error_type)


def field_path(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc)


PATH_CHARS = strict_json.PATH_CHARS
MESSAGE_CHARS = 300


def path_of(error: ErrorDetails) -> str:
    """Where a problem is: its location, and under it the field that a validator of the whole
    object names in its context (``field``: an extension's ``decided_on``). A key is input too
    (an ID number where a field name goes): shown as ``message_of`` shows it."""
    below = (error.get("ctx") or {}).get("field")
    loc = [*error["loc"], below] if isinstance(below, str) else error["loc"]
    if error["type"] == "extra_forbidden" and loc and isinstance(loc[-1], str):
        loc = [*loc[:-1], quoted_field(loc[-1])]  # the key is input (a name?)
    return shown_input(field_path(loc), PATH_CHARS)


def message_of(error: ErrorDetails) -> str:
    """What is wrong, any ID number it quotes masked (``domain 110105… is not in the
    catalogue``: a slipped column), which the console never shows in full; a validator's own
    words without pydantic's "Value error, " before them."""
    said = error["msg"]
    if error["type"] == "value_error":
        said = said.removeprefix("Value error, ")
    return shown_input(said, MESSAGE_CHARS)


def parse_json(body: bytes) -> Any:
    """A signed body's JSON.

    Raises
    ------
    MalformedJson
        bad UTF-8 or JSON, huge numbers, deep nesting.
    strict_json.DuplicateKey
        an object names a key twice (``path`` says where).
    strict_json.NotText
        a string holds half a surrogate pair (``path`` says where).
    """
    try:
        return strict_json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise MalformedJson(f"the body is not UTF-8 JSON: {exc}", path="body") from exc


M = TypeVar("M", bound=BaseModel)


LISTED_PROBLEMS = 100
"""The problems a refusal lists, the first by position: a body within the size the gateway
takes, of half a million unknown keys, listed them all in a 47 MB reply, which Lambda cannot
answer (6 MB: a 502 for a client's mistake, review 397)."""


def schema_error(exc: ValidationError) -> SchemaError:
    """The first ``LISTED_PROBLEMS`` problems pydantic found, each with its ``path``
    (``errors_truncated`` when there were more); the first one in the message."""
    problems = [
        {"path": path_of(e) or "body", "code": error_code(e["type"]), "message": message_of(e)}
        for e in exc.errors(include_url=False)
        if not _short_of_failed_items(e)
    ]
    first = problems[0]
    listed: dict[str, object] = {"errors": problems[:LISTED_PROBLEMS]}
    if len(problems) > LISTED_PROBLEMS:
        listed["errors_truncated"] = True
    return SchemaError(f"{first['path']}: {first['message']}", path=first["path"], **listed)


def _short_of_failed_items(error: ErrorDetails) -> bool:
    """Pydantic's ``too_short`` for a tuple that held enough items but some failed: it counts
    those that validated ("at least 1 item after validation, not 0"), though the items' own
    errors are what was wrong, and are listed."""
    sent, ctx = error.get("input"), error.get("ctx") or {}
    return (
        error["type"] == "too_short"
        and isinstance(sent, list | tuple)
        and len(sent) >= ctx.get("min_length", len(sent) + 1)
    )


def parse_request(model: type[M], body: bytes, today: date | None = None) -> M:
    """A JSON body as ``model``, judged as input (``Intake``); every failure is the client's.
    ``today`` (Beijing) is needed where the model holds resident IDs, whose birth must not be
    after it.

    Raises
    ------
    MalformedJson, DuplicateKey, SchemaError
    """
    parse_json(body)  # refuses what the JSON itself gets wrong (duplicate keys, say), with a path
    try:
        return model.model_validate_json(body, strict=True, context=Intake(today))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        if first["type"] == "json_invalid":  # a lone surrogate (\ud800) in a string
            # its own words, not pydantic's report with its model and web address (review 184)
            said = message_of(first).removeprefix("Invalid JSON: ")
            raise MalformedJson(f"the body is not UTF-8 JSON: {said}", path="body") from exc
        raise schema_error(exc) from exc


def judged(model: type[M], raw: Any, intake: Intake) -> M:
    """One item of parsed JSON (a pushed entry, a removal) judged as input, as strictly as a body
    (``parse_request``): re-encoded, so that strict mode reads it as JSON, not as Python objects."""
    return model.model_validate_json(to_json(raw), strict=True, context=intake)


@cache
def _list_of(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def validate_each(
    model: type[M], raw_items: Sequence[Any], section: Section, today: date
) -> tuple[list[tuple[int, M]], list[EntryError]]:
    """Split raw items into valid ones (with their index) and one error per bad field; each
    judged as input, with ``today`` the Beijing date from the caller's clock.

    The whole list is validated in one call into pydantic-core first (each item by the same
    schema and context as alone, without a Python round trip per item); only a list with a bad
    item is gone through item by item, to keep the good ones and say what is wrong with each
    of the others (``tests/unit/test_validate_each.py`` proves both ways give the same)."""
    intake = Intake(today)
    try:
        items: list[M] = _list_of(model).validate_json(
            to_json(raw_items), strict=True, context=intake
        )
    except ValidationError:
        pass
    else:
        return list(enumerate(items)), []
    valid: list[tuple[int, M]] = []
    errors: list[EntryError] = []
    for index, raw in enumerate(raw_items):
        try:
            valid.append((index, judged(model, raw, intake)))
        except ValidationError as exc:
            errors.extend(
                EntryError(
                    list=section,
                    index=index,
                    field=path_of(e),
                    code=error_code(e["type"]),
                    message=message_of(e),
                )
                for e in exc.errors(include_url=False)
                if not _short_of_failed_items(e)
            )
    return valid, errors
