"""``check_report``: a measure reported executed on a day its listing was in force at no moment
(before it took effect, after its period, while suspended, once repaired or revoked) is refused
``listing_not_in_force`` at its ``executed_on`` (review 83 F1: it was kept and counted as a case);
the day a step ended it still counts, and a measure reported not executed is not judged so."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from builders import entry, listing
from hypothesis import given
from hypothesis import strategies as st

from gateway.recognition.feedback import FeedbackReport, NoLongerApplying, check_report
from gateway_client.contract import CHINA, Listing, ListingStatus, Transition

TODAY = date(2025, 6, 30)
LISTED = listing(entry(decided_on="2025-03-01", valid_from="2025-03-10", valid_until="2025-12-31"))


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHINA)


def stepped(*steps: tuple[str, ListingStatus, datetime]) -> Listing:
    history = tuple(
        Transition(event=event, status=status, at=when, by="230900", reason="…")  # type: ignore[arg-type]
        for event, status, when in steps
    )
    return LISTED.model_copy(update={"history": history, "status": history[-1].status})


def executed(day: date, result: str = "executed") -> FeedbackReport:
    measure = {"measure_id": "key_supervision", "department": "部门", "executed_on": day}
    return FeedbackReport.model_validate(
        {"delivery_id": "msg_" + "0" * 32, "measures": [{**measure, "result": result}]}
    )


REPAIRED_ON = date(2025, 5, 20)
REPAIRED = stepped(("repaired", ListingStatus.REPAIRED, at(REPAIRED_ON, 10)))


@given(st.dates(REPAIRED_ON + timedelta(days=1), TODAY))
def test_executed_after_the_listing_was_repaired_is_refused(day: date) -> None:
    with pytest.raises(NoLongerApplying) as refused:
        check_report(executed(day), LISTED, TODAY, held=REPAIRED)

    assert refused.value.context["path"] == "measures.0.executed_on"
    assert "repaired" in str(refused.value)


@given(st.dates(LISTED.valid_from, REPAIRED_ON))
def test_executed_while_in_force_up_to_the_day_of_the_repair_is_accepted(day: date) -> None:
    check_report(executed(day), LISTED, TODAY, held=REPAIRED)


def test_a_measure_reported_not_executed_after_the_repair_is_not_judged_by_it() -> None:
    for result in ("not_applicable", "failed"):
        check_report(executed(TODAY, result), LISTED, TODAY, held=REPAIRED)


def test_executed_while_suspended_is_refused_and_again_in_force_once_upheld() -> None:
    filed, upheld = date(2025, 4, 10), date(2025, 4, 20)
    held = stepped(
        ("objection_filed", ListingStatus.SUSPENDED, at(filed, 9)),
        ("objection_decided", ListingStatus.ACTIVE, at(upheld, 15)),
    )

    with pytest.raises(NoLongerApplying, match="suspended"):
        check_report(executed(filed + timedelta(days=1)), LISTED, TODAY, held=held)
    for day in (filed, upheld, upheld + timedelta(days=1)):  # in force for part of the day
        check_report(executed(day), LISTED, TODAY, held=held)


@given(st.dates(LISTED.decided_on, LISTED.valid_from - timedelta(days=1)))
def test_executed_before_the_listing_took_effect_is_refused(day: date) -> None:
    with pytest.raises(NoLongerApplying, match="took effect"):
        check_report(executed(day), LISTED, TODAY)


def test_executed_after_its_period_is_refused_unless_an_update_extended_it() -> None:
    after = date(2026, 1, 5)
    extended = LISTED.model_copy(update={"valid_until": date(2026, 6, 30)})

    with pytest.raises(NoLongerApplying, match="period ended"):
        check_report(executed(after), LISTED, after, held=LISTED)
    check_report(executed(after), LISTED, after, held=extended)
