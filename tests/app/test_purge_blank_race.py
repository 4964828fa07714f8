"""The purge blanks a record's answers by their positions, read first and written after. A full
record's new attempt replaces its last place, so an attempt written between the purge's read
and its write was overwritten by the older one, blanked: the record's latest attempt (the
delivery, here) was lost (review 293). Each slot is now rewritten only while it holds what was
read."""

from __future__ import annotations

import json
from typing import Any

from app_support import CITY, HUNAN, black_entry
from delivery_support import as_platform, push_and_fan_out, subscribe

from chalicelib.dynamodb.attempts_kept import KEPT
from chalicelib.dynamodb.delivery_excerpts import DeliveryExcerpts


def test_an_attempt_written_while_the_purge_blanks_is_kept(
    aws: Any, gateway: Any, stream: Any, queue: Any, hook: Any
) -> None:
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    sub = subscribe(gateway, hook.url, filters={"source_regions": [CITY]})["subscription_id"]
    hook.answer(410, "gone")
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    assert queue.run() == {"batchItemFailures": []}
    for _ in range(KEPT):
        enabled = as_platform(gateway, hunan, "post", f"/v1/subscriptions/{sub}/enable", b"{}")
        assert enabled.status_code == 200, enabled.json_body
        assert queue.run() == {"batchItemFailures": []}
    table = aws.env["CG_DELIVERIES_TABLE"]
    [item] = [
        i
        for i in aws.dynamodb.scan(TableName=table)["Items"]
        if i.get("subscription_id", {}).get("S") == sub and "attempts" in i
    ]
    assert len(item["attempts"]["L"]) == KEPT
    key = item["delivery_id"]["S"]
    read_by_the_purge = aws.dynamodb.get_item(
        TableName=table, Key={"delivery_id": item["delivery_id"]}
    )["Item"]

    # meanwhile the endpoint is back and the delivery goes through
    hook.answer(204)
    enabled = as_platform(gateway, hunan, "post", f"/v1/subscriptions/{sub}/enable", b"{}")
    assert enabled.status_code == 200, enabled.json_body
    assert queue.run() == {"batchItemFailures": []}

    # the purge's write, from what it read before that attempt
    DeliveryExcerpts(aws.dynamodb, table).blank(key, read_by_the_purge)

    after = aws.dynamodb.get_item(TableName=table, Key={"delivery_id": item["delivery_id"]})["Item"]
    assert after["state"]["S"] == "delivered"
    latest = json.loads(after["attempts"]["L"][-1]["S"])
    assert latest.get("status") == 204, f"the record's latest attempt now reads {latest}"
