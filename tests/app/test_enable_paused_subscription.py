"""`enable` on a paused (or pending) subscription queues nothing (review 281): it re-queued
everything parked, which the delivery function parked again — a 200 `redriven: N` that sent
nothing, and, unlike a replay (6 a minute), no bound on how often a region put up to 10,000
messages a call on the shared delivery queue. What it missed goes on resume or verification,
as `verify` and `resume` send only while the subscription can."""

from __future__ import annotations

from typing import Any

from app_support import HUNAN, Gateway, black_entry
from delivery_support import AnsweringReceiver, DeliveryQueue, push_and_fan_out, signed, subscribe
from delivery_support import subscription_path as path_of

from gateway_client.contract.signing import Ed25519Signer

DECISIONS = [f"(2024)黑09执{n}号" for n in range(201, 206)]


def test_enable_on_a_paused_subscription_queues_nothing(
    gateway: Gateway,
    stream: Any,
    queue: DeliveryQueue,
    hunan: Ed25519Signer,
    hook: AnsweringReceiver,
) -> None:
    created = subscribe(gateway, hook.url, HUNAN)
    assert signed(gateway, hunan, "POST", path_of(created, "/pause")).status_code == 200
    push_and_fan_out(
        gateway, stream, hunan, HUNAN, [black_entry(decision_number=d) for d in DECISIONS]
    )
    queue.run()  # parked: paused
    assert hook.requests == []
    parked = signed(gateway, hunan, "GET", path_of(created, "/deliveries?state=dead"))
    assert len(parked.json_body["deliveries"]) == len(DECISIONS)
    attempts_before = sum(len(d["attempts"]) for d in parked.json_body["deliveries"])

    rounds = []
    for _ in range(3):  # a region calling enable in a loop
        enabled = signed(gateway, hunan, "POST", path_of(created, "/enable"))
        assert enabled.status_code == 200, enabled.json_body
        rounds.append(enabled.json_body["redriven"])
        queue.run()

    assert hook.requests == []  # nothing was sent: it is still paused
    after = signed(gateway, hunan, "GET", path_of(created, "/deliveries?state=dead"))
    attempts_after = sum(len(d["attempts"]) for d in after.json_body["deliveries"])
    # correct: nothing queued while paused (as verify/resume/replay behave), records untouched
    assert rounds == [0, 0, 0], rounds
    assert attempts_after == attempts_before
