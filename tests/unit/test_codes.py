"""Credit codes: GB 32100 USCCs and GB 11643 resident IDs, classified or rejected."""

from __future__ import annotations

from datetime import date

import pytest
from builders import RESIDENT_ID, USCC, make_resident_id
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gateway.codes import CodeProblem, SubjectType, classify, mask

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
        "A1110000600037341L",  # letter among the first eight
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
    lambda head, tail: head + tail,
    st.text(alphabet="0123456789", min_size=8, max_size=8),
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
    code = body + gb32100_check(body)
    assert classify(code) == (code, SubjectType.LEGAL_PERSON)


@settings(max_examples=100, deadline=None)
@given(uscc_bodies)
def test_every_other_uscc_check_character_is_rejected(body: str) -> None:
    right = gb32100_check(body)
    codes = {wrong: problem_code(body + wrong) for wrong in USCC_ALPHABET if wrong != right}
    assert codes == dict.fromkeys(codes, "invalid_check_character")


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
