"""Long re-sends page and go on as the README says ("at most 10,000 a call ... call it again while
`redriven` is not 0 ... The same holds for `enable`, a successful `verify`"): a second call to
`enable` or `verify` sent nothing once the first had turned the endpoint on (review 132).
REDRIVE_LIMIT is lowered to 1 to stand for a backlog over 10,000."""

from __future__ import annotations

import json

import pytest
from app_support import CITY, OTHER_CREDIT_CODE, black_entry
from delivery_support import as_operator, push_and_fan_out, subscribe

import gateway.delivery.redriving as redriving


def _two_subjects() -> list[dict]:
    return [
        black_entry(),
        black_entry(credit_code=OTHER_CREDIT_CODE, decision_number="(2026)黑09执201号"),
    ]


def test_enable_called_again_goes_on_with_what_the_first_call_left(
    gateway, stream, queue, hook, monkeypatch: pytest.MonkeyPatch
):
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    hook.answer(410, "gone")  # turns the endpoint off: both changes held back dead
    sub = subscribe(gateway, hook.url)["subscription_id"]
    push_and_fan_out(gateway, stream, city, CITY, _two_subjects())
    queue.run()
    queue.run()
    assert as_operator(gateway, "get", f"/v1/subscriptions/{sub}").json_body["enabled"] is False
    hook.answer(204)
    monkeypatch.setattr(redriving, "REDRIVE_LIMIT", 1)  # a backlog over one call's limit
    enable = f"/v1/subscriptions/{sub}/enable"

    calls = [as_operator(gateway, "post", enable, b"{}").json_body["redriven"] for _ in range(3)]
    queue.run()

    assert calls == [1, 1, 0]  # README: call it again while `redriven` is not 0
    dead = as_operator(gateway, "get", f"/v1/subscriptions/{sub}/deliveries?state=dead")
    assert dead.json_body["deliveries"] == []


def test_verify_called_again_goes_on_with_what_the_first_call_left(
    gateway, stream, queue, hook, monkeypatch: pytest.MonkeyPatch
):
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    hook.answers_challenge = False  # the endpoint does not answer the challenge: pending
    created = gateway.subscribe_as_operator(region="430000", url=hook.url)
    assert created.status_code == 201, created.json_body
    sub = created.json_body["subscription_id"]
    push_and_fan_out(gateway, stream, city, CITY, _two_subjects())
    queue.run()
    assert hook.requests == [] or all(
        json.loads(r.body).get("type") != "listing.changed" for r in hook.requests
    )
    hook.answers_challenge = True
    monkeypatch.setattr(redriving, "REDRIVE_LIMIT", 1)

    first = as_operator(gateway, "post", f"/v1/subscriptions/{sub}/verify", b"{}")
    assert first.status_code == 200, first.json_body
    assert first.json_body["subscription"]["state"] != "pending", first.json_body
    assert first.json_body["redriven"] == 1
    second = as_operator(gateway, "post", f"/v1/subscriptions/{sub}/verify", b"{}")

    assert second.json_body["redriven"] == 1, second.json_body
