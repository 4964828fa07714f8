"""Credit codes: the unified social credit code (GB 32100-2015) and the resident ID (GB 11643).

``python-stdnum`` does the check-character arithmetic; this module turns its exceptions into
the gateway's stable error codes. Codes that fail the check are rejected, never "repaired".
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, ValidationError


class SubjectType(StrEnum):
    LEGAL_PERSON = "legal_person"
    NATURAL_PERSON = "natural_person"


class CodeProblem(ValueError):
    """Why a string is not a credit code; ``code`` is the stable error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_RIC_SHAPE = re.compile(r"^\d{17}[\dX]$")


def _compact(value: str) -> str:
    return value.strip().replace(" ", "").replace("-", "").upper()


def classify(value: str) -> tuple[str, SubjectType]:
    """Validate a credit code and say whose it is.

    A string that passes the GB 32100 check is an organisation's code; otherwise a string shaped
    like a resident ID (17 digits, a digit or X, a real birth date) is checked as one.

    Raises
    ------
    CodeProblem
        ``invalid_check_character`` when the structure is right but the check fails,
        ``invalid_credit_code`` otherwise.
    """
    code = _compact(value)
    if len(code) != 18:
        raise CodeProblem("invalid_credit_code", "a credit code has 18 characters")
    try:
        uscc.validate(code)
    except ValidationError as uscc_error:
        if not _looks_like_resident_id(code):
            raise _problem(uscc_error, "unified social credit code") from uscc_error
    else:
        return code, SubjectType.LEGAL_PERSON
    try:
        ric.validate(code)
    except ValidationError as ric_error:
        raise _problem(ric_error, "resident ID number") from ric_error
    return code, SubjectType.NATURAL_PERSON


def _looks_like_resident_id(code: str) -> bool:
    """17 digits, a digit or X, and a real birth date in positions 7-14."""
    if not _RIC_SHAPE.fullmatch(code):
        return False
    try:
        ric.get_birth_date(code)
    except ValidationError:
        return False
    return True


def _problem(error: ValidationError, kind: str) -> CodeProblem:
    if isinstance(error, InvalidChecksum):
        return CodeProblem(
            "invalid_check_character", f"the check character of this {kind} is wrong"
        )
    return CodeProblem("invalid_credit_code", f"not a valid {kind}: {error}")


def _credit_code(value: str) -> str:
    try:
        return classify(value)[0]
    except CodeProblem as exc:
        raise PydanticCustomError(exc.code, exc.message) from exc


CreditCode = Annotated[str, AfterValidator(_credit_code)]
"""A validated, compacted credit code usable as a pydantic field type."""


def mask(code: str) -> str:
    """Mask a resident ID for logs and regions without need to know: keep region and check."""
    if classify(code)[1] is SubjectType.NATURAL_PERSON:
        return code[:6] + "*" * 11 + code[17]
    return code
