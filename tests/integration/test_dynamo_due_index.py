"""The due-date indexes on DynamoDB (moto): the tick expires and purges only what they say is
due, a page at a time, stops when its budget is spent and goes on at the next run; the overdue
list pages with a cursor; the backfill dates listings stored before the indexes; and none of
it ever scans the table."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from integration_support import REGION, listing

from chalicelib.dynamodb.due_index import due_shard
from chalicelib.dynamodb.listings import DynamoListings
from chalicelib.dynamodb.registry import DynamoRegistry
from chalicelib.dynamodb.sealed_tokens import Sealer
from chalicelib.s3_archive import S3Archive
from gateway.lifecycle import tick as tick_module
from gateway.lifecycle.due import DueDates
from gateway.lifecycle.objection_policies import shipped_policies
from gateway.lifecycle.overdue_lists import OverdueLists
from gateway.lifecycle.service import LifecycleService
from gateway.lifecycle.workdays import WorkdayCalendar
from gateway_client.contract import FixedClock, Listing, Objection, SchemaError, china_date

PERSON = "11010519491231002X"
TICK_AT = datetime(2029, 6, 1, 2, 0, tzinfo=UTC)  # 2029-06-01 in Beijing
DATES = DueDates(retention_years=5, evidence_days=365)


@pytest.fixture
def store(aws: Any) -> DynamoListings:
    """The adapter, with Scan refused on its client: a periodic path that scans fails."""

    def refuse(**_: Any) -> None:
        raise AssertionError("Scan called")

    aws.dynamodb.meta.events.register("before-call.dynamodb.Scan", refuse, "no-scan")
    yield DynamoListings(aws.dynamodb, aws.env["CG_LISTINGS_TABLE"], DATES)
    aws.dynamodb.meta.events.unregister("before-call.dynamodb.Scan", unique_id="no-scan")


def service(aws: Any, store: DynamoListings, at: datetime = TICK_AT) -> LifecycleService:
    return LifecycleService(
        store,
        S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"]),
        FixedClock(at),
        shipped_policies(),
        WorkdayCalendar(),
        DATES.retention_years,
        DynamoRegistry(aws.dynamodb, aws.env["CG_REGISTRY_TABLE"]),
        evidence_days=DATES.evidence_days,
    )


def numbered(n: int, **fields: Any) -> Listing:
    return listing(decision_number=f"(2024)黑09执{n}号", **fields)


def stored(store: DynamoListings, *items: Listing) -> list[Listing]:
    assert store.write([(x, None) for x in items], REGION) == {x.listing_id for x in items}
    return list(items)


def statuses(store: DynamoListings, items: list[Listing]) -> dict[str, str]:
    held = store.current([(x.credit_code, x.listing_id) for x in items])
    return {lid: x.status.value for lid, x in held.items()}


def test_the_tick_expires_only_what_is_due_in_pages_and_goes_on_after_its_budget(
    aws, store, monkeypatch
):
    monkeypatch.setattr(tick_module, "PAGE", 3)
    # periods within the two years a court defaulter is listed (a longer one ends at two)
    due = stored(
        store, *(numbered(n, valid_from="2027-05-02", valid_until="2029-05-01") for n in range(7))
    )
    later = stored(
        store,
        *(numbered(n, valid_from="2029-01-02", valid_until="2031-01-01") for n in range(7, 12)),
    )
    calls = iter(range(100))
    budget = lambda: next(calls) >= 4  # noqa: E731 - four listings, then the time is up

    first = service(aws, store).tick(budget)
    between = statuses(store, due)
    second = service(aws, store).tick()
    third = service(aws, store).tick()

    assert (first.expired, first.more_due) == (4, True)
    assert sorted(between.values()) == ["active"] * 3 + ["expired"] * 4
    assert (second.expired, second.more_due) == (3, False)
    assert set(statuses(store, due).values()) == {"expired"}
    assert set(statuses(store, later).values()) == {"active"}
    assert third.expired == 0
    assert store.pending(china_date(TICK_AT), None, 100) == ([], None)


def test_the_tick_purges_a_persons_listing_once_retention_and_evidence_allow(aws, store):
    person = numbered(
        1,
        credit_code=PERSON,
        subject_name="张某某",
        valid_until="2024-06-01",
        conduct_ended_on=None,
    )
    company = numbered(2, valid_until="2024-06-01")
    stored(store, person, company)
    expiry = datetime(2024, 6, 2, 2, 0, tzinfo=UTC)

    expired = service(aws, store, expiry).tick()
    too_early = service(aws, store, expiry + timedelta(days=365 * 5 - 2)).tick()
    purged = service(aws, store, expiry + timedelta(days=365 * 5 + 2)).tick()

    assert expired.expired == 2
    assert too_early.purged == 0
    assert purged.purged == 1
    assert statuses(store, [person, company]) == {company.listing_id: "expired"}
    assert store.pending(china_date(TICK_AT), None, 100) == ([], None)  # the company's: none


def objected(n: int, deadline: date) -> Listing:
    filed = datetime(2029, 4, 1, 2, 0, tzinfo=UTC)
    objection = Objection(
        objection_id=f"obj-{n}",
        filed_at=filed,
        filed_by=REGION,
        reason="信息有误",
        deadline=deadline,
        deadline_basis="20 calendar days from the filing",
        suspends=False,
        notified_at=filed,
    )
    return numbered(n, valid_until="2031-01-01").model_copy(update={"objection": objection})


def test_overdue_objections_page_through_the_index_with_a_cursor(aws, store):
    late = stored(store, *(objected(n, date(2029, 4, 21)) for n in range(5)))
    stored(store, *(objected(n, date(2029, 7, 1)) for n in range(5, 8)))  # not yet
    lifecycle = OverdueLists(store, FixedClock(TICK_AT))

    pages, after, cursors = [], None, []
    while True:
        page, after = lifecycle.objections(after, 2)
        pages.append(page)
        if after is None:
            break
        cursors.append(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode())

    assert len(pages) >= 3  # 2 a page
    assert sorted(x["listing_id"] for page in pages for x in page) == sorted(
        x.listing_id for x in late
    )
    assert {x["step"] for page in pages for x in page} == {"decision"}
    assert not any(late[0].credit_code in cursor for cursor in cursors)  # a day and an id only


def test_a_cursor_from_a_later_day_ends_its_shard_and_a_forged_one_is_refused(aws, store):
    held = stored(store, *(objected(n, date(2029, 4, 21)) for n in range(6)))
    later = cursor({"shard": 0, "from": "2030-01-01#lst_0"})

    found = store.late(date(2029, 6, 1), later, 10)[0]
    assert sorted(x.listing_id for x in found) == sorted(
        x.listing_id for x in held if due_shard(x.listing_id) != "00"
    )
    for bad in (
        "x",
        "bnVsbA",  # null
        cursor({"shard": 99, "from": None}),
        cursor({"shard": 1, "from": "2029-01-01#' OR 1=1"}),
        cursor({"shard": 1, "from": "2029-01-01"}),
    ):
        with pytest.raises(SchemaError) as refused:
            store.late(date(2029, 6, 1), bad, 10)
        assert refused.value.context["path"] == "after"


def cursor(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


def test_the_backfill_dates_listings_stored_before_the_indexes_once(aws, store):
    held = stored(store, *(numbered(n, valid_until="2029-05-01") for n in range(4)))
    for item in held:  # as an earlier version of the gateway stored them
        aws.dynamodb.update_item(
            TableName=aws.env["CG_LISTINGS_TABLE"],
            Key={"credit_code": {"S": item.credit_code}, "listing_id": {"S": item.listing_id}},
            UpdateExpression="REMOVE due_on, late_on, due_shard",
        )
    today = china_date(TICK_AT)
    unseen = store.pending(today, None, 100)
    aws.dynamodb.meta.events.unregister("before-call.dynamodb.Scan", unique_id="no-scan")

    runs = []
    tokens = Sealer(lambda: b"k" * 32, b"test backfill")
    cursors: list[str] = []
    for _ in range(2):
        updated, after = store.backfill_due(tokens, None, 3)
        while after is not None:
            cursors.append(after)
            more, after = store.backfill_due(tokens, after, 3)
            updated += more
        runs.append(updated)

    assert cursors  # the pages' cursors hold no credit code, and a forged one is refused
    assert not any(
        x.credit_code in base64.urlsafe_b64decode(c + "==").decode(errors="replace")
        for c in cursors
        for x in held
    )
    with pytest.raises(SchemaError):
        store.backfill_due(tokens, cursor({"key": {"credit_code": "x", "listing_id": "y"}}), 3)
    assert unseen == ([], None)
    assert runs == [4, 0]
    assert sorted(x.listing_id for x in store.pending(today, None, 100)[0]) == sorted(
        x.listing_id for x in held
    )


def test_a_rescheduled_listing_keeps_the_index_key_its_cursor_reads_back(aws, store):
    items = stored(store, *(numbered(n, valid_until="2031-01-01") for n in range(40)))
    by_shard: dict[str, list[Listing]] = {}
    for x in items:
        by_shard.setdefault(due_shard(x.listing_id), []).append(x)
    same = max(by_shard.values(), key=len)
    day = date(2030, 1, 1)
    for x in same:  # what the tick does to a due listing that needed no write
        assert store.reschedule(store.current([(x.credit_code, x.listing_id)])[x.listing_id], day)

    seen: set[str] = set()
    page, after = store.pending(day, None, 1)
    while True:
        seen |= {x.listing_id for x in page}
        if after is None:
            break
        page, after = store.pending(day, after, 1)

    assert {x.listing_id for x in same} <= seen


def test_a_cursor_too_long_or_nested_too_deep_is_a_400_not_a_crash(aws, store):
    deep = base64.urlsafe_b64encode(b"[" * 3000).decode()

    for after in (deep, "A" * 5000):
        with pytest.raises(SchemaError):
            store.pending(date(2030, 1, 1), after, 10)


def test_the_backfill_gives_a_listing_moved_before_moves_did_its_owner_s_provenance(aws, store):
    """A listing the operator gave to another region kept the old chain's provenances before
    moves set them, and its new owner's resync never found it (review 141): the backfill sets
    them to the ones within the owner's chain — the relaying province kept — once."""
    moved, relayed = stored(store, numbered(1), numbered(2))
    table = aws.env["CG_LISTINGS_TABLE"]
    for item, held in ((moved, ["410184"]), (relayed, ["230000", "410184"])):
        aws.dynamodb.update_item(
            TableName=table,
            Key={"credit_code": {"S": item.credit_code}, "listing_id": {"S": item.listing_id}},
            UpdateExpression="SET provenances = :p",
            ExpressionAttributeValues={":p": {"SS": held}},
        )
    aws.dynamodb.meta.events.unregister("before-call.dynamodb.Scan", unique_id="no-scan")
    tokens = Sealer(lambda: b"k" * 32, b"test backfill")

    runs = [store.backfill_due(tokens, None, 10)[0] for _ in range(2)]

    held = store.current([(x.credit_code, x.listing_id) for x in (moved, relayed)])
    assert held[moved.listing_id].provenances == (REGION,)
    assert held[relayed.listing_id].provenances == ("230000",)
    assert runs == [2, 0]
