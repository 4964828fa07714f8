"""Credit codes: GB 32100 USCCs and GB 11643 resident IDs, classified or rejected."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from builders import RESIDENT_ID, USCC, entry, make_resident_id, person
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from stdnum.cn import ric

from gateway_client.contract.codes import (
    CodeProblem,
    CreditCode,
    SubjectType,
    born_by,
    classify,
    mask,
    mistyped_persons_number,
    requested_code,
)
from gateway_client.contract.errors import BadRequest
from gateway_client.contract.listing import ListingEntry
from gateway_client.contract.model import Intake

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
RIC_CHECKS = "10X98765432"


def gb32100_check(body: str) -> str:
    """GB 32100-2015: weights 3^i mod 31, check = (31 - sum mod 31) mod 31."""
    total = sum(USCC_ALPHABET.index(char) * pow(3, i, 31) for i, char in enumerate(body))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def gb11643_check(body: str) -> str:
    """GB 11643 / ISO 7064 MOD 11-2: weights 2^(17-i) mod 11."""
    total = sum(int(digit) * pow(2, 17 - i, 11) for i, digit in enumerate(body))
    return RIC_CHECKS[total % 11]


def problem_code(value: str) -> str:
    with pytest.raises(CodeProblem) as caught:
        classify(value)
    return caught.value.code


# -- the independent check-character implementations agree with the published examples --


def test_the_reference_uscc_check_character_matches_the_published_example() -> None:
    assert gb32100_check(USCC[:17]) == USCC[17]


def test_the_reference_resident_id_check_character_matches_the_published_example() -> None:
    assert gb11643_check(RESIDENT_ID[:17]) == RESIDENT_ID[17]


# -- examples --


def test_a_valid_uscc_is_a_legal_person() -> None:
    assert classify(USCC) == (USCC, SubjectType.LEGAL_PERSON)


def test_a_valid_resident_id_is_a_natural_person() -> None:
    assert classify(RESIDENT_ID) == (RESIDENT_ID, SubjectType.NATURAL_PERSON)


def test_a_code_is_compacted_before_it_is_checked() -> None:
    assert classify(" 9111-0000-6000 37341l ") == (USCC, SubjectType.LEGAL_PERSON)


def test_a_uscc_with_a_wrong_check_character_is_rejected_as_such() -> None:
    assert problem_code(USCC[:17] + "M") == "invalid_check_character"


def test_a_resident_id_with_a_wrong_check_digit_is_rejected_as_such() -> None:
    assert problem_code(RESIDENT_ID[:17] + "3") == "invalid_check_character"


def test_a_resident_id_with_a_wrong_check_digit_is_not_taken_for_a_uscc() -> None:
    # 110105198001011231 fails GB 11643 (its check digit is 8) but happens to pass GB 32100.
    assert problem_code("110105198001011231") == "invalid_check_character"


def test_a_valid_resident_id_that_also_passes_the_uscc_check_is_a_natural_person() -> None:
    # 11010519800105123X is a correct resident ID whose digits also satisfy GB 32100.
    assert classify("11010519800105123X")[1] is SubjectType.NATURAL_PERSON


@pytest.mark.parametrize(
    "value",
    [
        "",
        "9111000060003734",  # too short
        "91110000600037341L0",  # too long
        "B1110000600037341L",  # a letter no registration department is written as
        "91A10000600037341L",  # a letter in the division code
        "91110000600037341I",  # I is not in the alphabet
        "9111000060003734OL",  # neither is O
    ],
)
def test_a_malformed_code_is_an_invalid_credit_code(value: str) -> None:
    assert problem_code(value) == "invalid_credit_code"


def verdict(value: str) -> str:
    """The compacted code when accepted, ``problem:<code>`` when rejected."""
    try:
        return classify(value)[0]
    except CodeProblem as problem:
        return f"problem:{problem.code}"


def test_a_credit_code_in_full_width_digits_is_never_kept_in_that_form() -> None:
    full_width = "１１０１０５１９４９１２３１００２X"  # RESIDENT_ID typed with an IME
    assert verdict(full_width) in {RESIDENT_ID, "problem:invalid_credit_code"}


def test_mask_hides_the_birth_date_and_sequence_of_a_resident_id() -> None:
    assert mask(RESIDENT_ID) == "110105***********X"


def test_mask_leaves_an_organisation_code_alone() -> None:
    assert mask(USCC) == USCC


def test_mask_of_a_resident_id_written_with_spaces_keeps_its_check_character() -> None:
    assert mask("110105 19491231 002X") == "110105***********X"


def test_mask_hides_a_resident_id_that_also_passes_the_uscc_check() -> None:
    code = make_resident_id(birth="19800105", sequence=123)
    assert mask(code) == code[:6] + "*" * 11 + code[17]


# -- properties --

uscc_bodies = st.builds(
    lambda department, head, tail: department + head + tail,
    # the registration department: a digit, or a letter (A 中央军委改革和编制办公室, N 农业农村,
    # Y 其他) that stdnum alone refuses (review 343)
    st.sampled_from("0123456789ANY"),
    st.text(alphabet="0123456789", min_size=7, max_size=7),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)

birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31))
ric_bodies = st.builds(
    lambda born, seq: f"110105{born:%Y%m%d}{seq:03d}",
    birth_dates,
    st.integers(min_value=0, max_value=999),
)


@settings(max_examples=100, deadline=None)
@given(uscc_bodies)
def test_a_uscc_with_its_gb32100_check_character_is_a_legal_person(body: str) -> None:
    """All 18 digits, it may be a person's number mistyped that no organisation could hold
    (reviews 361–369: its own tests); any code with a letter in it is an organisation's."""
    code = body + gb32100_check(body)
    assume(not (code[:17].isdigit() and code[17] in RIC_CHECKS))
    assert classify(code) == (code, SubjectType.LEGAL_PERSON)


@settings(max_examples=100, deadline=None)
@given(uscc_bodies)
def test_every_other_uscc_check_character_is_rejected(body: str) -> None:
    right = gb32100_check(body)
    codes = {wrong: problem_code(body + wrong) for wrong in USCC_ALPHABET if wrong != right}
    # All digits with a resident ID's check digit: it may be read as an ID born on no day.
    misborn = {w for w in codes if body.isdigit() and gb11643_check(body) == w}
    assert {w: c for w, c in codes.items() if w not in misborn} == dict.fromkeys(
        set(codes) - misborn, "invalid_check_character"
    )
    assert {codes[w] for w in misborn} <= {"invalid_check_character", "invalid_birth_date"}


@settings(max_examples=100, deadline=None)
@given(ric_bodies)
@example("11010519800105123")  # its resident ID also passes GB 32100
def test_a_resident_id_with_its_gb11643_check_digit_is_a_natural_person(body: str) -> None:
    code = body + gb11643_check(body)
    assert classify(code) == (code, SubjectType.NATURAL_PERSON)


@settings(max_examples=100, deadline=None)
@given(ric_bodies)
@example("11010519800101123")  # with check digit 1 instead of 8 it passes GB 32100
def test_every_other_resident_id_check_digit_is_rejected(body: str) -> None:
    right = gb11643_check(body)
    codes = {wrong: problem_code(body + wrong) for wrong in RIC_CHECKS if wrong != right}
    assert codes == dict.fromkeys(codes, "invalid_check_character")


# -- birth dates (GB 11643: a real day, from 1900, not after today in Beijing) --

TODAY = date(2025, 6, 2)


@pytest.mark.parametrize(
    "birth",
    ["19990231", "19990229", "19991301", "19990001", "19990100", "20230431"],
    ids=["31 February", "29 February 1999", "month 13", "month 0", "day 0", "31 April"],
)
def test_a_resident_id_born_on_no_day_is_an_invalid_birth_date(birth: str) -> None:
    assert problem_code(make_resident_id(birth=birth)) == "invalid_birth_date"


def test_a_resident_id_born_before_1900_is_an_invalid_birth_date() -> None:
    assert problem_code(make_resident_id(birth="18991231")) == "invalid_birth_date"


@pytest.mark.parametrize("birth", ["19000101", "20000229", "19491231"])
def test_a_resident_id_born_on_a_real_day_from_1900_is_a_natural_person(birth: str) -> None:
    code = make_resident_id(birth=birth)
    assert classify(code) == (code, SubjectType.NATURAL_PERSON)


def test_an_impossible_birth_date_is_named_in_the_message() -> None:
    with pytest.raises(CodeProblem, match="19990231"):
        classify(make_resident_id(birth="19990231"))


def refusal(value: str, today: date = TODAY) -> str:
    """Why a route refuses a code in its path (``reason`` of its 400, on ``credit_code``)."""
    with pytest.raises(BadRequest) as caught:
        requested_code(value, today)
    assert caught.value.context["path"] == "credit_code"
    return str(caught.value.context["reason"])


def test_a_resident_id_born_today_is_accepted_and_one_born_tomorrow_is_not() -> None:
    born_today = make_resident_id(birth=f"{TODAY:%Y%m%d}")
    born_tomorrow = make_resident_id(birth=f"{TODAY + timedelta(days=1):%Y%m%d}")
    assert requested_code(born_today, TODAY) == born_today
    assert refusal(born_tomorrow) == "invalid_birth_date"


def test_the_route_reading_names_impossible_and_early_births_too() -> None:
    assert refusal(make_resident_id(birth="19990231")) == "invalid_birth_date"
    assert refusal(make_resident_id(birth="18991231")) == "invalid_birth_date"
    assert requested_code(USCC, TODAY) == USCC


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_any_birth_from_1900_to_today_is_accepted(born: date) -> None:
    code = make_resident_id(birth=f"{born:%Y%m%d}")
    assert requested_code(code, TODAY) == code


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=TODAY + timedelta(days=1), max_value=date(2099, 12, 31)))
def test_any_birth_after_today_is_refused(born: date) -> None:
    assert refusal(make_resident_id(birth=f"{born:%Y%m%d}")) == "invalid_birth_date"


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1800, 2099),
    st.integers(0, 99),
    st.integers(0, 99),
)
def test_a_written_birth_date_is_accepted_exactly_when_it_is_a_day_from_1900(
    year: int, month: int, day: int
) -> None:
    code = make_resident_id(birth=f"{year:04d}{month:02d}{day:02d}")
    try:
        real = date(year, month, day) >= date(1900, 1, 1)
    except ValueError:
        real = False
    # About one such code in 31 also passes GB 32100: nothing tells it from a USCC, so it is one.
    uscc = gb32100_check(code[:17]) == code[17]
    assert verdict(code) == (code if real or uscc else "problem:invalid_birth_date")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789X", min_size=18, max_size=18))
def test_any_eighteen_digit_string_is_a_code_or_a_code_problem(value: str) -> None:
    # Before: a province prefix without a county (111101…) escaped as a KeyError from stdnum.
    assert verdict(value) == value or verdict(value).startswith("problem:")


def test_a_province_prefix_without_a_county_is_a_code_problem() -> None:
    assert problem_code("111101199001011238") in {"invalid_credit_code", "invalid_check_character"}


def test_only_input_is_judged_against_today() -> None:
    """A stored listing of someone "born tomorrow" (by a later clock's reckoning) stays
    readable; input validated as of ``today`` refuses it, for subjects and persons alike."""
    future = make_resident_id(birth=f"{TODAY + timedelta(days=1):%Y%m%d}")
    raw = entry(credit_code=future, responsible_persons=[person(id_number=future)])
    assert ListingEntry.model_validate(raw).credit_code == future
    with pytest.raises(ValidationError) as caught:
        ListingEntry.model_validate(raw, context=Intake(TODAY))
    assert sorted((e["loc"], e["type"]) for e in caught.value.errors()) == [
        (("credit_code",), "invalid_birth_date"),
        (("responsible_persons", 0, "id_number"), "invalid_birth_date"),
    ]


# -- a resident ID carries the division of the office that first issued it (review 122) --

ISSUED_AFTER_BIRTH = ("420281", "500101", "810000", "820000", "830000")
"""大冶市 (1994), 万州区 (1997), and the residence permits of Hong Kong, Macao and Taiwan
residents (2018): offices that numbered people born before them."""


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(ISSUED_AFTER_BIRTH),
    st.dates(min_value=date(1900, 1, 1), max_value=date(1993, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_a_number_issued_by_a_division_made_after_the_birth_is_a_persons(
    division: str, born: date, sequence: int
) -> None:
    body = f"{division}{born:%Y%m%d}{sequence:03d}"
    code = body + gb11643_check(body)

    assert classify(code) == (code, SubjectType.NATURAL_PERSON)
    assert mask(code) == f"{division}{'*' * 11}{code[-1]}"


def test_a_division_gone_before_the_birth_issued_no_number_of_it() -> None:
    """昌平县 (110201) was on the list until 1982: someone born in 1970 may hold its number;
    nobody born in 1990 does, so that string is checked as a USCC (and fails here)."""
    older, younger = "110201197001011230"[:17], "110201199001011230"[:17]

    assert classify(older + gb11643_check(older))[1] is SubjectType.NATURAL_PERSON
    assert problem_code(younger + gb11643_check(younger)) == "invalid_check_character"


@settings(max_examples=300, deadline=None)
@given(
    # made 1985 and later; as a USCC's, digits 3–8 (110119, 120119) name a registering division
    st.sampled_from(("511101", "131101", "321201", "621201")),
    st.dates(min_value=date(1900, 1, 1), max_value=date(1984, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_an_organisation_s_code_that_looks_like_a_later_office_s_number_stays_one(
    division: str, born: date, sequence: int
) -> None:
    """Right as a USCC, wrong as a resident ID whose office was made after the birth: an
    organisation's, as read before (review 124: 511101196203151425, a 民政 social
    organisation's code, was refused and its stored listing unreadable); right both ways: a
    person's, whose number must never be shown as a code."""
    body = f"{division}{born:%Y%m%d}{sequence:03d}"
    check = gb32100_check(body)
    code = body + check
    if check == gb11643_check(body):
        assert classify(code)[1] is SubjectType.NATURAL_PERSON
    else:
        assert classify(code) == (code, SubjectType.LEGAL_PERSON)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(("420281", "810000", "820000", "830000", "911840", "944392", "937410")),
    st.dates(min_value=date(1900, 1, 1), max_value=date(1984, 12, 31)),  # before 420281 was
    st.integers(min_value=0, max_value=999),
)
def test_a_mistyped_number_no_organisation_could_hold_is_a_persons_and_refused_in_input(
    division: str, born: date, sequence: int
) -> None:
    """A person's number (a later office's, a residence permit's, a foreign permanent
    resident's) with a wrong check digit that passes the USCC check: as a USCC its registering
    division (digits 3–8: 028119, 000019, 184019, …) is none, so no organisation holds it. Read
    as an organisation's it was stored unmasked and shown to anyone (review 361); it is a
    person's (masked), and refused in input."""
    body = f"{division}{born:%Y%m%d}{sequence:03d}"
    code = body + gb32100_check(body)
    assume(code[17] in RIC_CHECKS and code[17] != gb11643_check(body))  # a person's look

    assert classify(code) == (code, SubjectType.NATURAL_PERSON)
    assert mask(code) == code[:6] + "*" * 11 + code[17]
    assert mistyped_persons_number(code, SubjectType.NATURAL_PERSON)
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(CreditCode).validate_python(code, context=Intake(today=date(2026, 12, 1)))
    assert refused.value.errors()[0]["type"] == "invalid_check_character"


@settings(max_examples=100, deadline=None)
@given(ric_bodies)
def test_a_mistyped_number_of_someone_born_where_it_was_issued_is_never_an_organisation_s(
    body: str,
) -> None:
    """Even where the typo happens to pass GB 32100: read as an organisation's code, the
    person's number would be shown to anyone."""
    wrong = next(c for c in "0123456789" if c != gb11643_check(body))
    assert problem_code(body + wrong) == "invalid_check_character"


def test_the_social_organisation_s_code_review_124_found_is_an_organisation_s() -> None:
    assert classify("511101196203151425") == ("511101196203151425", SubjectType.LEGAL_PERSON)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(("330113", "330114")),  # 临平区, 钱塘区 (2021): not on stdnum's list
    st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_a_number_issued_by_a_district_the_list_lags_is_a_persons(
    division: str, born: date, sequence: int
) -> None:
    """Review 134: judged by the list alone, no birth year could have it, and stdnum's own
    lookup raised KeyError on it."""
    body = f"{division}{born:%Y%m%d}{sequence:03d}"
    code = body + gb11643_check(body)

    assert classify(code) == (code, SubjectType.NATURAL_PERSON)


@given(st.text(max_size=24))
@example("1101051\n9900101123")  # a line break after the 7th character (review 278)
@example("91350100M000100Y4\n")
def test_any_text_is_a_code_or_a_code_problem_never_another_error(value: str) -> None:
    """stdnum's format check lets a line break before the end through to its check-digit
    arithmetic, which raised ValueError: a 500 for a batch check, a bulk check stuck."""
    try:
        code, _ = classify(value)
    except CodeProblem:
        return
    assert code.isascii()
    assert code.isalnum()
    assert len(code) == 18


def test_a_code_with_a_line_break_inside_is_refused_as_no_credit_code() -> None:
    with pytest.raises(CodeProblem) as refused:
        classify("1101051\n9900101123")
    assert refused.value.code == "invalid_credit_code"
    with pytest.raises(BadRequest):
        requested_code("1101051\n9900101123", date(2026, 12, 1))


def test_a_foreign_permanent_residents_number_is_a_persons_whatever_the_uscc_check_says() -> None:
    """9 · 11 (北京) · 840 · 1980-01-01 · 029 · GB 11643's check digit (review 282): one passes
    the USCC check too, another does not; both are a person's, and masked."""
    for sequence in ("029", "030"):
        body = "911840" + "19800101" + sequence
        code = body + ric.calc_check_digit(body + "0")  # it reads all but the last
        assert classify(code) == (code, SubjectType.NATURAL_PERSON)
        assert mask(code) == code[:6] + "*" * 11 + code[17]
    with pytest.raises(CodeProblem):  # a division no province starts: not this form
        classify("990840198001010290")


def test_a_uscc_fitting_the_permanent_resident_form_reads_alike_any_day() -> None:
    """Review 284: read by the clock, a company's code "born" in 2030 turned a person's when the
    day came, a warm process disagreeing with a cold one. It is a person's (the safe side) any
    day, written any way, and never refused as unborn: it may be a company's (review 283)."""
    company = "912307203001013565"  # a valid USCC: division 230720, organisation 30010135-6
    for written in (company, "9123 0720 3001 0135 65", "９１２３０７２０３００１０１３５６５"):
        assert classify(written) == (company, SubjectType.NATURAL_PERSON)
    born_by(company, SubjectType.NATURAL_PERSON, date(2026, 12, 1))  # raises nothing


def test_a_resident_id_born_after_today_is_refused_without_quoting_its_birth_date() -> None:
    """The error reaches signed check reports, which echo nothing of an invalid entry (review
    311): its birth date is the person's."""
    code = make_resident_id(birth="20261231")
    with pytest.raises(CodeProblem) as refused:
        born_by(code, SubjectType.NATURAL_PERSON, date(2026, 12, 1))
    assert refused.value.code == "invalid_birth_date"
    assert "2026-12-31" not in str(refused.value)
    assert "20261231" not in str(refused.value)
