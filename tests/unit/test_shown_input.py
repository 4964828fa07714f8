"""What an error quotes of the input: resident ID numbers masked in any spelling, then cut."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gateway.intake.push import MAX_REPORTED_ERRORS, REPORTED_ERROR_BYTES, reported
from gateway.validation import EntryError
from gateway_client.contract import quoted_field, shown_input

ID_NUMBER = "11010519491231002X"
MASKED = "110105***********X"


def test_an_id_number_is_masked_before_the_text_is_cut() -> None:
    text = "x" * 190 + " 110105 19491231 002X " + "y" * 1000

    shown = shown_input(text, 200)

    assert len(shown) == 200
    assert shown.endswith("…")
    assert "19491231" not in shown
    assert shown_input(f"domain {ID_NUMBER.lower()} is not", 300) == f"domain {MASKED} is not"


@given(st.text(max_size=400), st.integers(min_value=1, max_value=300))
def test_what_is_shown_is_never_longer_than_the_limit(text: str, limit: int) -> None:
    assert len(shown_input(text, limit)) <= limit


def error(index: int, size: int) -> EntryError:
    return EntryError(index=index, field="f" * size, code="unknown_field", message="m")


def test_errors_are_listed_up_to_their_number_and_their_bytes() -> None:
    many = [error(i, 10) for i in range(MAX_REPORTED_ERRORS + 1)]
    large = [error(i, 1000) for i in range(200)]

    listed, truncated = reported((), many)
    heavy, cut = reported(large[:3], large[3:])

    assert (len(listed), truncated) == (MAX_REPORTED_ERRORS, True)
    assert cut
    assert 3 < len(heavy) < 200
    assert sum(len(e.model_dump_json().encode()) for e in heavy) <= REPORTED_ERROR_BYTES
    assert heavy == tuple(large[: len(heavy)])  # the first, in order
    assert reported((), many[:5]) == (tuple(many[:5]), False)


def test_an_unknown_field_is_named_unless_it_could_be_a_number_or_an_address() -> None:
    """Review 47e F5: any printable ASCII name was quoted back, an ID number with commas or
    colons between its parts (which ``shown_input`` does not mask) or an e-mail address too."""
    assert quoted_field("$schema") == "$schema"
    assert quoted_field("remark-2") == "remark-2"
    for name in ("110105,19491231,002X", "110105:19491231:002X", "zhang.san@example.com"):
        assert quoted_field(name) == "(not a field name)"
