"""A purge's tombstone asks no feedback, whatever status it carries: a settled commitment
involving a person is erased five years after its outcome whatever its status, so one still
``active`` (no valid_until) left an ``active`` tombstone, counted among the subscriber's
feedback-rate deliveries though feedback on it is refused 410 (review 323)."""

from __future__ import annotations

from datetime import timedelta

from app_support import CITY
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    china_noon,
    china_today,
    fan_out_and_deliver,
    now,
    this_month,
)
from test_feedback_and_stats_routes import subscribe


def test_a_purged_commitment_in_force_asks_no_feedback(gateway, aws, stream, receiver):  # type: ignore[no-untyped-def]
    life = Lifecycle(gateway)
    subscribe(gateway, receiver.url)
    city = gateway.register_platform(CITY)
    today = china_today()
    settled = today - timedelta(days=5 * 365 - 20)  # its five years end in about three weeks
    entry = {
        "credit_code": PERSON_CODE,
        "subject_name": "张三",
        "kind": "commitment",
        "domain": "licensing_commitment",
        "reason": "承诺在15日内补交材料",
        "deciding_authority": "七台河市政务服务中心",
        "decision_number": "七政服承诺〔2021〕1号",
        "decided_on": (settled - timedelta(days=30)).isoformat(),
        "valid_from": (settled - timedelta(days=30)).isoformat(),
        "source_updated_at": (now() - timedelta(hours=1)).isoformat(),
        "commitment": {
            "kind": "notification",
            "outcome": "kept",
            "outcome_on": settled.isoformat(),
        },
    }
    pushed = gateway.push(city, CITY, [entry])
    assert pushed.json_body["accepted"] == 1, pushed.json_body
    fan_out_and_deliver(aws, stream)  # listed: one delivery asking feedback

    ticked = life.tick(china_noon(today + timedelta(days=400)))  # retention and evidence over
    assert ticked.json_body["purged"] == 1, ticked.json_body
    [tombstone] = fan_out_and_deliver(aws, stream)
    assert tombstone.change.listing.status.value == "active"
    hunan = gateway.register_platform("430000")
    refused = life.post_feedback(hunan, tombstone.delivery_id)
    assert refused.status_code == 410, refused.json_body  # nobody can answer it

    [rate] = life.stats(CITY, this_month()).json_body["feedback"]
    assert rate["deliveries"] == 1, rate  # the purge asks none
