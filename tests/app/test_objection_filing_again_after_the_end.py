"""A recipient sending its objection filing again after the listing ended is not shown what the
one-stop query keeps from it: ended listings are their owner's and the operator's to read, so
the answer holds no history or objection (who ended it, when and why: review 184)."""

from __future__ import annotations

from typing import Any

from app_support import CREDIT_CODE, HUNAN, Gateway
from lifecycle_support import (
    QINGCHENG,
    Lifecycle,
    fan_out_and_deliver,
    listing_path,
    push_with_removals,
    pushed,
    qingcheng_entry,
    removal_of,
)


def test_a_filing_sent_again_after_the_listing_ended_shows_no_history(
    gateway: Gateway, aws: Any, stream: Any, receiver: Any
) -> None:
    life = Lifecycle(gateway)
    owner, hunan = (gateway.register_platform(code) for code in (QINGCHENG, HUNAN))
    made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).json_body
    listing_id = pushed(gateway, owner, QINGCHENG, qingcheng_entry())
    fan_out_and_deliver(aws, stream)
    path = listing_path(CREDIT_CODE, listing_id) + "/objections"
    body = {"objection_id": "hn-1", "reason": "异议", "on_behalf": "subject"}
    assert life.post(path, body, hunan).status_code == 201
    gone = f"/v1/subscriptions/{made['subscription_id']}"
    assert gateway.client.http.delete(gone, headers=gateway.operator()).status_code == 200
    removal = removal_of(qingcheng_entry(), "revoked", note="清城区的内部理由")
    push_with_removals(gateway, owner, QINGCHENG, [removal])
    assert life.get(f"/v1/subjects/{CREDIT_CODE}", hunan).status_code == 404

    again = life.post(path, body, hunan)

    assert (again.status_code, again.json_body["changed"]) == (200, False)
    shown = again.json_body["listing"]
    assert (shown["history"], shown["objection"]) == ([], None)
    assert "清城区的内部理由" not in again.body.decode()
