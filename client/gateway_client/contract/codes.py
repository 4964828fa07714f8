"""Credit codes: the unified social credit code (GB 32100-2015) and the resident ID (GB 11643).

``python-stdnum`` does the check-character arithmetic; this module turns its exceptions into
the gateway's stable error codes. Codes that fail the check are rejected, never "repaired".

A resident ID's birth date must be a real day from 1900 on (stdnum checks only that it is a
date, with a generic error) and, in input, not after today in Beijing: ``today`` comes from the
injected clock through the validation context (``gateway_client.contract.model.Intake``) or, for a
code in a
request path, from the route — never from a clock read here.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date
from typing import Annotated, Protocol

from pydantic import AfterValidator, ValidationInfo
from pydantic_core import PydanticCustomError
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

from gateway_client.contract.errors import BadRequest
from gateway_client.contract.id_shapes import (
    CodeProblem as CodeProblem,
)
from gateway_client.contract.id_shapes import (
    Look,
    digits_of_a_person,
    misborn_resident_id,
    organisation_or_mistyped,
    permanent_residence_look,
    resident_id_look,
)
from gateway_client.contract.id_shapes import (
    SubjectType as SubjectType,
)
from gateway_client.contract.model import intake_of

_LETTERED_USCC = re.compile(r"^[ANY][0-9]{7}[0-9A-HJ-NPQRTUWXY]{10}$")
"""GB 32100 with its registration department written as a letter (A 中央军委改革和编制办公室,
N 农业农村: 农村集体经济组织, Y 其他), which stdnum's digits-only start refuses."""


def _compact(value: str) -> str:
    """Full-width forms become ASCII (NFKC); spaces and hyphens go; letters become upper case."""
    text = unicodedata.normalize("NFKC", value)
    return text.strip().replace(" ", "").replace("-", "").upper()


MAX_WRITTEN_LENGTH = 64
"""The longest a code may be written (18 characters with spaces, hyphens, full-width forms):
longer text is refused before the memo, which would otherwise keep every padded copy."""


def classify(value: str) -> tuple[str, SubjectType]:
    """``_classify``, for text no longer than ``MAX_WRITTEN_LENGTH``."""
    if len(value) > MAX_WRITTEN_LENGTH:
        raise CodeProblem("invalid_credit_code", "a credit code has 18 characters")
    return _classify(value)


def forget_classified() -> None:
    """Empty the classification memo. A periodic job (the tick, an agreement's re-evaluation)
    reads each code once, a page at a time: what the memo kept of its pages never serves again
    and only grows with the table, up to 65,536 codes (about 13 MB)."""
    _classify.cache_clear()


@functools.lru_cache(maxsize=65536)
def _classify(value: str) -> tuple[str, SubjectType]:
    """Validate a credit code and say whose it is (memoised: a code is validated again on
    promotion, masking and every re-read, and the check digits are pure arithmetic).

    A string shaped like a resident ID — 17 digits and a digit or X, a birth date, and a
    division code that could have issued it (``_issued_from``) — is one if its GB 11643 check
    digit is right (``Look`` says when a wrong one may still be a USCC); anything else is
    checked as a unified social credit code (GB 32100). Checking the resident-ID shape first
    matters: about one resident ID in 31 also happens to pass the USCC check, and a code right
    both ways is read as a person's.

    A code that is no USCC but has a resident ID's digits, a known division, a birth year
    written 18xx–20xx and a right check digit is a resident ID whose birth date is impossible
    (19990231) or before 1900, and is called that rather than a USCC with a wrong check.

    Raises
    ------
    CodeProblem
        ``invalid_check_character`` when the structure is right but the check fails,
        ``invalid_birth_date`` for such a resident ID, ``invalid_credit_code`` otherwise.
    """
    code = _compact(value)
    if len(code) != 18:
        raise CodeProblem("invalid_credit_code", "a credit code has 18 characters")
    if not (code.isascii() and code.isalnum()):  # stdnum let a line break through (review 278)
        raise CodeProblem("invalid_credit_code", "a credit code holds only digits and letters")
    look = resident_id_look(code)
    if look is not None:
        if ric.calc_check_digit(code) == code[17]:
            return code, SubjectType.NATURAL_PERSON
        if look is Look.ISSUED_LATER and uscc.is_valid(code):
            return code, organisation_or_mistyped(code)  # an organisation's (review 124)
        raise _problem(InvalidChecksum(), "resident ID number")
    if permanent_residence_look(code) and ric.calc_check_digit(code) == code[17]:
        return code, SubjectType.NATURAL_PERSON
    if digits_of_a_person(code) and uscc.is_valid(code):  # a foreign resident's mistyped too
        return code, organisation_or_mistyped(code)  # a typo broke the look (review 365)
    try:
        _validate_uscc(code)
    except ValidationError as error:
        misborn = misborn_resident_id(code)
        raise misborn or _problem(error, "unified social credit code") from error
    return code, SubjectType.LEGAL_PERSON


def _validate_uscc(code: str) -> None:
    """GB 32100, also for a registration department written as a letter (review 343: a right
    code of a village collective, ``N2…``, was refused as no code at all).

    Raises
    ------
    stdnum.exceptions.ValidationError
    """
    if not _LETTERED_USCC.fullmatch(code):
        uscc.validate(code)
    elif uscc.calc_check_digit(code) != code[17]:
        raise InvalidChecksum()


def mistyped_persons_number(code: str, subject_type: SubjectType) -> bool:
    """A code read as a person's whose GB 11643 check digit is wrong
    (``organisation_or_mistyped``)."""
    return subject_type is SubjectType.NATURAL_PERSON and ric.calc_check_digit(code) != code[17]


def born_by(code: str, subject_type: SubjectType, today: date) -> None:
    """A resident ID must not be born after ``today`` (Beijing); other codes have no birth.

    Raises
    ------
    CodeProblem
        ``invalid_birth_date``
    """
    if subject_type is not SubjectType.NATURAL_PERSON or _may_be_a_company(code):
        return
    if mistyped_persons_number(code, subject_type):
        return  # no one's birth: a typo an earlier release stored, reachable (review 363)
    born = ric.get_birth_date(code)
    if born > today:
        raise CodeProblem(  # the date unquoted: it is the person's (review 311)
            "invalid_birth_date",
            f"the birth date of this resident ID is after today ({today.isoformat()} in Beijing)",
        )


def _may_be_a_company(code: str) -> bool:
    """A foreign permanent resident's form that is a valid USCC too: read as a person's (the
    safe side, whatever the day: review 284), but maybe a company's, whose digits only look
    like a birth date, so never refused as unborn (review 283: a company was locked out). A
    mainland resident ID's form is refused as unborn as before: a number born after today is a
    mistyped person's far more often than an organisation's (review 285 left it so)."""
    return code[0] == "9" and uscc.is_valid(code)


def requested_code(value: str, today: date) -> str:
    """A credit code named in a request path, compacted; 400 ``bad_request`` with ``reason``
    (the code's problem, e.g. ``invalid_birth_date``) when it is not one.

    Raises
    ------
    BadRequest
    """
    try:
        code, subject_type = classify(value)
        born_by(code, subject_type, today)
    except CodeProblem as problem:
        raise BadRequest(problem.message, path="credit_code", reason=problem.code) from problem
    return code


def _problem(error: ValidationError, kind: str) -> CodeProblem:
    if isinstance(error, InvalidChecksum):
        return CodeProblem(
            "invalid_check_character", f"the check character of this {kind} is wrong"
        )
    return CodeProblem("invalid_credit_code", f"not a valid {kind}: {error}")


def _credit_code(value: str, info: ValidationInfo, naming: bool = False) -> str:
    intake = intake_of(info)
    try:
        code, subject_type = classify(value)
        if intake is not None and not naming and mistyped_persons_number(code, subject_type):
            raise _problem(InvalidChecksum(), "resident ID number")
        if intake is not None and intake.today is not None:
            born_by(code, subject_type, intake.today)
    except CodeProblem as exc:
        raise PydanticCustomError(exc.code, exc.message) from exc
    return code


CreditCode = Annotated[str, AfterValidator(_credit_code)]
"""A validated, compacted credit code usable as a pydantic field type."""


def read_as_a_person(code: str) -> bool:
    """Whether ``code`` reads as a person's now, whatever an earlier release stored it as (a
    foreign resident's number, a mistyped one: reviews 283, 363); not a masked code."""
    try:
        return classify(code)[1] is SubjectType.NATURAL_PERSON
    except CodeProblem:
        return False


def is_persons(listing: _Coded) -> bool:
    """Whether a listing (or entry) is a person's: stored so, or its code read as a person's
    now (an earlier release stored it as an organisation's: reviews 283, 363, 365)."""
    return listing.subject_type is SubjectType.NATURAL_PERSON or read_as_a_person(
        listing.credit_code
    )


class _Coded(Protocol):
    @property
    def credit_code(self) -> str: ...
    @property
    def subject_type(self) -> SubjectType: ...


def _naming_code(value: str, info: ValidationInfo) -> str:
    return _credit_code(value, info, naming=True)


NamingCreditCode = Annotated[str, AfterValidator(_naming_code)]
"""``CreditCode`` for a field naming a listing held (a removal's): a mistyped person's number
an earlier release stored as an organisation's names its listing, so its owner can take it off
(review 363); input refuses it anywhere else."""

_MASKED = re.compile(r"^[0-9]{6}\*{11}[0-9X]$")


def _code_or_masked(value: str, info: ValidationInfo) -> str:
    """A masked number is what a view or a delivery shows; in input it names no one (review
    370: pushed as a responsible person's, it was stored, bound to nobody the person index or
    a query could find), refused as the code it is not."""
    masked = _MASKED.fullmatch(value) and intake_of(info) is None
    return value if masked else _credit_code(value, info)


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
