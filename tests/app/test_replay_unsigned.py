"""Review 342: a replay is refused (409) while the subscription is pending, paused or disabled —
"a 202 would promise what waits for resume or enable" — but a ``v1sm2`` subscription on a
gateway that holds no SM2 key (the fourth reason ``held_back`` parks everything) is answered
202 with every replayed delivery queued only to be parked ``unsigned``. ``POST …/test`` and a
``PATCH`` of its URL answer 400 ``sm2_not_offered`` for the same state."""

from __future__ import annotations

import json

from app_support import CITY, HUNAN, black_entry
from delivery_support import as_operator, subscribe
from lifecycle_support import fan_out_and_deliver, listings_stream


def test_a_replay_that_could_only_be_parked_unsigned_is_refused_and_queues_nothing(
    gateway, aws, receiver, queue
):
    gateway.configure(sm2_signing="true")
    city = gateway.register_platform(CITY)
    gateway.put_region(HUNAN)
    created = subscribe(gateway, receiver.url, signature_scheme="v1sm2")
    assert created["state"] == "verified", created
    path = f"/v1/subscriptions/{created['subscription_id']}"
    stream = listings_stream(aws)
    assert gateway.push(city, CITY, [black_entry()]).json_body["accepted"] == 1
    fan_out_and_deliver(aws, stream)
    assert len(receiver.requests) == 1
    gateway.configure(sm2_signing=None)  # the operator turns SM2 signing off

    replayed = as_operator(
        gateway, "post", f"{path}/replay", json.dumps({"from_sequence": 1}).encode()
    )
    queued = queue.take()

    code = replayed.json_body.get("error", {}).get("code")
    assert (replayed.status_code, code) == (400, "sm2_not_offered"), (
        replayed.status_code,
        replayed.json_body,
        [d.delivery_id for d in queued],
    )
    assert queued == []
