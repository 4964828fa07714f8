"""A bulk check's lines: each upload line's code (or why it holds none), and each result file
line — the answer as shown, and the commitment to a number shown masked (``report_codes``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from gateway import strict_json
from gateway.checks.batch import CheckResult
from gateway.intake import LineError, line_error, line_errors
from gateway.lifecycle import may_be_purged
from gateway.recognition import is_natural_person
from gateway_client.contract import Frozen, Line, code_commitment, opening_at

CodeLine = tuple[int, str]  # (line number, the code as written)
_ONE_CODE = 'each line is one JSON object: {"credit_code": "…"}'


class CodeOnLine(Frozen):
    credit_code: str


def erasable(answer: CheckResult, code: str | None) -> set[str]:
    """The listings a result line shows that a purge may one day erase: all of them when the
    code asked (``code``, compacted: the line may show it masked) is a person's, whatever they
    were stored as (review 294: a foreign resident's stored as an organisation's by an earlier
    release, shown masked, was judged no person's and its file never noted for the purge),
    and every listing shown naming the person."""
    shown = answer.subject.listings if answer.subject is not None else ()
    person = code is not None and is_natural_person(code)
    naming = {p.listing.listing_id for p in answer.named_in}  # each ties the person to it
    return naming | {v.listing.listing_id for v in shown if person or may_be_purged(v.listing)}


def result_line(
    number: int, answer: CheckResult, full: str | None, opening_key: bytes
) -> dict[str, Any]:
    """A result file's line: the answer as shown, its error on the line's field (not its place
    in a block), and for a number shown masked the commitment to it (``report_codes``), which
    the report binds through the file's digest."""
    line = {"line": number, **answer.model_dump(mode="json", exclude={"index"})}
    if line["error"] is not None:
        line["error"]["path"] = "credit_code"
    if full is not None and answer.credit_code != full:
        line["commitment"] = code_commitment(full, opening_at(opening_key, number))
    return line


def codes_of(lines: Sequence[Line]) -> tuple[list[CodeLine], list[LineError]]:
    """Each line's code, or why the line holds none (a code that is not one is the check's
    per-code error, in the result file)."""
    codes: list[CodeLine] = []
    errors: list[LineError] = []
    for line in lines:
        if line.overlong:
            errors.append(
                LineError(
                    line=line.number, field="", code="line_too_long", message="a code is short"
                )
            )
            continue
        try:
            text = line.text.decode("utf-8-sig")
            strict_json.loads(text)
            code = CodeOnLine.model_validate_json(text, strict=True).credit_code
        except strict_json.DuplicateKey as exc:
            errors.append(line_error(line, exc.context["path"], exc.code, exc.message))
        except strict_json.NotText:  # a lone surrogate (\ud800): no code, as it always was
            errors.append(line_error(line, "", "malformed_line", _ONE_CODE))
        except ValidationError as exc:  # JSON, but not one code: on its field (review 48)
            unread = exc.errors()[0]["type"] == "json_invalid"  # a lone surrogate (\ud800)
            errors += (
                [line_error(line, "", "malformed_line", _ONE_CODE)]
                if unread
                else line_errors(line, exc)
            )
        except (ValueError, RecursionError):
            errors.append(line_error(line, "", "malformed_line", _ONE_CODE))
        else:
            codes.append((line.number, code))
    return codes, errors
