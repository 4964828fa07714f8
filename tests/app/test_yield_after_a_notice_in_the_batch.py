"""An objection's notice to the owner's subscription, planned in the same fan-out batch as a
black listing that holds back a red listing's incentives, carries no new standing: a holder
filtered away from red is still told its incentives are held back (review 401: the notice was
counted as the red listing's own change). The notice fails here, so its acknowledgement does
not supersede the restatement."""

from __future__ import annotations

import json
from typing import Any

from app_support import DAYE, Gateway, StreamReader, daye_black_entry
from delivery_support import AnsweringReceiver, DeliveryQueue, push_and_fan_out, subscribe
from lifecycle_support import Lifecycle, recent_entry
from test_query_as_region import red_entry
from test_relayed_notice_retry import _failing_notices
from test_verify_log_terms import patched

import app as gateway_app


def _bodies(hook: AnsweringReceiver, event: str) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in hook.requests if f'"{event}"'.encode() in r.body]


def test_incentives_held_back_reach_a_holder_also_sent_the_notice_in_the_batch(
    gateway: Gateway, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    daye = gateway.register_platform(DAYE)
    created = subscribe(gateway, hook.url, region=DAYE, retry_schedule_seconds=[0])
    dates = recent_entry()
    red = red_entry(decided_on=dates["decided_on"], valid_from=dates["valid_from"])
    push_and_fan_out(gateway, stream, daye, DAYE, [red])
    queue.run()
    [sent] = _bodies(hook, "listing.changed")
    assert sent["recognition"]["measures"], sent["recognition"]
    red_id = sent["data"]["listing"]["listing_id"]
    code = sent["data"]["listing"]["credit_code"]
    patched(gateway, created["subscription_id"], {"filters": {"kinds": ["black"]}})
    # the operator objects for the subject (a notice to the owner), and in the same stream
    # batch the owner lists the subject black
    hook.reply = _failing_notices  # the notice fails until dead: the listing's version stays
    filed = Lifecycle(gateway).file_objection(code, red_id, "o-401")
    assert filed.status_code == 201, filed.json_body
    black = daye_black_entry(decided_on=dates["decided_on"], valid_from=dates["valid_from"])
    response = gateway.push(daye, DAYE, [black])
    assert response.json_body.get("accepted") == 1, response.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    for _ in range(4):  # the notice dies (the objection still awaits it), the rest goes on
        queue.run()

    assert {b["data"]["listing"]["listing_id"] for b in _bodies(hook, "objection.filed")} == {
        red_id
    }  # attempted (answered 500), so the objection still awaits it
    changed = _bodies(hook, "recognition.changed")
    assert [b["data"]["listing"]["listing_id"] for b in changed] == [red_id]
    assert changed[0]["recognition"]["measures"] == []
