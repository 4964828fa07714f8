"""``GET /v1/stats`` reads counters, never a scan: kept by the stream (each record once, however
a retried batch is split), the push ledger, the delivery log and feedback; the one-off rebuild
from the tables gives the same report."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, HUNAN, PROVINCE, black_entry, hunan_recognises_city
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    fan_out_and_deliver,
    fan_out_event,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
    this_month,
)

import app as gateway_app
from chalicelib import bootstrap
from gateway_client.contract import NATION, china_date
from gateway_client.contract.clock import FixedClock


@pytest.fixture
def life(gateway) -> Lifecycle:  # type: ignore[no-untyped-def]
    return Lifecycle(gateway)


class Calls:
    """The DynamoDB operations a block of code makes (botocore's event hook), on its own
    thread: a thread an earlier test left running on the shared client is not this code."""

    def __init__(self) -> None:
        self.operations: list[str] = []
        self.tables: list[tuple[str, str]] = []  # (operation, table)
        self._thread = threading.get_ident()

    def __call__(self, event_name: str, params: dict[str, Any], **_: Any) -> None:
        if threading.get_ident() != self._thread:
            return
        self.operations.append(event_name.rsplit(".", 1)[-1])
        self.tables.append((self.operations[-1], params.get("TableName", "")))

    def scanned(self, aws: Any, *tables: str) -> list[str]:
        names = {aws.env[f"CG_{table.upper()}_TABLE"] for table in tables}
        return [table for operation, table in self.tables if operation == "Scan" and table in names]

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
    hunan_recognises_city(gateway)
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


def raw_counters(aws: Any) -> dict[tuple[str, str], dict[str, int]]:
    """Every counter item's non-zero counters (a live ADD may leave a zero behind)."""
    pages = aws.dynamodb.get_paginator("scan").paginate(
        TableName=aws.env["CG_BATCHES_TABLE"], IndexName="by_stats_bucket"
    )
    found = {}
    for item in (x for page in pages for x in page["Items"]):
        counts = {k: int(v["N"]) for k, v in item.items() if "N" in v and k != "expires_at"}
        if any(counts.values()):
            key = (item["stats_region"]["S"], item["stats_bucket"]["S"])
            found[key] = {k: n for k, n in counts.items() if n}
    return found


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


def rebuild(gateway, query: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return gateway.client.http.post(
        f"/v1/stats/rebuild?{query}", headers=headers or gateway.operator(), body=b"{}"
    )


def run_rebuild(gateway, since: str, limit: int = 500) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """A whole run: the first call with ``since``, then each ``next`` until null."""
    pages = []
    query = f"since={since}&limit={limit}"
    while True:
        reply = rebuild(gateway, query)
        assert reply.status_code == 200, reply.json_body
        pages.append(reply.json_body)
        if reply.json_body["next"] is None:
            return pages
        query = f"after={reply.json_body['next']}&limit={limit}"


def test_the_rebuild_from_the_tables_gives_the_report_the_counters_kept(  # type: ignore[no-untyped-def]
    gateway, aws, stream, life, receiver
):
    busy_month(gateway, aws, stream, life, receiver)
    kept = reports(life)

    pages = run_rebuild(gateway, this_month())

    assert [p["step"] for p in pages] == [
        "clear",
        "listings",
        "batches",
        "uploads",
        "deliveries",
        "feedback",
    ]
    assert sum(p["items"] for p in pages) > 0
    assert reports(life) == kept


def test_a_rebuild_clears_stale_counters_and_resumes_page_by_page(  # type: ignore[no-untyped-def]
    gateway, aws, stream, life, receiver
):
    busy_month(gateway, aws, stream, life, receiver)
    kept, counters = reports(life), raw_counters(aws)
    statistics, now = bootstrap.container().statistics, bootstrap.container().clock.now()
    stale = {
        (CITY, this_month(), "repairs"): 5,  # an item the recount also writes
        ("230902", this_month(), "push#accepted"): 7,  # one no listing or batch accounts for
        (CITY, "now", "black#court_defaulter#serious"): 3,
    }
    statistics.add(stale, now)
    assert reports(life) != kept

    query, retried = f"since={this_month()}&limit=1", []
    while query:
        reply = rebuild(gateway, query).json_body
        if reply["step"] == "listings" and reply["items"] and not retried:
            retried.append(rebuild(gateway, query).json_body)  # a call repeated: added once
        query = f"after={reply['next']}&limit=1" if reply["next"] else ""

    assert [r["items"] for r in retried] == [0]
    assert reports(life) == kept
    assert raw_counters(aws) == counters  # exactly what counting afresh gives


def test_a_rebuild_keeps_the_pushes_of_months_the_batch_ledger_no_longer_holds(  # type: ignore[no-untyped-def]
    gateway, aws, stream
):
    """The ledger keeps a batch 30 days: a month older than that keeps its pushes as counted
    (review 202: a rebuild zeroed them), while its listings are recounted."""
    life = Lifecycle(gateway)
    city = gateway.register_platform(CITY)
    month = this_month()
    assert gateway.push(city, CITY, [recent_entry()]).json_body["accepted"] == 1
    gateway_app.fan_out_changes(stream.event(), None)
    before = life.stats(CITY, month).json_body
    later = datetime.now(UTC) + timedelta(days=40)
    table = aws.env["CG_BATCHES_TABLE"]
    for item in aws.dynamodb.scan(TableName=table)["Items"]:  # what the ledger's TTL deleted
        if "state" in item and int(item["expires_at"]["N"]) < later.timestamp():
            aws.dynamodb.delete_item(TableName=table, Key={"pk": item["pk"]})
    bootstrap.override_clock(FixedClock(later))
    try:
        run_rebuild(gateway, china_date(later).strftime("%Y-%m"))
        after = life.stats(CITY, month).json_body
    finally:
        bootstrap.override_clock(None)

    assert (before["pushes"]["batches"], before["pushes"]["accepted"]) == (1, 1)
    assert (after["pushes"], after["publication"]) == (before["pushes"], before["publication"])


def test_a_rebuild_since_a_later_month_is_refused_and_keeps_every_counter(  # type: ignore[no-untyped-def]
    gateway, aws, stream, life, receiver
):
    busy_month(gateway, aws, stream, life, receiver)
    kept, counters = reports(life), raw_counters(aws)

    refused = rebuild(gateway, f"since={add_months(china_today(), 1).strftime('%Y-%m')}")

    assert refused.status_code == 400
    assert (refused.json_body["error"]["code"], refused.json_body["error"]["path"]) == (
        "future_month",
        "since",
    )
    assert reports(life) == kept
    assert raw_counters(aws) == counters


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("", "since"),
        ("since=2026-13", "since"),
        ("after=not-a-token", "after"),
        ("since=2026-01&limit=0", "limit"),
    ],
)
def test_a_bad_rebuild_call_is_400_naming_the_field(gateway, query, path):  # type: ignore[no-untyped-def]
    reply = rebuild(gateway, query)

    assert reply.status_code == 400
    assert reply.json_body["error"]["path"] == path


def test_a_rebuild_page_keeps_its_run_s_month(gateway):  # type: ignore[no-untyped-def]
    first = rebuild(gateway, "since=2026-01").json_body

    reply = rebuild(gateway, f"since=2026-02&after={first['next']}")

    assert reply.status_code == 400
    assert reply.json_body["error"]["path"] == "since"


def test_a_rebuild_page_keeps_its_run_s_page_size(gateway):  # type: ignore[no-untyped-def]
    """A page retried with a larger size would find the first size's markers and skip the
    rest of its items: the size is fixed when the run starts."""
    first = rebuild(gateway, "since=2026-01&limit=2").json_body

    resized = rebuild(gateway, f"limit=3&after={first['next']}")
    same = rebuild(gateway, f"limit=2&after={first['next']}")
    unsaid = rebuild(gateway, f"after={first['next']}")

    assert (resized.status_code, resized.json_body["error"]["path"]) == (400, "limit")
    assert (same.status_code, unsaid.status_code) == (200, 200)


def test_a_clear_page_is_refused_once_its_run_counts(gateway, aws, stream, life, receiver):  # type: ignore[no-untyped-def]
    """Clearing writes no markers: a clear page called again after counting began would
    empty what was recounted, so the run refuses it and the counters stay as counted."""
    busy_month(gateway, aws, stream, life, receiver)
    query, clear_tokens = f"since={this_month()}&limit=1", []
    while query:
        reply = rebuild(gateway, query).json_body
        if reply["step"] == "clear" and reply["next"]:
            clear_tokens.append(reply["next"])
        query = f"after={reply['next']}&limit=1" if reply["next"] else ""
    counted = raw_counters(aws)

    replayed = rebuild(gateway, f"after={clear_tokens[0]}&limit=1")

    assert (replayed.status_code, replayed.json_body["error"]["path"]) == (400, "after")
    assert raw_counters(aws) == counted


def test_a_run_resumed_after_a_day_is_refused(gateway):  # type: ignore[no-untyped-def]
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    bootstrap.override_clock(clock)
    first = rebuild(gateway, "since=2026-01").json_body
    clock.advance(timedelta(days=1, minutes=1))

    reply = rebuild(gateway, f"after={first['next']}")

    assert reply.status_code == 400
    assert reply.json_body["error"]["path"] == "after"


def test_a_platform_may_not_rebuild(gateway):  # type: ignore[no-untyped-def]
    city = gateway.register_platform(CITY)

    reply = gateway.post_signed("/v1/stats/rebuild?since=2026-01", city, "r-1", b"{}")

    assert reply.status_code in (401, 403)


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


def delivered_to_hunan(gateway, aws, stream, receiver):  # type: ignore[no-untyped-def]
    """湖南, recognising 七台河's listings, and the delivery of one to it."""
    gateway.put_region(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    hunan_recognises_city(gateway)
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    gateway.push(city, CITY, [black_entry()])
    [delivery] = fan_out_and_deliver(aws, stream)
    return hunan, delivery


def test_a_report_sent_again_for_a_delivery_replaces_the_first_in_the_counts(  # type: ignore[no-untyped-def]
    gateway, aws, stream, life, receiver
):
    hunan, delivery = delivered_to_hunan(gateway, aws, stream, receiver)

    sent = [life.post_feedback(hunan, delivery.delivery_id).status_code for _ in range(3)]
    body = json.loads(feedback_body(delivery.delivery_id, china_today().isoformat()))
    body["measures"][0]["department"] = "湖南省市场监督管理局"  # another report: a replacement
    changed = gateway.post_signed("/v1/feedback", hunan, None, json.dumps(body).encode())

    assert sent == [201, 200, 200]  # the same report again: a retry
    assert changed.status_code == 201, changed.json_body

    stats = life.stats(CITY, this_month()).json_body
    assert [(f["deliveries"], f["with_feedback"]) for f in stats["feedback"]] == [(1, 1)]
    assert stats["cases"]["total"] == 1
    assert stats["cases"]["by_sector"] == {"court_defaulter": 1}


TO_PROVINCE = {"rules": [{"rule": "court-to-province", "target": PROVINCE, "within_hours": 24}]}


def test_upward_shares_come_from_counters_kept_from_the_stream(  # type: ignore[no-untyped-def]
    gateway, aws, stream, life, receiver
):
    gateway.configure(upward_reporting=json.dumps(TO_PROVINCE))
    gateway.put_region(PROVINCE)
    assert gateway.subscribe_as_operator(region=PROVINCE, url=receiver.url).status_code == 201
    city = gateway.register_platform(CITY)
    gateway.push(city, CITY, [black_entry(), recent_entry(decision_number="(2026)黑09执8号")])
    fan_out_and_deliver(aws, stream)  # the province acknowledges both listings

    def upward() -> list[Any]:
        return [life.stats(r, this_month()).json_body["upward"] for r in (CITY, PROVINCE)]

    due = {"due": 2, "reported_on_time": 0, "late": 0, "missing": 0, "pending": 2}
    assert [[{k: u[k] for k in due} for u in lines] for lines in upward()] == [[due], [due]]

    fan_out_event(aws, stream.event())  # the listings' arrival records reach the counters
    with Calls() as calls:
        lines = upward()

    assert calls.scanned(aws, "listings", "deliveries", "feedback", "batches") == []
    assert "Query" in calls.operations  # the counters, read on this thread
    on_time = {**due, "reported_on_time": 2, "pending": 0}
    assert [[{k: u[k] for k in due} for u in line] for line in lines] == [[on_time], [on_time]]
    assert lines[0][0]["share"] == 1.0
    assert life.stats(HUNAN, this_month()).json_body["upward"] == []

    run_rebuild(gateway, this_month())
    assert upward() == lines


def test_a_rule_named_after_the_deliveries_is_counted_once_rebuilt(  # type: ignore[no-untyped-def]
    gateway, aws, stream, life, receiver
):
    gateway.put_region(PROVINCE)
    assert gateway.subscribe_as_operator(region=PROVINCE, url=receiver.url).status_code == 201
    city = gateway.register_platform(CITY)
    gateway.push(city, CITY, [black_entry()])
    fan_out_and_deliver(aws, stream)
    gateway.configure(upward_reporting=json.dumps(TO_PROVINCE))

    run_rebuild(gateway, this_month())
    [missing] = life.stats(CITY, this_month()).json_body["upward"]
    fan_out_event(aws, stream.event())  # the arrivals the rebuild noted, counted by the stream
    [counted] = life.stats(CITY, this_month()).json_body["upward"]

    assert (missing["due"], missing["reported_on_time"], missing["pending"]) == (1, 0, 1)
    assert (counted["due"], counted["reported_on_time"], counted["share"]) == (1, 1, 1.0)


def test_a_run_begun_twice_goes_on_as_the_later_run_alone(gateway, aws, stream, life, receiver):  # type: ignore[no-untyped-def]
    """A first call sent twice (its answer lost) begins two runs: the earlier one's pages
    would count into what the later one cleared, so they are refused and change nothing."""
    busy_month(gateway, aws, stream, life, receiver)
    kept = reports(life)
    earlier = rebuild(gateway, f"since={this_month()}&limit=1").json_body
    later = rebuild(gateway, f"since={this_month()}&limit=1").json_body
    before = raw_counters(aws)

    refused = rebuild(gateway, f"after={earlier['next']}")

    assert refused.status_code == 409
    error = refused.json_body["error"]
    assert (error["code"], error["path"]) == ("stats_rebuild_superseded", "after")
    assert raw_counters(aws) == before
    query = f"after={later['next']}"
    while query:
        reply = rebuild(gateway, query)
        assert reply.status_code == 200, reply.json_body
        query = f"after={reply.json_body['next']}" if reply.json_body["next"] else ""
    assert reports(life) == kept


def test_a_purge_years_on_remakes_no_month_its_counters_outlived(gateway, aws, stream, life):  # type: ignore[no-untyped-def]
    """A month's counters are kept three years (TTL); a person's listing is purged five years
    after it ended, and its decrements must not make the month again holding them alone, all
    negative (review 96 F3); the month is no longer answered at all (review 372)."""
    city = gateway.register_platform(CITY)
    person = recent_entry(
        credit_code=PERSON_CODE,
        subject_name="黄某某",
        conduct_ended_on=(china_today() - timedelta(days=10)).isoformat(),
    )
    pushed(gateway, city, CITY, person)
    removed = push_with_removals(gateway, city, CITY, [removal_of(person, "revoked")])
    assert removed.json_body["removed"] == 1, removed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    month = this_month()
    assert life.stats(CITY, month).json_body["publication"]["listings"] == 1
    purge_at = china_noon(add_months(china_today(), 60) + timedelta(days=1))
    table = aws.env["CG_BATCHES_TABLE"]
    for item in aws.dynamodb.scan(TableName=table)["Items"]:  # what the TTL has deleted by then
        if item["pk"]["S"].startswith(f"stats#{month}#"):
            assert int(item["expires_at"]["N"]) < purge_at.timestamp()
            aws.dynamodb.delete_item(TableName=table, Key={"pk": item["pk"]})

    assert life.tick(purge_at).json_body["purged"] == 1
    bootstrap.override_clock(FixedClock(purge_at))  # the purge's changes fanned out then
    gateway_app.fan_out_changes(stream.event(), None)

    items = aws.dynamodb.scan(TableName=table)["Items"]
    assert [i["pk"]["S"] for i in items if i["pk"]["S"].startswith(f"stats#{month}#")] == []
    report = life.stats(CITY, month)
    assert (report.status_code, report.json_body["error"]["code"]) == (400, "month_not_kept")


def feedback_body(delivery_id: str, day: str) -> bytes:
    measure = {
        "measure_id": "key_supervision",
        "department": "各行业主管部门",
        "executed_on": day,
        "result": "executed",
    }
    body = {"delivery_id": delivery_id, "measures": [measure]}
    return json.dumps(body, ensure_ascii=False).encode()


def test_an_identical_report_resent_next_month_keeps_the_first_month_s_case_and_answer(
    gateway, aws, stream, life, receiver
):
    """A retry is no replacement: the kept report stays, and so do its counts in the month
    it was first sent (review 96 F1)."""
    hunan, delivery = delivered_to_hunan(gateway, aws, stream, receiver)
    month = this_month()
    body = feedback_body(delivery.delivery_id, china_today().isoformat())
    first = gateway.post_signed("/v1/feedback", hunan, None, body)
    assert first.status_code == 201, first.json_body
    before = life.stats(CITY, month).json_body
    assert before["cases"]["total"] == 1
    assert [f["with_feedback"] for f in before["feedback"]] == [1]

    later = datetime.now(UTC) + timedelta(days=40)  # next Beijing month
    bootstrap.override_clock(FixedClock(later))
    again = gateway.post_signed("/v1/feedback", hunan, None, body, now=later)  # a retry, same body
    assert again.status_code == 200, again.json_body
    assert again.json_body == first.json_body  # the report kept, unchanged

    after = life.stats(CITY, month).json_body
    assert after["cases"]["total"] == 1, after["cases"]  # the case was executed and reported then
    assert [f["with_feedback"] for f in after["feedback"]] == [1], after["feedback"]


def test_an_answer_next_month_counts_for_the_month_of_its_delivery_live_and_rebuilt(
    gateway, aws, stream, life, receiver
):
    """The feedback rate is a month's deliveries' share answered, whenever the answer came
    (review 138 F2: one delivered on the 30th and answered on the 3rd was counted nowhere); a
    rebuild since the answer's month keeps the delivery's month as counted, not twice."""
    hunan, delivery = delivered_to_hunan(gateway, aws, stream, receiver)
    month = this_month()
    later = datetime.now(UTC) + timedelta(days=40)  # next Beijing month
    bootstrap.override_clock(FixedClock(later))
    try:
        body = feedback_body(delivery.delivery_id, china_date(later).isoformat())
        sent = gateway.post_signed("/v1/feedback", hunan, None, body, now=later)
        assert sent.status_code == 201, sent.json_body
        rates = [life.stats(CITY, month).json_body["feedback"]]
        run_rebuild(gateway, china_date(later).strftime("%Y-%m"))
        rates.append(life.stats(CITY, month).json_body["feedback"])
        run_rebuild(gateway, month)
        rates.append(life.stats(CITY, month).json_body["feedback"])
    finally:
        bootstrap.override_clock(None)

    assert [[(f["deliveries"], f["with_feedback"]) for f in r] for r in rates] == [[(1, 1)]] * 3
