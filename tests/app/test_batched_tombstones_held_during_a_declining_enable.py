"""A batch of purge tombstones held back while the endpoint is off, and an
``enable {"redeliver_missed": false}`` made while it is being held back (between the sender's
read of the subscription and its dead records being written).

The enable's own sweep (``redrive_undeclined``) ran before the lines were recorded; the held
batch then reads the subscription again, finds it released, and asks ``declined`` about the
*batch* kind ("deliveries.batch", None) — never about its lines — so it did not sweep. Its
lines are tombstones (``never_declined``): nothing ever sent them, and the subscriber kept the
purged records (review 319). Each line is judged now."""

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
    found = []
    for r in hook.requests:
        raw = r.body.decode()
        if '"purged"' in raw:
            found.append(raw)
    return found


def tombstones_held_off(gateway: Any, aws: Any, stream: Any, queue: Any, hook: Any, mode: str):  # type: ignore[no-untyped-def]
    """Two persons' listings delivered, their removals turning the province's endpoint off
    (410), both purged and their tombstones fanned out (a batch of two, batched): the
    subscription's path and a declining enable's body."""
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
    return path, json.dumps({"redeliver_missed": False}).encode()


@pytest.mark.parametrize("mode", ["batched", "single"])
@pytest.mark.parametrize("race", [False, True])
def test_tombstone_lines_of_a_batch_held_during_a_declining_enable_are_sent(
    gateway: Any,
    aws: Any,
    stream: Any,
    queue: Any,
    hook: Any,
    monkeypatch: pytest.MonkeyPatch,
    race: bool,
    mode: str,
) -> None:
    path, body = tombstones_held_off(gateway, aws, stream, queue, hook, mode)

    if race:
        hold = HeldBack.hold
        done: list[int] = []

        def racing(self: HeldBack, delivery: Any, held: Any, now: Any, time_left: Any) -> Any:
            if not done:  # the operator enables, declining, while this is held back
                done.append(1)
                enabled = as_operator(gateway, "post", f"{path}/enable", body)
                assert enabled.status_code == 200, enabled.json_body
            return hold(self, delivery, held, now, time_left)

        monkeypatch.setattr(HeldBack, "hold", racing)
        queue.run()
        assert done, "nothing was held back"
    else:
        queue.run()  # held back, off
        enabled = as_operator(gateway, "post", f"{path}/enable", body)
        assert enabled.status_code == 200, enabled.json_body
    for _ in range(3):
        queue.run()
    # nor does a later pause and resume (resume sends what is parked, or still owed)
    assert as_operator(gateway, "post", f"{path}/pause").status_code == 200
    assert as_operator(gateway, "post", f"{path}/resume").status_code == 200
    for _ in range(2):
        queue.run()

    assert len(_tombstones(hook)) >= (1 if mode == "batched" else 2), (
        "the purge tombstones held in a batch during a declining enable were never sent; "
        f"dead: {as_operator(gateway, 'get', f'{path}/deliveries?state=dead').json_body}"
    )
