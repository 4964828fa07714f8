"""The operator's correction of the day a court defaulter performed: only on a performed
listing, between its decision and its removal, as a step of its own that the monthly figures
judge the removal by again."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from builders import ABSENT, CITY, entry, listing, removal

from gateway.lifecycle.performance_correction import corrected_performance
from gateway.lifecycle.requests import PerformanceCorrection, validate_removals
from gateway.lifecycle.rules import NotInForce, remove
from gateway.lifecycle.workdays import WorkdayCalendar
from gateway.statistics.tallies import listing_tally
from gateway_client.contract import OPERATOR, DatesOutOfOrder, Listing, ListingStatus

# Thursday 2025-05-29 → the next Thursday: the 4th working day, one late (3 allowed)
REMOVED_AT = datetime(2025, 6, 5, 2, tzinfo=UTC)
LATE_KEY = (CITY, "2025-06", "performed#late")


def performed_on(day: str) -> Listing:
    raw = removal(entry(valid_until=ABSENT), reason="performed", performed_on=day)
    valid, _ = validate_removals([raw], REMOVED_AT.date())
    return remove(listing(entry(valid_until=ABSENT)), valid[0][1], CITY, REMOVED_AT)


def correction(day: str) -> PerformanceCorrection:
    return PerformanceCorrection(performed_on=date.fromisoformat(day), note="法院来函更正履行日期")


def test_the_corrected_day_is_held_as_a_step_and_the_removal_is_judged_again() -> None:
    late = performed_on("2025-05-29")
    at = datetime(2025, 7, 1, 3, tzinfo=UTC)

    moved = corrected_performance(late, correction("2025-06-03"), at)

    assert moved is not None
    assert (moved.status, moved.performed_on) == (ListingStatus.PERFORMED, date(2025, 6, 3))
    assert moved.version > late.version
    step = moved.history[-1]
    assert (step.event, step.status, step.by, step.at) == (
        "removed",
        ListingStatus.PERFORMED,
        OPERATOR,
        at,
    )
    assert "2025-05-29" in step.reason
    assert "2025-06-03" in step.reason
    assert step.note == "法院来函更正履行日期"
    calendar = WorkdayCalendar()
    assert listing_tally(late, calendar)[LATE_KEY] == 1
    # still counted in June, the month it was removed, now on time
    tally = listing_tally(moved, calendar)
    assert tally[(CITY, "2025-06", "performed#removed")] == 1
    assert LATE_KEY not in tally


def test_the_day_held_already_changes_nothing() -> None:
    held = performed_on("2025-05-29")

    assert corrected_performance(held, correction("2025-05-29"), REMOVED_AT) is None


@pytest.mark.parametrize(
    "day",
    [
        pytest.param("2025-02-28", id="before-the-decision"),
        pytest.param("2025-06-06", id="after-the-removal"),
    ],
)
def test_a_day_outside_the_decision_and_the_removal_is_refused(day: str) -> None:
    with pytest.raises(DatesOutOfOrder) as refused:
        corrected_performance(performed_on("2025-05-29"), correction(day), REMOVED_AT)

    assert refused.value.to_dict()["path"] == "performed_on"


def test_only_a_performed_listing_has_its_day_corrected() -> None:
    in_force = listing(entry(valid_until=ABSENT))

    with pytest.raises(NotInForce):
        corrected_performance(in_force, correction("2025-05-29"), REMOVED_AT)
