"""The feedback store's cases (``chalicelib.dynamodb.feedback``): sharded so that a region's
cases about one listing never outgrow an item (review 85 F1: one item per listing and region
failed with a 500 after about 5,000 cases), kept with their report under versions, and a
report replaced only as it was read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.bootstrap import container
from chalicelib.dynamodb import feedback as store_module
from chalicelib.dynamodb.feedback import CasesMoved
from gateway.recognition import Feedback, ReportTooLarge, reported_cases
from gateway.recognition.feedback import MAX_MEASURES_BYTES

FIRST_DAY = date(2020, 1, 1)


def report(number: int, days: range, measure: str = "key_supervision") -> Feedback:
    measures = [
        {
            "measure_id": measure,
            "department": "各行业主管部门",
            "executed_on": FIRST_DAY + timedelta(days=day),
            "result": "executed",
        }
        for day in days
    ]
    return Feedback.model_validate(
        {
            "delivery_id": f"msg_{number:032x}",
            "measures": measures,
            "subscription_id": "sub_1",
            "subscriber_region": "430000",
            "listing_id": "lst_1",
            "credit_code": "91230900MA1B2C3D4E",
            "origin_region": "230900",
            "submitted_at": datetime.now(UTC),
        }
    )


def kept(feedback: Feedback) -> Feedback | None:
    store = container().feedback
    return store.put(feedback, store.cases(feedback))


def test_sixty_full_reports_about_one_listing_are_all_kept_and_their_cases_held(gateway):
    for number in range(60):  # 6,000 cases: past what one item held
        assert kept(report(number, range(number * 100, number * 100 + 100))) is None

    again = report(99, range(5_950, 5_951))
    claimed = reported_cases([], container().feedback.cases(again).claimed)

    assert claimed[("key_supervision", FIRST_DAY + timedelta(days=5_950))] == f"msg_{59:032x}"


def test_a_report_replaced_meanwhile_is_not_replaced_again_from_what_was_read(gateway):
    store = container().feedback
    kept(report(1, range(0, 3)))  # delivery 1's report, replaced next by two at once
    first, second = report(1, range(10, 12)), report(1, range(20, 22))
    read_first, read_second = store.cases(first), store.cases(second)

    store.put(first, read_first)
    with pytest.raises(CasesMoved):
        store.put(second, read_second)

    claimed = store.cases(report(1, range(0, 30))).claimed
    assert sorted(day for (_, day), by in claimed.items()) == [
        FIRST_DAY + timedelta(days=10),
        FIRST_DAY + timedelta(days=11),
    ]


def test_a_shard_that_would_outgrow_its_item_is_refused_and_nothing_written(gateway, monkeypatch):
    monkeypatch.setattr(store_module, "_SHARD_BYTES", 200)  # about three cases a shard
    kept(report(1, range(0, 1)))

    with pytest.raises(ReportTooLarge) as refused:
        kept(report(2, range(20, 100)))

    assert refused.value.context["path"] == "measures"
    [only] = container().feedback.for_listing("lst_1")
    assert only.delivery_id == f"msg_{1:032x}"


def test_a_report_touching_every_full_shard_stays_within_one_transactions_4_mb():
    """Review 88 F2: 16 shards of 300 KB and a report passed DynamoDB's 4 MB a transaction."""
    most = store_module._SHARDS * store_module._SHARD_BYTES + MAX_MEASURES_BYTES
    assert most + 64 * 1024 < 4 * 1024 * 1024  # keys, ids and framing besides
