"""A month whose counters are past their keep (1,096 days from its first day, when DynamoDB's
TTL deletes their items) is refused at ``month`` (400 ``month_not_kept``): answered, it read as
a month with nothing in it, or, while its usage items outlived the rest, as part of one
(review 372). Up to the keep's last moment it is answered as ever."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app_support import CITY
from lifecycle_support import Lifecycle, china_today, pushed, recent_entry

import app as gateway_app
from chalicelib import bootstrap
from gateway_client.contract.clock import CHINA, FixedClock


def _expired(aws: Any, now: datetime) -> None:
    """What DynamoDB's TTL does to the batches table by ``now`` (moto never deletes)."""
    table = aws.env["CG_BATCHES_TABLE"]
    for item in aws.dynamodb.scan(TableName=table)["Items"]:
        if "expires_at" in item and int(item["expires_at"]["N"]) < now.timestamp():
            aws.dynamodb.delete_item(TableName=table, Key={"pk": item["pk"]})


def test_a_month_past_its_counters_keep_is_refused_not_answered_empty(  # type: ignore[no-untyped-def]
    gateway, aws, stream
) -> None:
    life = Lifecycle(gateway)
    city = gateway.register_platform(CITY)
    pushed(gateway, city, CITY, recent_entry(days_ago=0, decision_number="(2026)黑09执372号"))
    gateway_app.fan_out_changes(stream.event(), None)
    first = china_today().replace(day=1)
    month = first.strftime("%Y-%m")
    start = datetime(first.year, first.month, 1, tzinfo=CHINA)

    replies = []
    for at in (start + timedelta(days=1096), start + timedelta(days=1096, seconds=1)):
        bootstrap.override_clock(FixedClock(at))
        try:
            _expired(aws, at)
            replies.append(life.stats(CITY, month))
        finally:
            bootstrap.override_clock(None)

    kept, gone = replies
    assert kept.status_code == 200, kept.json_body
    assert kept.json_body["pushes"]["accepted"] == 1, kept.json_body["pushes"]
    error = gone.json_body["error"]
    assert (gone.status_code, error["code"], error["path"]) == (400, "month_not_kept", "month")
