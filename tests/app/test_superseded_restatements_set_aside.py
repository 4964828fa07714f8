"""A subscription paused while an agreement is made and ended: its superseded restatements are
never sent again, and never stand in front of the withdrawals behind them — each re-drive
sets aside what it can never send, which took every later call's ``REDRIVE_LIMIT`` (review
324)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import (
    DAYE,
    HUNAN,
    agreement_terms,
    create_agreement,
    reevaluate,
    two_daye_subjects,
)
from delivery_support import as_operator, push_and_fan_out, subscribe, subscription_path
from test_restatement_redrive import acted_on, ended

import gateway.delivery.redriving as redriving


def test_one_pause_over_an_agreement_made_and_ended_sends_the_withdrawals(
    gateway: Any, aws: Any, stream: Any, queue: Any, hook: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review 43's own scenario at scale (REDRIVE_LIMIT 2 for 10,000): the agreement restated as
    many listings as the limit while paused, then ended. Every resume picks the superseded
    recognitions first (longest dead), reopens none of them, and never reaches the withdrawals:
    the subscriber goes on punishing under an ended agreement."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    mine = subscribe(gateway, hook.url)
    push_and_fan_out(gateway, stream, daye, DAYE, two_daye_subjects())
    queue.run()
    assert as_operator(gateway, "post", subscription_path(mine, "/pause"), b"{}").status_code == 200
    made = create_agreement(gateway, agreement_terms())
    reevaluate(aws)
    queue.run()
    ended(gateway, aws, queue, made.json_body["agreement"]["agreement_id"])
    monkeypatch.setattr(redriving, "REDRIVE_LIMIT", 2)
    got: list[dict[str, Any]] = []
    for _ in range(3):  # resumed again and again
        resumed, sent = acted_on(gateway, queue, hook, subscription_path(mine, "/resume"))
        assert resumed.status_code == 200, resumed.json_body
        got += sent
        as_operator(gateway, "post", subscription_path(mine, "/pause"), b"{}")
    withdrawals = [b for b in got if b.get("type") == "recognition.changed"]
    assert len(withdrawals) == 2, f"resume sent {len(withdrawals)} of the 2 withdrawals"
    assert not any(b["recognition"]["recognised"] for b in withdrawals), withdrawals


def test_restatements_superseded_in_flight_do_not_stay_in_dead_partitions(
    gateway: Any, aws: Any, stream: Any, queue: Any, hook: Any
) -> None:
    """No pause at all: an agreement revised (here: ended) while its first re-evaluation's
    restatements are still queued — minutes, for a province's listings — settles each of them
    ``not_sent: superseded`` at its attempt (README: "not sent but settled dead"). Each stays in a
    dead partition for every later resume, verify, enable and re-drive to read and count."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    mine = subscribe(gateway, hook.url)
    push_and_fan_out(gateway, stream, daye, DAYE, two_daye_subjects())
    queue.run()
    made = create_agreement(gateway, agreement_terms())
    reevaluate(aws)  # restatements queued, not yet attempted
    ended(gateway, aws, queue, made.json_body["agreement"]["agreement_id"])
    table = aws.env["CG_DELIVERIES_TABLE"]
    items = aws.dynamodb.scan(TableName=table)["Items"]
    superseded = [
        i
        for i in items
        if i.get("subscription_id", {}).get("S") == mine["subscription_id"]
        and i.get("state", {}).get("S") == "dead"
        and '"not_sent":"superseded"' in i["attempts"]["L"][-1]["S"]
    ]
    assert superseded, "nothing was superseded in flight (setup)"
    stuck = [
        i["subscription_shard"]["S"]
        for i in superseded
        if "#dead#" in i.get("subscription_shard", {}).get("S", "")
        or "#off#" in i.get("subscription_shard", {}).get("S", "")
    ]
    assert not stuck, f"settled for good (superseded), yet in dead partitions: {stuck}"
