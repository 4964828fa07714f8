"""``enable {"redeliver_missed": false}`` declines everything the endpoint missed while it was
off, what was also held back for another reason too — paused by its owner, or pending after its
URL moved (review 301: held as ``paused`` or ``pending``, named before ``disabled``, it was
sent by the resume or the verification after)."""

from __future__ import annotations

import json

from app_support import CITY, HUNAN, OTHER_CREDIT_CODE, black_entry
from delivery_support import as_operator, as_platform, push_and_fan_out, subscribe

THIRD_CODE = "91430100MA4L16JQ9D"


def test_what_was_missed_while_off_and_paused_is_declined_too(gateway, stream, queue, hook):
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    sub = subscribe(gateway, hook.url, retry_schedule_seconds=[0])["subscription_id"]
    path = f"/v1/subscriptions/{sub}"
    hook.answer(410, "gone")  # the endpoint is turned off at once
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    queue.run()
    assert as_operator(gateway, "get", path).json_body["enabled"] is False
    other = black_entry(credit_code=OTHER_CREDIT_CODE, decision_number="(2026)黑09执200号")
    push_and_fan_out(gateway, stream, city, CITY, [other])
    queue.run()  # held back: disabled
    paused = as_platform(gateway, hunan, "post", f"{path}/pause", b"{}")
    assert paused.status_code == 200, paused.json_body
    third = black_entry(credit_code=THIRD_CODE, decision_number="(2026)黑09执201号")
    push_and_fan_out(gateway, stream, city, CITY, [third])
    queue.run()  # held back while off and paused: recorded "paused"
    hook.answer(204)
    hook.requests.clear()

    body = json.dumps({"redeliver_missed": False}).encode()
    enabled = as_platform(gateway, hunan, "post", f"{path}/enable", body)
    assert enabled.status_code == 200, enabled.json_body
    resumed = as_platform(gateway, hunan, "post", f"{path}/resume", b"{}")
    assert resumed.status_code == 200, resumed.json_body
    for _ in range(3):
        queue.run()

    sent = {
        json.loads(r.body)["data"]["listing"]["credit_code"]
        for r in hook.requests
        if json.loads(r.body).get("type") == "listing.changed"
    }
    assert sent == set(), f"declined (missed while the endpoint was off) but sent: {sent}"


def test_what_was_missed_while_off_and_pending_is_declined_too(gateway, stream, queue, hook):
    """The same through a URL change: the endpoint is gone (410), its owner moves it to a new
    URL while it is off (pending, named before disabled), enables it declining what it missed,
    and verifies the new URL: what was held back while off as ``pending`` is sent."""
    from delivery_support import AnsweringReceiver, Reply, signed

    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    created = subscribe(gateway, hook.url, retry_schedule_seconds=[0])
    sub = created["subscription_id"]
    path = f"/v1/subscriptions/{sub}"
    hook.answer(410, "gone")
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    queue.run()
    assert as_operator(gateway, "get", path).json_body["enabled"] is False
    moved_to = AnsweringReceiver(reply=Reply(404), answers_challenge=False)
    moved_to.start()
    try:
        moved = signed(gateway, hunan, "PATCH", path, {"url": moved_to.url})
        assert moved.status_code == 200, moved.json_body
        other = black_entry(credit_code=OTHER_CREDIT_CODE, decision_number="(2026)黑09执200号")
        push_and_fan_out(gateway, stream, city, CITY, [other])
        queue.run()  # held back while off (and pending)
        body = json.dumps({"redeliver_missed": False}).encode()
        enabled = as_platform(gateway, hunan, "post", f"{path}/enable", body)
        assert enabled.status_code == 200, enabled.json_body
        moved_to.answers_challenge, moved_to.reply = True, Reply(204)
        verified = signed(gateway, hunan, "POST", f"{path}/verify")
        assert verified.status_code == 200, verified.json_body
        for _ in range(3):
            queue.run()
        sent = {
            json.loads(r.body)["data"]["listing"]["credit_code"]
            for r in moved_to.requests
            if json.loads(r.body).get("type") == "listing.changed"
        }
    finally:
        moved_to.stop()
    assert sent == set(), f"declined (missed while the endpoint was off) but sent: {sent}"
