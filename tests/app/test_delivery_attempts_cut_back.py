"""A record written before the 50-attempt cap, holding more than 50 attempts (the records the
410-and-enable cycles grew), is cut back to its first 49 and the latest at its next attempt: the
new one was written at position 49, in the middle, and its last attempt, which the view,
progress() and the re-drive selection read as the latest, stayed the stale one (review 293)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from app_support import CITY, HUNAN, black_entry
from delivery_support import as_platform, push_and_fan_out, subscribe


def test_a_legacy_record_longer_than_kept_still_shows_its_latest_attempt_last(
    aws: Any, gateway: Any, stream: Any, queue: Any, hook: Any
) -> None:
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    sub = subscribe(gateway, hook.url, filters={"source_regions": [CITY]})["subscription_id"]
    hook.answer(410, "gone")
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    assert queue.run() == {"batchItemFailures": []}

    table = aws.env["CG_DELIVERIES_TABLE"]
    [item] = [
        i
        for i in aws.dynamodb.scan(TableName=table)["Items"]
        if i.get("subscription_id", {}).get("S") == sub and "attempts" in i
    ]
    # a record grown before the cap: 60 attempts, as an older release kept them
    [first] = item["attempts"]["L"]
    one = json.loads(first["S"])
    at = datetime.fromisoformat(one["at"])
    padded = []
    for n in range(60):
        copy = dict(one, at=(at - timedelta(minutes=60 - n)).isoformat())
        padded.append({"S": json.dumps(copy)})
    aws.dynamodb.update_item(
        TableName=table,
        Key={"delivery_id": item["delivery_id"]},
        UpdateExpression="SET attempts = :a",
        ExpressionAttributeValues={":a": {"L": padded}},
    )

    hook.answer(204)
    enabled = as_platform(gateway, hunan, "post", f"/v1/subscriptions/{sub}/enable", b"{}")
    assert enabled.status_code == 200, enabled.json_body
    assert queue.run() == {"batchItemFailures": []}
    assert len(hook.requests) >= 2

    after = aws.dynamodb.get_item(TableName=table, Key={"delivery_id": item["delivery_id"]})["Item"]
    assert after["state"]["S"] == "delivered"
    kept = [json.loads(a["S"]) for a in after["attempts"]["L"]]
    latest = kept[-1]
    assert latest.get("status") in (200, 204), (
        f"last attempt kept is {latest} of {len(kept)}: the 204 went into the middle"
    )


def test_a_legacy_record_parked_again_is_sent_on_resume(
    aws: Any, gateway: Any, stream: Any, queue: Any, hook: Any
) -> None:
    """A legacy dead letter (60 failed attempts) the operator re-drives while the subscription
    is paused is parked: resume must send it. Its parked attempt went to position 49, the
    last attempt still a 500, so resume (which picks by the last attempt) never sends it."""
    from delivery_support import signed

    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    sub = subscribe(gateway, hook.url, filters={"source_regions": [CITY]})["subscription_id"]
    assert signed(gateway, hunan, "POST", f"/v1/subscriptions/{sub}/pause").status_code == 200
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    assert queue.run() == {"batchItemFailures": []}
    table = aws.env["CG_DELIVERIES_TABLE"]
    [item] = [
        i
        for i in aws.dynamodb.scan(TableName=table)["Items"]
        if i.get("subscription_id", {}).get("S") == sub and "attempts" in i
    ]
    assert item["state"]["S"] == "dead"
    one = json.loads(item["attempts"]["L"][0]["S"])
    one.pop("not_sent", None)
    at = datetime.fromisoformat(one["at"])
    padded = [
        {
            "S": json.dumps(
                dict(
                    one,
                    status=500,
                    response_excerpt="boom",
                    at=(at - timedelta(minutes=60 - n)).isoformat(),
                )
            )
        }
        for n in range(60)
    ]
    aws.dynamodb.update_item(  # as an older release left a much-tried dead letter
        TableName=table,
        Key={"delivery_id": item["delivery_id"]},
        UpdateExpression="SET attempts = :a",
        ExpressionAttributeValues={":a": {"L": padded}},
    )
    did = item["delivery_id"]["S"]
    redriven = gateway.client.http.post(
        f"/v1/subscriptions/{sub}/redrive",
        headers={**gateway.operator(), "content-type": "application/json"},
        body=json.dumps({"delivery_ids": [did]}).encode(),
    )
    assert redriven.status_code in (200, 202), redriven.json_body
    queue.run()  # parked again: still paused
    assert hook.requests == []
    resumed = signed(gateway, hunan, "POST", f"/v1/subscriptions/{sub}/resume")
    assert resumed.status_code == 200, resumed.json_body
    queue.run()
    after = aws.dynamodb.get_item(TableName=table, Key={"delivery_id": item["delivery_id"]})["Item"]
    kept = [json.loads(a["S"]) for a in after["attempts"]["L"]]
    assert len(hook.requests) == 1, (
        f"resume sent nothing (redriven {resumed.json_body.get('redriven')}); "
        f"state {after['state']['S']}, attempt 49 {kept[49]}, last {kept[-1]}"
    )
