"""What ``enable {"redeliver_missed": false}`` declined — what was held back while the endpoint
was off, and the 410 that turned it off — stays dead for good (review 299): a copy of a
held-back delivery's message coming again after it (SQS delivers at least once; or the
invocation that held it back died before its sweep) finds the endpoint released, and its sweep
sent the whole declined backlog; so did a later ``enable`` that redelivers, after the endpoint
went off again."""

from __future__ import annotations

import json

from app_support import CITY, OTHER_CREDIT_CODE, black_entry
from delivery_support import as_operator, push_and_fan_out, subscribe

import app as gateway_app

FOURTH_CODE = "91430100MA4L16JQ9D"


def _codes(hook) -> set[str]:  # type: ignore[no-untyped-def]
    bodies = (json.loads(r.body) for r in hook.requests)
    return {
        b["data"]["listing"]["credit_code"] for b in bodies if b.get("type") == "listing.changed"
    }


def test_a_message_coming_again_sends_none_of_what_enable_was_told_not_to(
    gateway, stream, queue, hook
):
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    hook.answer(410, "gone")  # turns the endpoint off
    sub = subscribe(gateway, hook.url)["subscription_id"]
    first = [
        black_entry(),
        black_entry(credit_code=OTHER_CREDIT_CODE, decision_number="(2026)黑09执201号"),
    ]
    push_and_fan_out(gateway, stream, city, CITY, first)
    queue.run()
    queue.run()
    path = f"/v1/subscriptions/{sub}"
    assert as_operator(gateway, "get", path).json_body["enabled"] is False
    # one more change while it is off: held back, not sent (disabled)
    push_and_fan_out(
        gateway,
        stream,
        city,
        CITY,
        [black_entry(credit_code=FOURTH_CODE, decision_number="(2026)黑09执202号")],
    )
    held = queue.event()
    assert len(held["Records"]) == 1
    queue.run(held)
    hook.answer(204)
    hook.requests.clear()

    body = json.dumps({"redeliver_missed": False}).encode()
    enabled = as_operator(gateway, "post", f"{path}/enable", body)
    assert enabled.json_body["redriven"] == 0, enabled.json_body
    assert as_operator(gateway, "get", path).json_body["missed_owed"] is False

    gateway_app.deliver_webhooks(held, None)  # the held delivery's message, again
    queue.run()

    sent = _codes(hook)
    assert not sent & {first[0]["credit_code"], OTHER_CREDIT_CODE}, sent


def test_a_later_enable_redelivers_only_what_was_missed_after_the_one_declined(
    gateway, stream, queue, hook
):
    city = gateway.register_platform(CITY)
    gateway.put_region("430000")
    hook.answer(410, "gone")
    sub = subscribe(gateway, hook.url)["subscription_id"]
    path = f"/v1/subscriptions/{sub}"
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    queue.run()
    assert as_operator(gateway, "get", path).json_body["enabled"] is False
    declined = json.dumps({"redeliver_missed": False}).encode()
    assert as_operator(gateway, "post", f"{path}/enable", declined).json_body["redriven"] == 0

    # off again (410), one change missed then; enabled again, redelivering
    second = black_entry(credit_code=OTHER_CREDIT_CODE, decision_number="(2026)黑09执201号")
    push_and_fan_out(gateway, stream, city, CITY, [second])
    queue.run()
    assert as_operator(gateway, "get", path).json_body["enabled"] is False
    hook.answer(204)
    hook.requests.clear()
    enabled = as_operator(gateway, "post", f"{path}/enable", b"{}")
    assert enabled.json_body["redriven"] == 1, enabled.json_body
    queue.run()

    assert _codes(hook) == {OTHER_CREDIT_CODE}
