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
from enum import Enum, StrEnum
from typing import Annotated

from pydantic import AfterValidator, ValidationInfo
from pydantic_core import PydanticCustomError
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

from gateway_client.contract.errors import BadRequest
from gateway_client.contract.model import intake_of
from gateway_client.contract.regions import (
    NATION,
    existed_from,
    known_division,
    newer_district,
)


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
_LETTERED_USCC = re.compile(r"^[ANY][0-9]{7}[0-9A-HJ-NPQRTUWXY]{10}$")
"""GB 32100 with its registration department written as a letter (A 中央军委改革和编制办公室,
N 农业农村: 农村集体经济组织, Y 其他), which stdnum's digits-only start refuses."""
_EARLIEST_BIRTH_YEAR = 1900
_BIRTH_CENTURIES = ("18", "19", "20")
_RESIDENCE_PERMITS = frozenset({"810000", "820000", "830000"})


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
    digit is right (``_Look`` says when a wrong one may still be a USCC); anything else is
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
    look = _resident_id_look(code)
    if look is not None:
        if ric.calc_check_digit(code) == code[17]:
            return code, SubjectType.NATURAL_PERSON
        if look is _Look.ISSUED_LATER and uscc.is_valid(code):
            return code, _organisation_or_mistyped(code)  # an organisation's (review 124)
        raise _problem(InvalidChecksum(), "resident ID number")
    if _permanent_residence_look(code):
        if ric.calc_check_digit(code) == code[17]:
            return code, SubjectType.NATURAL_PERSON
        if uscc.is_valid(code):
            return code, _organisation_or_mistyped(code)
    try:
        _validate_uscc(code)
    except ValidationError as error:
        misborn = _misborn_resident_id(code)
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


class _Look(Enum):
    """How much a code looks like a resident ID: its division was on the list in the birth
    year (``BORN_THERE``: a wrong check digit is a mistyped number, refused, never read as an
    organisation's code and shown to anyone), or only later (``ISSUED_LATER``: a person's
    number if its check digit is right; else an organisation's all-digit code if that check
    holds, as codes of this look were read before the issuing office counted)."""

    BORN_THERE = "born_there"
    ISSUED_LATER = "issued_later"


def _resident_id_look(code: str) -> _Look | None:
    if not _RIC_SHAPE.fullmatch(code):
        return None
    try:
        born = ric.get_birth_date(code)
    except ValidationError:
        return None  # cheap, and settles most USCCs written in digits only
    if born.year < _EARLIEST_BIRTH_YEAR or not _issued_from(code, born.year):
        return None
    if not known_division(code[:6]):  # stdnum's lookup raises KeyError for one off its list
        return _Look.ISSUED_LATER
    try:
        ric.get_birth_place(code)
    except ValidationError:
        return _Look.ISSUED_LATER
    return _Look.BORN_THERE


def _permanent_residence_look(code: str) -> bool:
    """A foreign permanent resident's ID number (外国人永久居留身份证, the form issued since
    2023): 9, the issuing province, the nationality (three digits), the birth date, a
    sequence number and GB 11643's check digit — a person's number that no division starts,
    which stdnum read as a USCC (1 in 31 pass its check) and was shown to anyone in full
    (review 282). With a right check digit it is a person's; an all-digit USCC that fits this
    form and this check too is read as a person's, as a code right both ways is (masked,
    looked up with a purpose): the safe side, the same whatever the day (``born_by`` does not
    refuse it: ``_may_be_a_company``)."""
    if not (_RIC_SHAPE.fullmatch(code) and code[0] == "9" and known_division(f"{code[1:3]}0000")):
        return False
    try:
        born = ric.get_birth_date(code)
    except ValidationError:
        return False
    return born.year >= _EARLIEST_BIRTH_YEAR


def _organisation_or_mistyped(code: str) -> SubjectType:
    """A code that looks like a person's number with a wrong check digit but passes the USCC
    check: an organisation's only if it could be a USCC issued — a registration type its
    department has, where the department is 9 (市场监管: 1 企业, 2 个体工商户, 3 农民专业合作社),
    and digits 3–8 a registering division on the list when USCCs began (2015) or after, or
    the nation's 100000. Else no organisation holds it — a foreign permanent resident's or a
    residence permit's number mistyped, 1 typo in 31 passing GB 32100 (review 361), which
    read as a company's was stored unmasked and shown to anyone. Such a code is read as a
    person's (masked, erased; stored records of the release before included) and refused in
    input (``mistyped_persons_number``). No district is guessed here (``newer_district``
    vouched for a Korean resident's 141019 under 临汾市: review 363), nor a gateway-reserved
    code (100019)."""
    division = code[2:8]
    issued = division == NATION or existed_from(division, _USCC_BEGAN)
    typed = code[0] != "9" or code[1] in "123"
    return SubjectType.LEGAL_PERSON if issued and typed else SubjectType.NATURAL_PERSON


_USCC_BEGAN = 2015  # GB 32100-2015


def mistyped_persons_number(code: str, subject_type: SubjectType) -> bool:
    """A code read as a person's whose GB 11643 check digit is wrong
    (``_organisation_or_mistyped``)."""
    return subject_type is SubjectType.NATURAL_PERSON and ric.calc_check_digit(code) != code[17]


def _issued_from(code: str, born: int) -> bool:
    """The first six digits could have issued the number of someone born in ``born``: a
    division on the list in that year or later. They are the office that first issued it —
    for most born before 1999 years after their birth (大冶市, 420281, made in 1994, numbered
    people born in 1990), so stdnum's birth-place check (the division of the birth year) read
    their numbers as organisations' codes (review 122) — never one gone before they were born.
    So are the residence permits of Hong Kong, Macao and Taiwan residents (港澳台居民居住证,
    GB 11643's form with 810000, 820000 and 830000, since 2018), whoever holds them, and a
    district the list lags (330113 临平区, made in 2021: review 134)."""
    division = code[:6]
    return (
        division in _RESIDENCE_PERMITS or existed_from(division, born) or newer_district(division)
    )


def _county_known(code: str) -> bool:
    """The first six digits name a county in some year, a district the list lags, or a
    residence permit's office."""
    division = code[:6]
    return division in _RESIDENCE_PERMITS or known_division(division) or newer_district(division)


def _misborn_resident_id(code: str) -> CodeProblem | None:
    """``invalid_birth_date`` for a resident ID (digits, a birth year 18xx–20xx, a county that
    exists in some year, the right check digit) born on no day or before 1900; else None."""
    if not (
        _RIC_SHAPE.fullmatch(code)
        and code[6:8] in _BIRTH_CENTURIES
        and ric.calc_check_digit(code) == code[17]
        and _county_known(code)
    ):
        return None
    try:
        born = ric.get_birth_date(code)
    except ValidationError:
        return CodeProblem(
            "invalid_birth_date", f"the birth date {code[6:14]} of this resident ID is not a day"
        )
    if born.year >= _EARLIEST_BIRTH_YEAR:
        return None
    return CodeProblem(
        "invalid_birth_date",
        f"the birth date {born.isoformat()} of this resident ID is before {_EARLIEST_BIRTH_YEAR}",
    )


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


def _naming_code(value: str, info: ValidationInfo) -> str:
    return _credit_code(value, info, naming=True)


NamingCreditCode = Annotated[str, AfterValidator(_naming_code)]
"""``CreditCode`` for a field naming a listing held (a removal's): a mistyped person's number
an earlier release stored as an organisation's names its listing, so its owner can take it off
(review 363); input refuses it anywhere else."""

_MASKED = re.compile(r"^[0-9]{6}\*{11}[0-9X]$")


def _code_or_masked(value: str, info: ValidationInfo) -> str:
    return value if _MASKED.fullmatch(value) else _credit_code(value, info)


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
