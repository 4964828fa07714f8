"""A month as a query gives it: ``YYYY-MM`` in ASCII digits (``str.isdigit`` also takes
full-width ``２０２６`` and superscripts), and, for what is read or recounted, not after the
current month in Beijing."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.statistics.monthly import FutureMonth, Month
from gateway_client.contract import EARLIEST_YEAR, LATEST_YEAR

ASCII_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
DIGITS = st.sampled_from("0123456789０１２３４５６７８９٠١٢²³")
LOOKS_LIKE_A_MONTH = st.builds(
    "{}-{}".format, st.text(DIGITS, min_size=4, max_size=4), st.text(DIGITS, min_size=2, max_size=2)
)


@given(st.one_of(LOOKS_LIKE_A_MONTH, st.text(max_size=9)))
def test_only_ascii_yyyy_mm_within_the_calendar_is_a_month(text: str) -> None:
    valid = (
        ASCII_MONTH.fullmatch(text) is not None
        and 1 <= int(text[5:]) <= 12
        and EARLIEST_YEAR <= int(text[:4]) <= LATEST_YEAR
    )
    try:
        parsed = Month.parse(text)
    except ValueError:
        assert not valid
    else:
        assert valid
        assert str(parsed) == text


@pytest.mark.parametrize("text", ["２０２６-12", "2026-１２", "²⁰²⁶-12", "2026-12\n"])
def test_unicode_digits_are_no_month(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse(text)


def test_a_month_after_the_current_one_is_refused_naming_the_parameter() -> None:
    today = date(2026, 12, 2)
    assert Month(2026, 12).not_after(today, "month") == Month(2026, 12)
    assert Month(2020, 1).not_after(today, "since") == Month(2020, 1)
    with pytest.raises(FutureMonth) as refused:
        Month(2027, 1).not_after(today, "since")
    assert (refused.value.code, refused.value.context["path"]) == ("future_month", "since")
