"""The shapes of a person's number (GB 11643: resident IDs, residence permits, foreign
permanent residents' IDs) that ``codes`` tells apart from an organisation's USCC, and the
typos of one that no organisation's code could be (reviews 282, 361, 363, 365)."""

from __future__ import annotations

import re
from enum import Enum, StrEnum

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from gateway_client.contract.regions import NATION, existed_from, known_division, newer_district


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
_BIRTH_CENTURIES = ("18", "19", "20")
_RESIDENCE_PERMITS = frozenset({"810000", "820000", "830000"})


class Look(Enum):
    """How much a code looks like a resident ID: its division was on the list in the birth
    year (``BORN_THERE``: a wrong check digit is a mistyped number, refused, never read as an
    organisation's code and shown to anyone), or only later (``ISSUED_LATER``: a person's
    number if its check digit is right; else an organisation's all-digit code if that check
    holds, as codes of this look were read before the issuing office counted)."""

    BORN_THERE = "born_there"
    ISSUED_LATER = "issued_later"


def resident_id_look(code: str) -> Look | None:
    if not _RIC_SHAPE.fullmatch(code):
        return None
    try:
        born = ric.get_birth_date(code)
    except ValidationError:
        return None  # cheap, and settles most USCCs written in digits only
    if born.year < _EARLIEST_BIRTH_YEAR or not _issued_from(code, born.year):
        return None
    if not known_division(code[:6]):  # stdnum's lookup raises KeyError for one off its list
        return Look.ISSUED_LATER
    try:
        ric.get_birth_place(code)
    except ValidationError:
        return Look.ISSUED_LATER
    return Look.BORN_THERE


def permanent_residence_look(code: str) -> bool:
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


def organisation_or_mistyped(code: str) -> SubjectType:
    """A code that looks like a person's number with a wrong check digit but passes the USCC
    check: an organisation's only if it could be a USCC issued — a registration type its
    department has (``_TYPES``: review 365), and digits 3–8 a registering division on the
    list when USCCs began (2015) or after, or the nation's 100000. Else no organisation holds
    it — a foreign permanent resident's or a residence permit's number mistyped, 1 typo in 31
    passing GB 32100 (review 361), which read as a company's was stored unmasked and shown to
    anyone. Such a code is read as a person's (masked, erased; stored records of the release
    before included) and refused in input (``codes.mistyped_persons_number``). No district is
    guessed here (``newer_district`` vouched for a Korean resident's 141019 under 临汾市:
    review 363), nor a gateway-reserved code (100019)."""
    division = code[2:8]
    issued = division == NATION or existed_from(division, _USCC_BEGAN)
    typed = code[1] in _TYPES.get(code[0], "")
    return SubjectType.LEGAL_PERSON if issued and typed else SubjectType.NATURAL_PERSON


_USCC_BEGAN = 2015  # GB 32100-2015
_TYPES = {"1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129", "7": "129"}
_TYPES |= {"8": "19", "9": "123"}
"""GB 32100-2015 table 1: the registration types each department (in digits) issues under:
1 机构编制 (机关, 事业单位, 群众团体, 其他), 2 外交, 3 司法行政 (律师, 公证, 基层法律服务, 司法鉴定,
仲裁, 其他), 4 文化, 5 民政 (社会团体, 民办非企业单位, 基金会, 其他), 6 旅游, 7 宗教, 8 工会,
9 市场监管 (企业, 个体工商户, 农民专业合作社)."""


def digits_of_a_person(code: str) -> bool:
    """A person's number with a typo that broke its look still reads as one: 18 digits (or X
    last), its GB 11643 check digit wrong, and a birth year written 18xx–20xx (the typo made
    the date no day or before 1900, the office no division, a foreign resident's 9 another
    digit: review 365) — or, the century itself mistyped (1946 as 1546), an issuing office and
    a month and day (review 369). One in 31 of those passes the USCC check."""
    if _RIC_SHAPE.fullmatch(code) is None or ric.calc_check_digit(code) == code[17]:
        return False
    return code[6:8] in _BIRTH_CENTURIES or (_an_office(code) and _a_month_and_day(code[10:14]))


def _an_office(code: str) -> bool:
    """Digits 1–6 could have issued a person's number: a county, a district the list lags, a
    residence permit's office, or 9 and a province (a foreign permanent resident's)."""
    return _county_known(code) or (code[0] == "9" and known_division(f"{code[1:3]}0000"))


def _a_month_and_day(digits: str) -> bool:
    return 1 <= int(digits[:2]) <= 12 and 1 <= int(digits[2:]) <= 31


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


def misborn_resident_id(code: str) -> CodeProblem | None:
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
