"""A delivery's record keeps its first attempts and its latest, however often it is tried, and
one group's failure fails only that group's messages. A subscriber answering 410 (its
subscription turned off) and enabling again, cycle after cycle, grew one record past DynamoDB's
item limit; its writes then failed the delivery function's whole event, another region's
deliveries, sent already, with it (review 292)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from app_support import CITY, DAYE, GUANGDONG, HUNAN, black_entry, daye_black_entry
from attempts_support import tried
from delivery_support import push_and_fan_out, subscribe

from chalicelib.dynamodb.attempts_kept import KEPT
from gateway.delivery import DeliveryService


def test_a_record_tried_again_and_again_keeps_its_first_attempts_and_its_latest(
    aws: Any, gateway: Any, stream: Any, queue: Any, hook: Any
) -> None:
    record = tried(aws, gateway, stream, queue, hook)
    for _ in range(KEPT + 5):
        record.enable()

    kept = record.attempts()
    assert len(kept) == KEPT
    times = [a["at"] for a in kept]
    assert times == sorted(times)  # the first ones, then the latest
    updated = record.item()["updated_at"]["S"]
    assert datetime.fromisoformat(kept[-1]["at"]) == datetime.fromisoformat(updated)


def test_one_group_s_failure_fails_only_its_own_messages(
    gateway: Any,
    stream: Any,
    queue: Any,
    hook: Any,
    receiver: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    city = gateway.register_platform(CITY)
    daye = gateway.register_platform(DAYE)
    gateway.register_platform(HUNAN)
    gateway.register_platform(GUANGDONG)
    broken = subscribe(gateway, hook.url, filters={"source_regions": [CITY]})["subscription_id"]
    subscribe(gateway, receiver.url, region=GUANGDONG, filters={"source_regions": [DAYE]})
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    push_and_fan_out(gateway, stream, daye, DAYE, [daye_black_entry()])
    deliver = DeliveryService.deliver

    def failing(self: DeliveryService, delivery: Any, *rest: Any) -> Any:
        if delivery.subscription_id == broken:
            raise RuntimeError("this record cannot be written")
        return deliver(self, delivery, *rest)

    monkeypatch.setattr(DeliveryService, "deliver", failing)
    event = queue.event()
    outcome = queue.run(event)

    failed = {f["itemIdentifier"] for f in outcome["batchItemFailures"]}
    assert failed == {r["messageId"] for r in event["Records"] if broken in r["body"]}
    assert failed
    assert len(receiver.requests) == 1
    # no function error now: the failure is a metric of its own, alarmed on
    assert '"DeliveryErrors":[1.0]' in capsys.readouterr().out.replace(" ", "")
