"""``check_report``: feedback names catalogue measures of the listing's own list kind, executed
between the listing's decision and today (Beijing); the first problem is refused with its path."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from builders import entry, listing, red_entry
from hypothesis import given
from hypothesis import strategies as st

from gateway.recognition.feedback import (
    AlreadyReported,
    Feedback,
    FeedbackReport,
    MeasureKindMismatch,
    MeasureNotDelivered,
    ReportTooLarge,
    UnknownMeasure,
    check_report,
    reported_cases,
)
from gateway.recognition.measures import load_measures
from gateway_client.contract import (
    DatesOutOfOrder,
    FutureDate,
    ListKind,
    Measure,
    NotRecognised,
    Recognition,
    Suspension,
)

TODAY = date(2025, 6, 2)
BLACK = listing(entry(decided_on="2025-03-01", valid_from="2025-03-01"))
RED = listing(red_entry())
CATALOGUE = {m.measure_id: m for m in load_measures().measures}
BLACK_MEASURES = sorted(i for i, m in CATALOGUE.items() if ListKind.BLACK in m.kinds)
RED_ONLY = sorted(i for i, m in CATALOGUE.items() if ListKind.BLACK not in m.kinds)


def report(*measures: dict[str, Any]) -> FeedbackReport:
    return FeedbackReport.model_validate(
        {
            "delivery_id": "msg_" + "0" * 32,
            "measures": [
                {"department": "部门", "result": "executed", **measure} for measure in measures
            ],
        }
    )


@given(
    st.sampled_from(BLACK_MEASURES),
    st.dates(BLACK.decided_on, TODAY),
)
def test_a_black_measure_executed_between_decision_and_today_is_accepted(
    measure_id: str, executed_on: date
) -> None:
    check_report(report({"measure_id": measure_id, "executed_on": executed_on}), BLACK, TODAY)


@given(st.integers(1, 5000))
def test_a_measure_executed_after_today_is_refused(days: int) -> None:
    late = {"measure_id": "key_supervision", "executed_on": TODAY + timedelta(days=days)}
    on_time = {"measure_id": "key_supervision", "executed_on": TODAY}

    with pytest.raises(FutureDate) as refused:
        check_report(report(on_time, late), BLACK, TODAY)

    assert refused.value.context["path"] == "measures.1.executed_on"


@given(st.dates(date(1949, 1, 1), BLACK.decided_on - timedelta(days=1)))
def test_a_measure_executed_before_the_decision_is_refused(executed_on: date) -> None:
    early = {"measure_id": "key_supervision", "executed_on": executed_on}

    with pytest.raises(DatesOutOfOrder) as refused:
        check_report(report(early), BLACK, TODAY)

    assert refused.value.context["path"] == "measures.0.executed_on"


@given(st.from_regex(r"[a-z][a-z0-9_]{2,40}", fullmatch=True).filter(lambda i: i not in CATALOGUE))
def test_a_measure_the_catalogue_does_not_hold_is_refused(measure_id: str) -> None:
    unknown = {"measure_id": measure_id, "executed_on": TODAY}

    with pytest.raises(UnknownMeasure) as refused:
        check_report(report(unknown), None, TODAY)

    assert refused.value.context["path"] == "measures.0.measure_id"


@pytest.mark.parametrize("measure_id", RED_ONLY)
def test_a_measure_of_another_list_kind_is_refused(measure_id: str) -> None:
    other = {"measure_id": measure_id, "executed_on": TODAY}

    with pytest.raises(MeasureKindMismatch) as refused:
        check_report(report(other), BLACK, TODAY)

    assert refused.value.context["path"] == "measures.0.measure_id"


def test_a_red_measure_on_a_red_listing_is_accepted() -> None:
    check_report(report({"measure_id": "green_channel", "executed_on": TODAY}), RED, TODAY)


AGREED = CATALOGUE["key_supervision"].model_copy(update={"measure_id": "agreed_joint_supervision"})


def test_a_measure_its_agreement_wrote_out_counts_as_the_catalogues_do() -> None:
    """An agreement may write out measures the catalogue does not hold; the delivery's
    recognition names them, and feedback about them is kept (checked for kind as ever)."""
    written_out = {"measure_id": "agreed_joint_supervision", "executed_on": TODAY}

    check_report(report(written_out), BLACK, TODAY, recognised(AGREED))
    with pytest.raises(UnknownMeasure):
        check_report(report(written_out), BLACK, TODAY)  # not agreed for this delivery
    with pytest.raises(MeasureKindMismatch):
        check_report(report(written_out), RED, TODAY, recognised(AGREED))


def recognised(*measures: Measure, held_back: tuple[Measure, ...] = ()) -> Recognition:
    return Recognition(
        subscriber_region="440000",
        recognised=True,
        basis=("agreement-1",),
        measures=measures,
        suspended_measures=held_back,
        suspended_because=Suspension.BLACK_LISTING_IN_FORCE if held_back else None,
    )


def test_a_measure_executed_on_a_delivery_that_did_not_recognise_the_listing_is_refused() -> None:
    """Review 17, F3: 广西 without an agreement (or any region, of a listing suspended when it
    was delivered) reported a measure executed, and it was counted as a case."""
    unrecognised = Recognition(
        subscriber_region="450000", recognised=False, reasons=(NotRecognised.NO_AGREEMENT,)
    )
    executed = {"measure_id": "key_supervision", "executed_on": TODAY}

    with pytest.raises(MeasureNotDelivered) as refused:
        check_report(report(executed), BLACK, TODAY, unrecognised)

    assert refused.value.to_dict()["path"] == "measures.0.measure_id"
    check_report(report({**executed, "result": "not_applicable"}), BLACK, TODAY, unrecognised)


def test_an_incentive_held_back_under_a_black_listing_is_not_reported_executed() -> None:
    """Review 16, F6: the green channel held back while a black listing was in force."""
    green = CATALOGUE["green_channel"]
    other = next(m for i, m in CATALOGUE.items() if i in RED_ONLY and i != "green_channel")

    with pytest.raises(MeasureNotDelivered):
        check_report(
            report({"measure_id": "green_channel", "executed_on": TODAY}),
            RED,
            TODAY,
            recognised(held_back=(green,)),
        )
    check_report(
        report({"measure_id": other.measure_id, "executed_on": TODAY}),
        RED,
        TODAY,
        recognised(other, held_back=(green,)),
    )


def test_one_execution_reported_against_two_deliveries_of_a_listing_is_refused() -> None:
    """Review 16, F3 / review 17, F2: one measure executed once counted a case per delivery."""
    executed = {"measure_id": "key_supervision", "executed_on": TODAY}
    first = Feedback.model_validate(
        {
            **report(executed).model_dump(),
            "delivery_id": "msg_" + "1" * 32,
            "subscription_id": "sub-1",
            "subscriber_region": "440000",
            "listing_id": BLACK.listing_id,
            "credit_code": BLACK.credit_code,
            "origin_region": BLACK.origin_region,
            "submitted_at": "2025-06-02T08:00:00+08:00",
        }
    )

    with pytest.raises(AlreadyReported) as refused:
        check_report(report(executed), BLACK, TODAY, reported=reported_cases([first], {}))

    assert refused.value.to_dict()["path"] == "measures.0"
    assert first.delivery_id in str(refused.value)
    check_report(
        report({**executed, "executed_on": TODAY - timedelta(days=1)}),
        BLACK,
        TODAY,
        reported=reported_cases([first], {}),
    )
    again = first.model_copy(update={"delivery_id": report(executed).delivery_id})
    mine = reported_cases([again], {})
    check_report(report(executed), BLACK, TODAY, reported=mine)  # its own report: replaced
    # a case the store holds for another delivery counts as a report kept there does
    held = {("key_supervision", TODAY): first.delivery_id}
    with pytest.raises(AlreadyReported):
        check_report(report(executed), BLACK, TODAY, reported=reported_cases([], held))


def test_a_measure_the_delivery_did_not_name_is_not_reported_executed() -> None:
    """Review 18, F2: a delivery naming only one measure had another reported executed, and
    counted: an executed measure needs the delivery's recognition to name it."""
    franchise = CATALOGUE["restrict_franchise"]
    supervision = {"measure_id": "key_supervision", "executed_on": TODAY}

    with pytest.raises(MeasureNotDelivered):
        check_report(report(supervision), BLACK, TODAY, recognised(franchise))
    check_report(report({**supervision, "result": "failed"}), BLACK, TODAY, recognised(franchise))
    check_report(report(supervision), BLACK, TODAY, recognised(CATALOGUE["key_supervision"]))


@pytest.mark.parametrize(("char", "kept"), [("中", True), ("\U00020000", False)])
def test_a_report_that_could_not_be_kept_as_one_item_is_refused_at_measures(char, kept):
    """Every field within its own limit: 3-byte characters fit DynamoDB's 400 KB item, 4-byte
    ones (CJK Extension B) would not, and are refused before anything is stored; a report read
    back is never judged so (one stored before the limit stays readable)."""
    measures = [
        {
            "measure_id": BLACK_MEASURES[i % len(BLACK_MEASURES)],
            "department": char * 200,
            "executed_on": (TODAY - timedelta(days=i)).isoformat(),
            "result": "not_applicable",
            "note": char * 1000,
        }
        for i in range(100)
    ]
    report = FeedbackReport.model_validate({"delivery_id": "msg_" + "0" * 32, "measures": measures})

    if kept:
        check_report(report, None, TODAY)
        return
    with pytest.raises(ReportTooLarge) as refused:
        check_report(report, None, TODAY)
    assert refused.value.to_dict()["path"] == "measures"
