"""A batch of purge tombstones held back while the endpoint was off, a declining enable landing
meanwhile, and the held batch's own sweep cut short: its message comes again, and the sweep
then sends the tombstone lines — judged one by one from their records, not as the batch from
its file, which is gone by then (review 322: declined whole, they were never sent)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY
from delivery_support import as_operator, subscribe
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    push_with_removals,
    recent_entry,
    removal_of,
)
from test_erasure_audit import expire_queued_messages

import app as gateway_app
from gateway.delivery.holding_back import HeldBack

PROVINCE = "230000"
SECOND_PERSON = "11010519491230034X"


def _tombstones(hook: Any) -> list[str]:
    return [r.body.decode() for r in hook.requests if '"purged"' in r.body.decode()]


@pytest.mark.parametrize("mode", ["batched"])
def test_tombstone_lines_of_a_held_batch_whose_sweep_was_cut_short_are_sent(
    gateway: Any,
    aws: Any,
    stream: Any,
    queue: Any,
    hook: Any,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    life = Lifecycle(gateway)
    city = gateway.register_platform(CITY)
    gateway.register_platform(PROVINCE)
    sub = subscribe(gateway, hook.url, region=PROVINCE, delivery_mode=mode)["subscription_id"]
    path = f"/v1/subscriptions/{sub}"
    ended_on = (china_today() - timedelta(days=10)).isoformat()
    a = recent_entry(credit_code=PERSON_CODE, subject_name="黄某某", conduct_ended_on=ended_on)
    b = recent_entry(
        credit_code=SECOND_PERSON,
        subject_name="李某某",
        decision_number="(2026)黑09执201号",
        conduct_ended_on=ended_on,
    )
    assert gateway.push(city, CITY, [a, b]).json_body["accepted"] == 2
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    hook.answer(410, "gone")
    ended = push_with_removals(
        gateway, city, CITY, [removal_of(a, "revoked"), removal_of(b, "revoked")]
    )
    assert ended.json_body["removed"] == 2, ended.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    assert as_operator(gateway, "get", path).json_body["enabled"] is False
    at = china_noon(add_months(china_today(), 60) + timedelta(days=30))
    expire_queued_messages(aws, at - datetime.now(UTC))
    tick = life.tick(at)
    assert tick.json_body["purged"] == 2, tick.json_body
    gateway_app.fan_out_changes(stream.event(), None)  # a batch of two tombstones
    hook.answer(204)
    hook.requests.clear()
    body = json.dumps({"redeliver_missed": False}).encode()

    hold = HeldBack.hold
    sweep = HeldBack.sweep
    done: list[int] = []
    cut: list[int] = []
    again: list[Any] = []

    def racing(self: HeldBack, delivery: Any, held: Any, now: Any, time_left: Any) -> Any:
        if not done:  # the operator enables, declining, while this is held back
            done.append(1)
            enabled = as_operator(gateway, "post", f"{path}/enable", body)
            assert enabled.status_code == 200, enabled.json_body
        return hold(self, delivery, held, now, time_left)

    def short(self: HeldBack, delivery: Any, named: Any, why: Any, time_left: Any) -> Any:
        if not cut:  # the held batch's own sweep finds too little of its invocation left
            cut.append(1)
            return sweep(self, delivery, named, why, 1.0)
        return sweep(self, delivery, named, why, time_left)

    came = HeldBack.came_again

    def seen(self: HeldBack, *args: Any) -> Any:
        result = came(self, *args)
        again.append(result)
        return result

    monkeypatch.setattr(HeldBack, "hold", racing)
    monkeypatch.setattr(HeldBack, "sweep", short)
    monkeypatch.setattr(HeldBack, "came_again", seen)
    queue.run()
    assert done, "nothing was held back"
    assert cut, "its sweep was not cut short"
    for _ in range(3):
        queue.run()
    assert again, "the held batch's message never came again"
    assert as_operator(gateway, "post", f"{path}/pause").status_code == 200
    assert as_operator(gateway, "post", f"{path}/resume").status_code == 200
    for _ in range(2):
        queue.run()

    assert len(_tombstones(hook)) >= 1, (
        "the purge tombstones of a held batch whose sweep was cut short were never sent "
        f"(came_again answered {again}); dead: "
        f"{as_operator(gateway, 'get', f'{path}/deliveries?state=dead').json_body}"
    )
