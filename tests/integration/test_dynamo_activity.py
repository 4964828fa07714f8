"""DynamoActivity: hourly counters per province and the nation, and the fan-out lag's maximum."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.dynamodb.activity import DynamoActivity
from gateway.statistics import hour_key, tally, window

NOW = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)  # 18:30 in Beijing


@pytest.fixture
def activity(aws) -> DynamoActivity:
    return DynamoActivity(aws.dynamodb, aws.env["CG_BATCHES_TABLE"])


def test_counters_add_up_per_province_and_in_the_nations_item(activity):
    activity.add(tally([("230900", "accepted", 2), ("430000", "delivered", 1)]), NOW)
    activity.add(tally([("230900", "accepted", 1), ("230100", "rejected", 4)]), NOW)
    hours = window(NOW, 2)
    province, _ = activity.read(hours, "230000")
    nation, _ = activity.read(hours, None)
    key = hour_key(NOW)
    assert key == "2026120218"
    assert province == {key: {"230900#accepted": 3, "230100#rejected": 4}}
    assert nation == {key: {"230000#accepted": 3, "230000#rejected": 4, "430000#delivered": 1}}


def test_the_lag_keeps_the_hours_greatest_and_sums_for_the_mean(activity):
    for lag in (400, 1500, 900):
        activity.add_lag(lag, NOW)
    activity.add_lag(50, NOW + timedelta(hours=1))
    _, lags = activity.read(window(NOW + timedelta(hours=1), 2), "430000")
    assert lags == {
        "2026120218": {"lag_max": 1500, "lag_sum": 2800, "lag_count": 3},
        "2026120219": {"lag_max": 50, "lag_sum": 50, "lag_count": 1},
    }


def test_a_lag_below_the_hours_greatest_is_added_in_one_request(activity, aws):
    activity.add_lag(900, NOW)
    updates: list[str] = []
    aws.dynamodb.meta.events.register(
        "before-parameter-build.dynamodb.UpdateItem",
        lambda params, **_: updates.append(params["UpdateExpression"]),
    )

    activity.add_lag(300, NOW)
    activity.add_lag(1200, NOW)

    assert len(updates) == 3  # 300: the sum alone; 1200: the sum, then the new maximum
    _, lags = activity.read(window(NOW, 1), "430000")
    assert lags == {"2026120218": {"lag_max": 1200, "lag_sum": 2400, "lag_count": 3}}


def test_a_window_of_168_hours_reads_past_one_batch_get(activity):
    activity.add(tally([("430000", "dead", 1)]), NOW - timedelta(hours=150))
    counters, _ = activity.read(window(NOW, 168), None)
    assert list(counters.values()) == [{"430000#dead": 1}]
