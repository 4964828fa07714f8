"""An endpoint turned back on while paused is owed what it missed while it was off: ``enable``
queues one call's limit of it, to be parked, and resume used to send only what was parked —
the rest stayed dead until someone called ``enable`` again (review 291). Now the subscription
records the debt (``missed_owed``): resume, and resume called again, send the rest, oldest
first, and the debt ends once one call has sent it all. REDRIVE_LIMIT is lowered to 1 to stand
for a backlog over 10,000."""

from __future__ import annotations

import json

import pytest
from app_support import CITY, OTHER_CREDIT_CODE, black_entry
from delivery_support import as_operator, push_and_fan_out, subscribe

import gateway.delivery.redriving as redriving

THIRD_CODE = "91430100MA4L16JQ9D"


def _three_subjects() -> list[dict]:
    return [
        black_entry(),
        black_entry(credit_code=OTHER_CREDIT_CODE, decision_number="(2026)黑09执201号"),
        black_entry(credit_code=THIRD_CODE, decision_number="(2026)黑09执202号"),
    ]


def _turned_off_with_three_missed(gateway, stream, queue, hook) -> str:  # type: ignore[no-untyped-def]
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    hook.answer(410, "gone")  # turns the endpoint off: all three held back dead
    sub: str = subscribe(gateway, hook.url)["subscription_id"]
    push_and_fan_out(gateway, stream, city, CITY, _three_subjects())
    queue.run()
    queue.run()
    assert as_operator(gateway, "get", f"/v1/subscriptions/{sub}").json_body["enabled"] is False
    hook.answer(204)
    hook.requests.clear()  # those it answered 410
    return sub


def _delivered_codes(hook) -> set[str]:  # type: ignore[no-untyped-def]
    bodies = (json.loads(r.body) for r in hook.requests)
    return {
        b["data"]["listing"]["credit_code"] for b in bodies if b.get("type") == "listing.changed"
    }


def test_resume_sends_what_an_enable_while_paused_left_owed(
    gateway, stream, queue, hook, monkeypatch: pytest.MonkeyPatch
):
    sub = _turned_off_with_three_missed(gateway, stream, queue, hook)
    monkeypatch.setattr(redriving, "REDRIVE_LIMIT", 1)
    path = f"/v1/subscriptions/{sub}"
    assert as_operator(gateway, "post", f"{path}/pause", b"{}").status_code == 200
    assert as_operator(gateway, "post", f"{path}/enable", b"{}").status_code == 200
    assert as_operator(gateway, "get", path).json_body["missed_owed"] is True
    queue.run()  # what it queued is parked: paused
    assert _delivered_codes(hook) == set()

    resumed = []
    for _ in range(4):  # resume, then resume again while it re-sends any
        reply = as_operator(gateway, "post", f"{path}/resume", b"{}")
        resumed.append(reply.json_body["redriven"])
        queue.run()

    assert resumed[-1] == 0, resumed
    assert sum(resumed) >= 3, resumed
    assert len(_delivered_codes(hook)) == 3  # every change it missed, none left dead
    dead = as_operator(gateway, "get", f"{path}/deliveries?state=dead")
    assert dead.json_body["deliveries"] == []
    assert as_operator(gateway, "get", path).json_body["missed_owed"] is False


def test_enable_told_not_to_redeliver_owes_nothing(gateway, stream, queue, hook):
    sub = _turned_off_with_three_missed(gateway, stream, queue, hook)
    path = f"/v1/subscriptions/{sub}"
    assert as_operator(gateway, "post", f"{path}/pause", b"{}").status_code == 200
    body = json.dumps({"redeliver_missed": False}).encode()
    assert as_operator(gateway, "post", f"{path}/enable", body).status_code == 200
    assert as_operator(gateway, "get", path).json_body["missed_owed"] is False

    resumed = as_operator(gateway, "post", f"{path}/resume", b"{}")
    queue.run()

    assert resumed.json_body["redriven"] == 0
    assert _delivered_codes(hook) == set()
    dead = as_operator(gateway, "get", f"{path}/deliveries?state=dead")
    assert len(dead.json_body["deliveries"]) == 3
