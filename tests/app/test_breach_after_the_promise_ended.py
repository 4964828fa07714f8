"""A breach dated after the commitment stopped applying is no breach: the tick does not list
it (review 320), and neither the green channel, the one-stop view's count nor the month's
statistics count it (review 371: they closed the channel for three years)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app_support import CREDIT_CODE, Gateway, new_batch_id, push_body
from lifecycle_support import QINGCHENG, Lifecycle, china_noon, china_today, this_month
from test_breach_recorded_after_expiry_not_listed import commitment, life  # noqa: F401 (a fixture)

import app as gateway_app
from chalicelib import bootstrap
from gateway_client.contract.clock import FixedClock


def red(stamped: datetime) -> dict[str, Any]:
    today = china_today()
    return {
        "credit_code": CREDIT_CODE,
        "subject_name": "清远某某化工有限公司",
        "kind": "red",
        "domain": "clean_record_three_years",
        "reason": "连续三年无不良信用记录",
        "deciding_authority": "清远市清城区发展和改革局",
        "decision_number": "清城发改信〔2026〕1号",
        "decided_on": (today - timedelta(days=20)).isoformat(),
        "valid_from": (today - timedelta(days=20)).isoformat(),
        "valid_until": (today + timedelta(days=300)).isoformat(),
        "source_updated_at": stamped.isoformat(),
    }


def test_a_breach_dated_after_the_promise_ended_counts_nowhere(  # type: ignore[no-untyped-def]
    gateway: Gateway,
    life: Lifecycle,  # noqa: F811
    stream,
) -> None:
    owner = gateway.register_platform(QINGCHENG)
    first = gateway.push(
        owner,
        QINGCHENG,
        [
            commitment(1, 5, datetime.now(UTC) - timedelta(minutes=5)),
            red(datetime.now(UTC) - timedelta(minutes=5)),
        ],
    )
    assert first.json_body["accepted"] == 2, first.json_body
    expired = life.tick(china_noon(china_today() + timedelta(days=6)))
    assert expired.json_body["expired"] == 1, expired.json_body

    at = china_noon(china_today() + timedelta(days=8))
    bootstrap.override_clock(FixedClock(at))
    broken_on = (china_today() + timedelta(days=8)).isoformat()  # after it ended (day 5)
    late = commitment(2, 30, at, outcome="broken", outcome_on=broken_on)
    batch = new_batch_id()
    pushed = gateway.post_signed(
        "/v1/pushes", owner, batch, push_body(QINGCHENG, batch, [late], issued_at=at), now=at
    )
    assert pushed.json_body["accepted"] == 1, pushed.json_body
    view = gateway.client.http.get(
        f"/v1/subjects/{CREDIT_CODE}", headers=gateway.operator()
    ).json_body
    bootstrap.override_clock(None)
    gateway_app.fan_out_changes(stream.event(), None)  # the month's counters
    ticked = life.tick(china_noon(china_today() + timedelta(days=9)))
    assert ticked.json_body["broken_commitments_listed"] == 0  # as review 320 has it

    # the tick holds it no breach; the green channel must not either
    assert "broken_commitment" not in view["benefits"]["refused_because"], view["benefits"]
    assert view["benefits"]["green_channel"] is True, view["benefits"]
    assert view["commitments"]["broken"] == 0, view["commitments"]
    stats = life.stats(QINGCHENG, this_month()).json_body
    assert stats["commitments"]["broken"] == 0, stats["commitments"]
