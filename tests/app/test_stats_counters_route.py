"""``GET /v1/stats`` reads counters, never a scan: kept by the stream (each record once, however
a retried batch is split), the push ledger, the delivery log and feedback; the one-off rebuild
from the tables gives the same report."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, HUNAN, PROVINCE, black_entry
from lifecycle_support import (
    Lifecycle,
    fan_out_and_deliver,
    fan_out_event,
    recent_entry,
    this_month,
)

import app as gateway_app
from chalicelib import bootstrap
from gateway_client.contract import NATION


@pytest.fixture
def life(gateway) -> Lifecycle:  # type: ignore[no-untyped-def]
    return Lifecycle(gateway)


class Calls:
    """The DynamoDB operations a block of code makes (botocore's event hook)."""

    def __init__(self) -> None:
        self.operations: list[str] = []

    def __call__(self, event_name: str, **_: Any) -> None:
        self.operations.append(event_name.rsplit(".", 1)[-1])

    def __enter__(self) -> Calls:
        client = bootstrap.container().aws_clients["dynamodb"]
        client.meta.events.register("before-parameter-build.dynamodb", self)
        return self

    def __exit__(self, *_: object) -> None:
        client = bootstrap.container().aws_clients["dynamodb"]
        client.meta.events.unregister("before-parameter-build.dynamodb", self)


def busy_month(gateway, aws, stream, life, receiver) -> None:  # type: ignore[no-untyped-def]
    """Pushes, an objection, a repair, deliveries and feedback: every kind of counter."""
    gateway.put_region(HUNAN)
    made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert made.status_code == 201
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    first = recent_entry(decision_number="(2026)黑09执1号")
    second = recent_entry(decision_number="(2026)黑09执2号")
    general = recent_entry(days_ago=125, severity="general", decision_number="(2026)黑09执3号")
    pushed = gateway.push(city, CITY, [first, second, general]).json_body
    ids = [o["listing_id"] for o in pushed["outcomes"]]
    assert life.file_objection(CREDIT_CODE, ids[0], "obj-1", city).status_code == 201
    assert life.repair(city, CREDIT_CODE, ids[2]).status_code == 200
    deliveries = fan_out_and_deliver(aws, stream)
    for delivery in deliveries[:2]:
        assert life.post_feedback(hunan, delivery.delivery_id).status_code == 201


def reports(life: Lifecycle) -> list[dict[str, Any]]:
    return [life.stats(r, this_month()).json_body for r in (CITY, PROVINCE, HUNAN, NATION)]


def test_the_report_queries_counters_and_scans_nothing(  # type: ignore[no-untyped-def]
    gateway, aws, stream, life, receiver
):
    busy_month(gateway, aws, stream, life, receiver)

    with Calls() as calls:
        replies = [life.stats(r, this_month()) for r in (CITY, PROVINCE, NATION)]

    assert [r.status_code for r in replies] == [200, 200, 200]
    assert "Scan" not in calls.operations
    assert "Query" in calls.operations
    city = replies[0].json_body
    assert city["pushes"]["accepted"] == 3
    assert city["active_black"] == {"court_defaulter": {"serious": 1}}
    assert city["objections"]["opened"] == 1
    assert city["repairs"] == 1
    assert [f["with_feedback"] for f in city["feedback"]] == [2]
    assert replies[1].json_body == {**city, "region": PROVINCE}
    nation = replies[2].json_body  # the same counts; the nation's pilots are judged besides
    assert {**nation, "cases": None} == {**city, "region": NATION, "cases": None}
    assert nation["cases"]["total"] == city["cases"]["total"] == 2


def test_the_rebuild_from_the_tables_gives_the_report_the_counters_kept(  # type: ignore[no-untyped-def]
    gateway, aws, stream, life, receiver
):
    busy_month(gateway, aws, stream, life, receiver)
    kept = reports(life)

    rebuilt = life.gateway.client.http.post(
        f"/v1/stats/rebuild?since={this_month()}", headers=gateway.operator(), body=b"{}"
    )

    assert rebuilt.status_code == 200
    assert rebuilt.json_body["items"] > 0
    assert reports(life) == kept


def test_a_retried_stream_batch_counts_each_change_once(  # type: ignore[no-untyped-def]
    gateway, aws, stream, life
):
    city = gateway.register_platform(CITY)
    gateway.push(city, CITY, [black_entry()])
    gateway.push(city, CITY, [recent_entry(decision_number="(2026)黑09执7号")])
    event = stream.event()
    assert len(event["Records"]) == 2

    fan_out_event(aws, {"Records": event["Records"][:1]})  # a first attempt, cut short
    fan_out_event(aws, event)  # Lambda's retry of the whole batch
    gateway_app.fan_out_changes(event, None)  # and once more

    stats = life.stats(CITY, this_month()).json_body
    assert sum(stats["active_black"]["court_defaulter"].values()) == 2
    assert stats["publication"]["listings"] == 2


def test_a_bisected_and_redriven_batch_counts_each_change_once_with_no_marker_of_its_own(  # type: ignore[no-untyped-def]
    gateway, aws, stream, life
):
    city = gateway.register_platform(CITY)
    for number in range(1, 5):
        gateway.push(city, CITY, [recent_entry(decision_number=f"(2026)黑09执{number}号")])
    event = stream.event()
    records = event["Records"]
    assert len(records) == 4

    fan_out_event(aws, {"Records": records[:3]})  # the first attempt failed after these
    fan_out_event(aws, {"Records": records[:2]})  # Lambda's halves
    fan_out_event(aws, {"Records": records[2:]})
    fan_out_event(aws, {"Records": records[1:3]})  # the operator's re-drive of a range

    stats = life.stats(CITY, this_month()).json_body
    assert sum(stats["active_black"]["court_defaulter"].values()) == 4
    assert stats["publication"]["listings"] == 4
    table = aws.env["CG_BATCHES_TABLE"]
    keys = [i["pk"]["S"] for i in aws.dynamodb.scan(TableName=table)["Items"]]
    assert not [k for k in keys if k.startswith("stats#seen#")]  # the log's index guarded them


def test_another_region_s_statistics_stay_refused(gateway, life):  # type: ignore[no-untyped-def]
    hunan = gateway.register_platform(HUNAN)

    reply = life.stats(CITY, this_month(), hunan)

    assert reply.status_code == 403
    assert reply.json_body["error"]["code"] == "region_mismatch"


def test_a_report_sent_again_for_a_delivery_replaces_the_first_in_the_counts(  # type: ignore[no-untyped-def]
    gateway, aws, stream, life, receiver
):
    gateway.put_region(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    gateway.push(city, CITY, [black_entry()])
    [delivery] = fan_out_and_deliver(aws, stream)

    for _ in range(3):
        assert life.post_feedback(hunan, delivery.delivery_id).status_code == 201

    stats = life.stats(CITY, this_month()).json_body
    assert [(f["deliveries"], f["with_feedback"]) for f in stats["feedback"]] == [(1, 1)]
    assert stats["cases"]["total"] == 1
    assert stats["cases"]["by_sector"] == {"court_defaulter": 1}
