"""``enable {"redeliver_missed": false}`` does not decline a purge's tombstone held back while
the endpoint was off (review 314): nothing plans a tombstone again, and the subscriber kept the
purged person's record, the full ID number included, for good."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY
from delivery_support import as_operator, subscribe
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
)
from test_erasure_audit import expire_queued_messages

import app as gateway_app

PROVINCE = "230000"


@pytest.mark.parametrize("redeliver", [True, False])
def test_a_declining_enable_still_sends_a_purge_tombstone(
    gateway: Any, aws: Any, stream: Any, queue: Any, hook: Any, redeliver: bool
) -> None:
    life = Lifecycle(gateway)
    city = gateway.register_platform(CITY)
    gateway.register_platform(PROVINCE)  # 黑龙江省: sees its cities' listings in full
    sub = subscribe(gateway, hook.url, region=PROVINCE)["subscription_id"]
    ended_on = (china_today() - timedelta(days=10)).isoformat()
    entry = recent_entry(credit_code=PERSON_CODE, subject_name="黄某某", conduct_ended_on=ended_on)
    pushed(gateway, city, CITY, entry)
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    assert PERSON_CODE in hook.requests[-1].body.decode()  # the province holds it in full
    hook.answer(410, "gone")  # its endpoint is turned off by the removal's delivery
    ended = push_with_removals(gateway, city, CITY, [removal_of(entry, "revoked")])
    assert ended.json_body["removed"] == 1, ended.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    path = f"/v1/subscriptions/{sub}"
    assert as_operator(gateway, "get", path).json_body["enabled"] is False
    at = china_noon(add_months(china_today(), 60) + timedelta(days=30))
    expire_queued_messages(aws, at - datetime.now(UTC))
    tick = life.tick(at)
    assert tick.json_body["purged"] == 1, tick.json_body
    gateway_app.fan_out_changes(stream.event(), None)  # the tombstone: held back, off
    queue.run()
    hook.answer(204)
    hook.requests.clear()

    body = json.dumps({"redeliver_missed": redeliver}).encode()
    enabled = as_operator(gateway, "post", f"{path}/enable", body)
    assert enabled.status_code == 200, enabled.json_body
    for _ in range(2):
        queue.run()

    sent = [json.loads(r.body) for r in hook.requests]
    purged = [
        b
        for b in sent
        if b.get("data", {}).get("change_type") == "purged"
        or b.get("data", {}).get("type") == "purged"
        or '"purged"' in json.dumps(b)
    ]
    assert purged, f"no tombstone sent; the subscriber keeps {PERSON_CODE[:6]}…'s record: {sent}"
