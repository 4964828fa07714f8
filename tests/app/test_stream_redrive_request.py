"""``POST /v1/stream-failures/redrive``: a message named twice in ``discard`` is a 400 at its
repeat, as in every list that is a set (it was accepted: review 177), before any message is
taken from the queue."""

from __future__ import annotations

import json

from app_support import Gateway, refusal


def test_a_message_named_twice_in_discard_is_refused_at_the_repeat(gateway: Gateway) -> None:
    body = json.dumps({"discard": ["m-1", "m-2", "m-1"]}).encode()

    reply = gateway.client.http.post(
        "/v1/stream-failures/redrive", headers=gateway.operator(), body=body
    )

    assert refusal(reply) == (400, "duplicate_value", "discard.2")
