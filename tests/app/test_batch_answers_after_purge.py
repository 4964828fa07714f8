"""An endpoint that refuses a batch may echo what the file held — a person's name. The purge
reaches records by listing, which a batch's record is not: so a batch keeps such answers only
while it is retried, a dead batch's line records keep its status but not its answer (it may
name another line's person), and a batch whose subscription is deleted while it is retried
forgets them at once. After the person's purge, no item of the deliveries table names them."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from app_support import CITY, PROVINCE
from delivery_support import Reply, as_operator, subscribe
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    push_with_removals,
    recent_entry,
    removal_of,
)

import app as gateway_app
from gateway_client.contract import BATCH_EVENT

NAME = "黄某某"


def _echoing_the_file(aws: Any) -> Any:
    """Fetch the announced file and refuse it, naming its subjects."""

    def reply(received: Any) -> Reply:
        body = json.loads(received.body)
        if body.get("type") != BATCH_EVENT:
            return Reply(204)
        bucket = aws.env["CG_ARCHIVE_BUCKET"]
        key = unquote(urlsplit(body["url"]).path).lstrip("/").removeprefix(f"{bucket}/")
        lines = aws.s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()
        names = [json.loads(x)["data"]["listing"]["subject_name"] for x in lines if x.strip()]
        return Reply(422, "rejected lines for: " + ", ".join(names))

    return reply


def _naming(aws: Any) -> list[str]:
    items = aws.dynamodb.scan(TableName=aws.env["CG_DELIVERIES_TABLE"])["Items"]
    return [
        i["delivery_id"]["S"]
        for i in items
        if NAME in json.dumps(i, ensure_ascii=False, default=repr)
    ]


def _refused_batch(gateway, aws, stream, queue, hook, schedule):  # type: ignore[no-untyped-def]
    """A person's listing and a company's (naming nobody) in one batch the endpoint refuses;
    the subscription, the city's signer and the person's entry."""
    gateway.put_region(PROVINCE)
    hook.reply = _echoing_the_file(aws)
    mine = subscribe(
        gateway, hook.url, region=PROVINCE, delivery_mode="batched", retry_schedule_seconds=schedule
    )
    city = gateway.register_platform(CITY)
    ended_on = (china_today() - timedelta(days=10)).isoformat()
    person = recent_entry(credit_code=PERSON_CODE, subject_name=NAME, conduct_ended_on=ended_on)
    company = recent_entry(decision_number="(2026)黑09执8号")
    assert gateway.push(city, CITY, [person, company]).json_body["accepted"] == 2
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    assert len(hook.requests) == 1
    return mine, city, person


def _purged(gateway, stream, city, person) -> None:  # type: ignore[no-untyped-def]
    ended = push_with_removals(gateway, city, CITY, [removal_of(person, "revoked")])
    assert ended.json_body["removed"] == 1, ended.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    tick = Lifecycle(gateway).tick(china_noon(add_months(china_today(), 60) + timedelta(days=1)))
    assert tick.json_body["purged"] == 1, tick.json_body
    gateway_app.fan_out_changes(stream.event(), None)


def test_a_dead_batchs_lines_keep_no_answer_naming_another_lines_person(
    gateway, aws, stream, queue, hook
):
    _, city, person = _refused_batch(gateway, aws, stream, queue, hook, [0])
    for _ in range(2):  # refused until dead
        queue.run()

    _purged(gateway, stream, city, person)

    assert _naming(aws) == []


def test_a_batch_whose_subscription_is_deleted_while_retried_forgets_its_answers(
    gateway, aws, stream, queue, hook
):
    mine, city, person = _refused_batch(gateway, aws, stream, queue, hook, [1, 1])
    assert _naming(aws), "the failed attempt's answer is kept while the batch is retried"
    gone = as_operator(gateway, "delete", f"/v1/subscriptions/{mine['subscription_id']}")
    assert gone.status_code == 200, gone.json_body
    time.sleep(1.5)  # the batch's message comes back, for a subscription that is gone
    queue.run()

    assert len(hook.requests) == 1  # not sent again
    assert _naming(aws) == []
    _purged(gateway, stream, city, person)
    assert _naming(aws) == []
