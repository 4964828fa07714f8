"""A held delivery's sweep cut short leaves a dead letter while what it held back is still dead
on a live endpoint — for a replay's record and for a batch too, whose records the delivery
log's ``state`` does not answer for (review 119 F1, F2)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import HUNAN, Gateway, black_entry
from delivery_support import as_operator, push_and_fan_out, signed, subscribe
from delivery_support import subscription_path as path_of
from test_held_while_released import (  # noqa: F401 (a fixture)
    paused_with,
    resumed_meanwhile,
    resumed_then_reread_fails,
    throttle_redrive_once,
)


def test_a_replay_held_while_resumed_whose_sweep_failed_is_a_dead_letter(
    gateway: Gateway,
    stream: Any,
    hook: Any,
    queue: Any,
    resumed_meanwhile: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As test_held_while_released's single delivery, but a replay (a record of its own)."""
    province = gateway.register_platform(HUNAN)
    created = subscribe(gateway, hook.url, HUNAN)
    push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])
    queue.run()
    assert len(hook.requests) == 1
    answer = signed(gateway, province, "POST", path_of(created, "/replay"), {"from_sequence": 1})
    assert answer.status_code == 202, answer.json_body
    as_operator(gateway, "post", path_of(created, "/pause"))
    refused = throttle_redrive_once(monkeypatch)

    resumed_meanwhile(created, 1)

    assert refused  # the replay's own sweep was throttled
    assert len(hook.requests) == 1  # the replay was never sent
    dead = as_operator(gateway, "get", path_of(created, "/deliveries?state=dead")).json_body
    assert [d.get("replay_of") is not None for d in dead["deliveries"]] == [True]
    assert [d.subscription_id for d in queue.dead_letters()] == [created["subscription_id"]]


def test_a_held_batch_whose_message_comes_again_and_whose_sweep_fails_is_a_dead_letter(
    gateway: Gateway, stream: Any, hook: Any, queue: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch held back, its re-read failed (the invocation fails), its message comes again
    and its sweep is cut short: both lines dead on a live endpoint, so a dead letter."""
    second = black_entry(decision_number="(2024)黑09执124号")
    created = paused_with(gateway, stream, hook, [black_entry(), second], delivery_mode="batched")
    event = resumed_then_reread_fails(gateway, queue, created, monkeypatch)
    refused = throttle_redrive_once(monkeypatch)

    queue.run(event)  # the same message received again: swept, the sweep throttled
    for _ in range(3):
        queue.run()

    assert refused
    assert hook.requests == []
    listed = as_operator(gateway, "get", path_of(created, "/deliveries?state=dead")).json_body
    assert len(listed["deliveries"]) == 2  # both lines dead on a live (resumed) endpoint
    assert [d.subscription_id for d in queue.dead_letters()] == [created["subscription_id"]]
