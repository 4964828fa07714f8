"""Credit codes: the unified social credit code (GB 32100-2015) and the resident ID (GB 11643).

``python-stdnum`` does the check-character arithmetic; this module turns its exceptions into
the gateway's stable error codes. Codes that fail the check are rejected, never "repaired".
"""

from __future__ import annotations

import functools
import re
import unicodedata
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


_RIC_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_EARLIEST_BIRTH_YEAR = 1900


def _compact(value: str) -> str:
    """Full-width forms become ASCII (NFKC); spaces and hyphens go; letters become upper case."""
    text = unicodedata.normalize("NFKC", value)
    return text.strip().replace(" ", "").replace("-", "").upper()


@functools.lru_cache(maxsize=65536)
def classify(value: str) -> tuple[str, SubjectType]:
    """Validate a credit code and say whose it is (memoised: a code is validated again on
    promotion, masking and every re-read, and the check digits are pure arithmetic).

    A string shaped like a resident ID — 17 digits and a digit or X, a birth date, and a
    division code that existed in the birth year — is checked as one (GB 11643); anything else
    as a unified social credit code (GB 32100). Checking the resident-ID shape first matters:
    about one resident ID in 31 also happens to pass the USCC check.

    Raises
    ------
    CodeProblem
        ``invalid_check_character`` when the structure is right but the check fails,
        ``invalid_credit_code`` otherwise.
    """
    code = _compact(value)
    if len(code) != 18:
        raise CodeProblem("invalid_credit_code", "a credit code has 18 characters")
    is_person = _looks_like_resident_id(code)
    module, kind = (
        (ric, "resident ID number") if is_person else (uscc, "unified social credit code")
    )
    try:
        module.validate(code)
    except ValidationError as error:
        raise _problem(error, kind) from error
    return code, SubjectType.NATURAL_PERSON if is_person else SubjectType.LEGAL_PERSON


def _looks_like_resident_id(code: str) -> bool:
    if not _RIC_SHAPE.fullmatch(code):
        return False
    try:
        born = ric.get_birth_date(code)
        ric.get_birth_place(code)
    except ValidationError:
        return False
    return born.year >= _EARLIEST_BIRTH_YEAR


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

_MASKED = re.compile(r"^[0-9]{6}\*{11}[0-9X]$")


def _code_or_masked(value: str) -> str:
    return value if _MASKED.fullmatch(value) else _credit_code(value)


CreditCodeOrMasked = Annotated[str, AfterValidator(_code_or_masked)]
"""A credit code, or a resident ID already masked by ``mask`` (what a region without need sees)."""


def mask(code: str) -> str:
    """Mask a resident ID for logs and regions without need to know: keep region and check.

    Idempotent: an already masked ID comes back unchanged.
    """
    if _MASKED.fullmatch(code):
        return code
    compact, subject_type = classify(code)
    if subject_type is SubjectType.NATURAL_PERSON:
        return compact[:6] + "*" * 11 + compact[17]
    return compact
