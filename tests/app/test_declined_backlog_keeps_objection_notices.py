"""An objection's notice is never declined (review 303): the objection awaits its owner's
acknowledgement of the ``objection.filed`` event, from which the decision's deadline runs, and
nothing plans the notice again. ``enable {"redeliver_missed": false}`` declined it with the
rest of what the endpoint missed while it was off, and the objection waited for good (only the
operator's overdue list showed it); now the enable sends the notice, and the changes it
declined stay unsent."""

from __future__ import annotations

import json
from typing import Any

from app_support import (
    CITY,
    CREDIT_CODE,
    GUANGDONG,
    Gateway,
    Receiver,
    StreamReader,
    black_entry,
)
from delivery_support import as_operator, push_and_fan_out, subscribe
from lifecycle_support import Lifecycle

import app as gateway_app

SECOND_CODE = "91430100MA4L16JQ9D"


def _types(hook: Any) -> list[str]:
    return [json.loads(r.body).get("type") for r in hook.requests]


def _objected_while_off(
    gateway: Gateway, stream: StreamReader, queue: Any, hook: Any, receiver: Receiver
) -> tuple[Lifecycle, str]:
    """The owner's endpoint turned off (410); a change of its list and 广东's objection (广东
    was delivered the listing at ``receiver``) held back while it is off. The lifecycle and
    the owner's subscription path."""
    city = gateway.register_platform(CITY)
    guangdong = gateway.register_platform(GUANGDONG)
    subscribe(gateway, receiver.url, region=GUANGDONG)
    hook.answer(410, "gone")
    sub = subscribe(gateway, hook.url, region=CITY)["subscription_id"]
    first = gateway.push(city, CITY, [black_entry()])
    assert first.json_body["accepted"] == 1, first.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    path = f"/v1/subscriptions/{sub}"
    assert as_operator(gateway, "get", path).json_body["enabled"] is False
    listing_id = str(first.json_body["outcomes"][0]["listing_id"])
    second = black_entry(credit_code=SECOND_CODE, decision_number="(2026)黑09执201号")
    push_and_fan_out(gateway, stream, city, CITY, [second])
    queue.run()
    life = Lifecycle(gateway)
    filed = life.file_objection(CREDIT_CODE, listing_id, signer=guangdong)
    assert filed.status_code == 201, filed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    assert hook.requests  # the 410
    assert "objection.filed" not in _types(hook)  # held back while off
    hook.answer(204)
    hook.requests.clear()
    return life, path


def _awaiting(life: Lifecycle) -> bool:
    [view] = life.lookup(CREDIT_CODE).json_body["listings"]
    return bool(view["listing"]["objection"]["awaiting_notice"])


def test_enable_declining_the_backlog_still_sends_the_objection_notice(
    gateway: Gateway, stream: StreamReader, queue: Any, hook: Any, receiver: Receiver
) -> None:
    life, path = _objected_while_off(gateway, stream, queue, hook, receiver)

    body = json.dumps({"redeliver_missed": False}).encode()
    enabled = as_operator(gateway, "post", f"{path}/enable", body)
    assert enabled.status_code == 200, enabled.json_body
    queue.run()

    assert _types(hook) == ["objection.filed"]
    assert _awaiting(life) is False


def test_a_notice_declined_while_paused_goes_at_the_resume(
    gateway: Gateway, stream: StreamReader, queue: Any, hook: Any, receiver: Receiver
) -> None:
    """Enabled, declining, while paused: the notice waits for the resume, and goes then; the
    declined listing changes do not."""
    life, path = _objected_while_off(gateway, stream, queue, hook, receiver)
    assert as_operator(gateway, "post", f"{path}/pause").status_code == 200
    body = json.dumps({"redeliver_missed": False}).encode()
    assert as_operator(gateway, "post", f"{path}/enable", body).status_code == 200
    queue.run()
    assert hook.requests == []
    assert _awaiting(life) is True

    resumed = as_operator(gateway, "post", f"{path}/resume")
    assert resumed.status_code == 200, resumed.json_body
    queue.run()

    assert _types(hook) == ["objection.filed"]
    assert _awaiting(life) is False


def test_a_notice_of_an_objection_decided_meanwhile_is_not_sent(
    gateway: Gateway, stream: StreamReader, queue: Any, hook: Any, receiver: Receiver
) -> None:
    """The owner decided the objection through the API while its endpoint was off: the notice,
    sent at the enable, would tell it an objection awaits it (review 309)."""
    life, path = _objected_while_off(gateway, stream, queue, hook, receiver)
    [view] = life.lookup(CREDIT_CODE).json_body["listings"]
    listing_id = view["listing"]["listing_id"]
    objection_id = view["listing"]["objection"]["objection_id"]
    city = gateway.register_platform(CITY)
    decided = life.decide(city, CREDIT_CODE, listing_id, objection_id, "upheld")
    assert decided.status_code == 200, decided.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    hook.requests.clear()

    body = json.dumps({"redeliver_missed": False}).encode()
    assert as_operator(gateway, "post", f"{path}/enable", body).status_code == 200
    queue.run()

    assert "objection.filed" not in _types(hook)
