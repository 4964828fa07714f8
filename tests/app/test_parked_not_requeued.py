"""A call that re-drives parked deliveries does so only when they can go: a change of signature
scheme on a paused subscription, and resume, verify or enable on a v1sm2 one whose deliveries
wait ``unsigned`` (the gateway holding no SM2 key), put them all back on the queue to be parked
again, an attempt more on each record, as often as asked (review 289; reviews 281 and 283 did
the same for ``enable`` on a paused or pending one)."""

from __future__ import annotations

from typing import Any

from app_support import CITY, HUNAN, Gateway, black_entry
from delivery_support import as_operator, push_and_fan_out, signed, subscribe
from delivery_support import subscription_path as path_of
from lifecycle_support import fan_out_and_deliver, listings_stream


def attempts(gateway: Gateway, created: dict[str, Any]) -> int:
    listed = as_operator(gateway, "get", path_of(created, "/deliveries")).json_body
    [delivery] = listed["deliveries"]
    view = as_operator(gateway, "get", f"/v1/deliveries/{delivery['delivery_id']}").json_body
    return len(view["attempts"])


def test_a_scheme_change_while_paused_queues_nothing(
    gateway: Gateway, stream: Any, queue: Any, hunan: Any, hook: Any
) -> None:
    gateway.configure(sm2_signing="true")
    created = subscribe(gateway, hook.url, HUNAN)
    assert signed(gateway, hunan, "POST", path_of(created, "/pause")).status_code == 200
    push_and_fan_out(gateway, stream, hunan, HUNAN, [black_entry()])
    queue.run()  # held back: parked

    turns = []
    for scheme in ("v1sm2", "v1a", "v1sm2"):
        reply = signed(gateway, hunan, "PATCH", path_of(created), {"signature_scheme": scheme})
        assert reply.status_code == 200, reply.json_body
        turns.append(reply.json_body["redriven"])
        queue.run()

    assert (turns, attempts(gateway, created), hook.requests) == ([0, 0, 0], 1, [])
    resumed = signed(gateway, hunan, "POST", path_of(created, "/resume"))
    assert resumed.json_body["redriven"] == 1, resumed.json_body
    queue.run()
    assert len(hook.requests) == 1


def test_an_unsigned_subscription_s_parked_deliveries_wait_for_the_key(
    gateway: Gateway, aws: Any, receiver: Any
) -> None:
    gateway.configure(sm2_signing="true")
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    created = subscribe(gateway, receiver.url, HUNAN, signature_scheme="v1sm2")
    gateway.configure(sm2_signing=None)
    stream = listings_stream(aws)
    assert gateway.push(city, CITY, [black_entry()]).json_body["accepted"] == 1
    fan_out_and_deliver(aws, stream)  # parked: unsigned

    answers = []
    for action in ("/resume", "/verify", "/enable"):
        reply = signed(gateway, hunan, "POST", path_of(created, action))
        assert reply.status_code == 200, (action, reply.json_body)
        answers.append(reply.json_body.get("redriven"))
        fan_out_and_deliver(aws, stream)

    assert (answers, attempts(gateway, created), receiver.requests) == ([0, 0, 0], 1, [])
    gateway.configure(sm2_signing="true")
    resumed = signed(gateway, hunan, "POST", path_of(created, "/resume"))
    assert resumed.json_body["redriven"] == 1, resumed.json_body
    fan_out_and_deliver(aws, stream)
    assert len(receiver.requests) == 1
