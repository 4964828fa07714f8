"""When to try a failed delivery again: Retry-After as the receiver writes it, and the back-off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from builders import NOW

from gateway.delivery.retry_policy import LONGEST_ASKED, MAX_DELAY, next_delay, retry_after

SCHEDULE = (timedelta(seconds=5), timedelta(minutes=5), timedelta(hours=10))
ALMOST_ONE = 0.999_999


# -- retry_after: the header a receiver sends --


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("0", timedelta(0)),
        ("120", timedelta(minutes=2)),
        (" 120 ", timedelta(minutes=2)),
        ("86400", timedelta(days=1)),
    ],
)
def test_a_whole_number_of_seconds_is_that_wait(header: str, wait: timedelta) -> None:
    assert retry_after(header, NOW) == wait


def test_an_http_date_in_the_future_is_the_time_left_until_then() -> None:
    # NOW is 2025-06-02 09:30:00 UTC (a Monday).
    assert retry_after("Mon, 02 Jun 2025 09:32:30 GMT", NOW) == timedelta(minutes=2, seconds=30)


def test_an_http_date_is_measured_from_the_given_now_not_the_wall_clock() -> None:
    later = NOW + timedelta(minutes=2)
    assert retry_after("Mon, 02 Jun 2025 09:32:30 GMT", later) == timedelta(seconds=30)


def test_an_obsolete_rfc_850_date_is_read_too() -> None:
    assert retry_after("Monday, 02-Jun-25 09:31:00 GMT", NOW) == timedelta(minutes=1)


def test_an_asctime_date_is_read_as_gmt() -> None:
    # RFC 9110 §5.6.7: recipients MUST accept all three HTTP-date formats; asctime has no zone
    # and means GMT.
    assert retry_after("Mon Jun  2 09:31:00 2025", NOW) == timedelta(minutes=1)


@pytest.mark.parametrize(
    "header",
    [
        "Mon, 02 Jun 2025 09:29:59 GMT",
        "Mon, 02 Jun 2025 09:30:00 GMT",
        "Sun, 01 Jan 2023 00:00:00 GMT",
    ],
)
def test_an_http_date_now_or_in_the_past_means_no_wait(header: str) -> None:
    assert retry_after(header, NOW) == timedelta(0)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "   ",
        "soon",
        "-5",
        "1.5",
        "2 minutes",
        "١٢٠",  # Arabic-Indic digits: str.isdigit() says yes, HTTP says no
        "１２０",  # fullwidth digits
    ],
)
def test_an_absent_or_unreadable_header_gives_no_wait(header: str | None) -> None:
    assert retry_after(header, NOW) is None


def test_an_absurdly_large_number_of_seconds_does_not_break_the_delivery() -> None:
    # A receiver's header must never raise: 10**20 s is beyond what timedelta holds.
    asked = retry_after("99999999999999999999", NOW)
    assert asked is None or asked >= MAX_DELAY


# -- next_delay: the schedule, jitter, Retry-After, and the cap --


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_a_middle_roll_waits_exactly_the_schedules_step(attempt: int) -> None:
    assert next_delay(SCHEDULE, attempt, 500, None, 0.5) == SCHEDULE[attempt - 1]


@pytest.mark.parametrize("roll", [0.0, 0.25, 0.75, ALMOST_ONE])
@pytest.mark.parametrize("attempt", [1, 2])
def test_jitter_stays_within_ten_percent_of_the_step(attempt: int, roll: float) -> None:
    step = SCHEDULE[attempt - 1]
    delay = next_delay(SCHEDULE, attempt, 500, None, roll)
    assert step * 0.9 <= delay <= step * 1.1


def test_the_lowest_roll_waits_ten_percent_less_and_the_highest_almost_ten_percent_more() -> None:
    low = next_delay(SCHEDULE, 2, 500, None, 0.0)
    high = next_delay(SCHEDULE, 2, 500, None, ALMOST_ONE)
    assert low == timedelta(seconds=270)
    assert timedelta(seconds=329) < high < timedelta(seconds=330)


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_a_back_off_status_waits_the_asked_time_when_longer_than_the_step(status: int) -> None:
    asked = timedelta(minutes=7)
    assert next_delay(SCHEDULE, 1, status, asked, 0.5) == asked


@pytest.mark.parametrize("status", [429, 503])
def test_a_back_off_status_asking_less_than_the_step_still_waits_the_step(status: int) -> None:
    assert next_delay(SCHEDULE, 2, status, timedelta(seconds=1), 0.5) == SCHEDULE[1]


@pytest.mark.parametrize("status", [0, 400, 500, 501])
def test_other_failures_ignore_retry_after(status: int) -> None:
    assert next_delay(SCHEDULE, 1, status, timedelta(hours=1), 0.5) == SCHEDULE[0]


def test_the_wait_never_exceeds_eleven_hours_whatever_the_receiver_asks() -> None:
    assert next_delay(SCHEDULE, 1, 503, timedelta(days=2), 0.5) == MAX_DELAY == timedelta(hours=11)


def test_the_wait_never_exceeds_eleven_hours_whatever_the_jitter() -> None:
    long_steps = (timedelta(hours=11),)
    assert next_delay(long_steps, 1, 500, None, ALMOST_ONE) == timedelta(hours=11)


@pytest.mark.parametrize("attempt", [3, 4, 10, 100])
def test_attempts_past_the_schedule_use_its_last_step(attempt: int) -> None:
    assert next_delay(SCHEDULE, attempt, 500, None, 0.5) == SCHEDULE[-1]


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("9" * 5000, timedelta(seconds=LONGEST_ASKED)),  # int() refuses 4,300 digits
        ("1 Jan 99999999999 00:00:00 GMT", None),  # past datetime's year 9999: unreadable
        ("Fri, 31 Dec 9999 23:59:59 GMT", timedelta(seconds=LONGEST_ASKED)),
    ],
)
def test_a_hostile_header_is_read_as_a_bounded_wait_or_none_never_an_error(
    header: str, wait: timedelta | None
) -> None:
    """Whatever an endpoint sends (review 223: it raised, and the whole invocation failed)."""
    assert retry_after(header, NOW) == wait
