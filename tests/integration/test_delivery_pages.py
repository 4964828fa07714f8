"""A delivery accepted at its first attempt costs its record's one write and no index entry:
it is listed through the page its queueing wrote (``chalicelib.dynamodb.delivery_pages``), found
as a receipt from the log, and reaches the purge only if an attempt kept an answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from integration_support import ACCEPTED_AT, attempt, delivery_for, listing

from chalicelib.dynamodb import delivery_list_query, delivery_listing, delivery_pages
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from chalicelib.dynamodb.delivery_excerpts import DeliveryExcerpts
from chalicelib.dynamodb.delivery_pages import DeliveryPages, planned_ids
from chalicelib.sqs_queue import SqsDeliveryQueue
from gateway.delivery import Delivery, DeliveryState
from gateway_client.contract import SchemaError

SUB = "sub_hn"


@pytest.fixture
def deliveries(aws) -> DynamoDeliveryLog:  # type: ignore[no-untyped-def]
    return DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"])


def pages(aws, minutes: int = 0) -> DeliveryPages:  # type: ignore[no-untyped-def]
    at = ACCEPTED_AT + timedelta(minutes=minutes)
    return DeliveryPages(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"], lambda: at)


def stored(aws, delivery: Delivery) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    key = {"delivery_id": {"S": delivery.delivery_id}}
    return aws.dynamodb.get_item(TableName=aws.env["CG_DELIVERIES_TABLE"], Key=key)["Item"]


def several(count: int, subscription_id: str = SUB) -> list[Delivery]:
    return [
        delivery_for(subscription_id, listing(decision_number=f"(2026)页{n}号"))
        for n in range(count)
    ]


def ids(views: list[dict[str, Any]]) -> list[str]:
    return [v["delivery_id"] for v in views]


def test_delivered_at_once_a_record_is_in_no_index_and_is_listed_by_its_page(aws, deliveries):
    [delivery] = several(1)
    pages(aws).add([delivery])
    deliveries.record(delivery, attempt(204), DeliveryState.DELIVERED)

    item = stored(aws, delivery)
    assert "subscription_shard" not in item
    assert "listing_id" not in item
    [listed] = deliveries.for_subscription(SUB)
    assert (listed["delivery_id"], listed["state"], listed["listing_id"]) == (
        delivery.delivery_id,
        "delivered",
        delivery.change.listing.listing_id,
    )
    assert deliveries.for_subscription(SUB, DeliveryState.DELIVERED) == [listed]
    assert deliveries.for_subscription(SUB, DeliveryState.DEAD) == []


def test_a_failed_attempt_puts_the_record_in_both_indexes_and_it_is_listed_once(aws, deliveries):
    first, second, third = several(3)
    pages(aws).add([first, second, third])  # third: queued, not attempted yet
    deliveries.record(first, attempt(503, seconds=1), DeliveryState.RETRYING)
    deliveries.record(second, attempt(204, seconds=2), DeliveryState.DELIVERED)

    assert {"subscription_shard", "listing_id"} <= stored(aws, first).keys()
    assert ids(deliveries.for_subscription(SUB, DeliveryState.RETRYING)) == [first.delivery_id]
    deliveries.record(first, attempt(204, seconds=60), DeliveryState.DELIVERED)

    listed = deliveries.for_subscription(SUB)
    assert ids(listed) == [first.delivery_id, second.delivery_id]  # newest first, once each
    assert [len(v["attempts"]) for v in listed] == [2, 1]
    assert deliveries.for_subscription(SUB, DeliveryState.RETRYING) == []


def test_an_answer_kept_by_a_failed_attempt_is_reached_by_the_purge(aws, deliveries):
    failed, delivered = several(2)
    pages(aws).add([failed, delivered])
    deliveries.record(failed, attempt(500), DeliveryState.RETRYING)
    deliveries.record(failed, attempt(204, seconds=30), DeliveryState.DELIVERED)
    deliveries.record(delivered, attempt(204), DeliveryState.DELIVERED)

    excerpts = DeliveryExcerpts(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"])
    assert excerpts.erase(failed.change.listing.listing_id) == 1
    assert excerpts.erase(delivered.change.listing.listing_id) == 0  # kept none
    assert [a["response_excerpt"] for a in deliveries.view(failed.delivery_id)["attempts"]] == [  # type: ignore[index]
        "",
        "",
    ]


def test_an_event_the_log_cannot_name_keeps_its_listing_key(aws, deliveries):
    """``subject.intensified`` (like ``recognition.changed`` and ``objection.filed``) has an
    id the listing's logged changes do not make: ``by_listing`` is where its receipt is."""
    [plain] = several(1)
    flag = plain.model_copy(update={"type": "subject.intensified"})
    deliveries.record(flag, attempt(204), DeliveryState.DELIVERED)

    assert stored(aws, flag)["listing_id"]["S"] == plain.change.listing.listing_id
    assert deliveries.subscriptions_that_received(plain.change.listing.listing_id) == {SUB}


def test_until_pages_back_through_every_delivery_whatever_order_attempts_came_in(aws, deliveries):
    """A is queued first and held in the queue (behind its subject's failing change) until
    after B, queued later, failed: each is placed by its entry — A when it was queued, B at
    its last attempt — and paging back with ``until`` at the last ``listed_at`` seen finds
    both, once each."""
    held, failing = several(2)
    pages(aws, minutes=0).add([held])
    pages(aws, minutes=1).add([failing])
    deliveries.record(failing, attempt(500, seconds=120), DeliveryState.RETRYING)
    deliveries.record(held, attempt(204, seconds=180), DeliveryState.DELIVERED)

    [first] = deliveries.for_subscription(SUB, limit=1)
    before = datetime.fromisoformat(first["listed_at"]) - timedelta(microseconds=1)
    [second] = deliveries.for_subscription(SUB, limit=1, until=before)
    assert [first["delivery_id"], second["delivery_id"]] == [failing.delivery_id, held.delivery_id]
    assert second["listed_at"] == ACCEPTED_AT.isoformat()  # queued; delivered 3 minutes later
    assert second["updated_at"] == (ACCEPTED_AT + timedelta(seconds=180)).isoformat()
    since = ACCEPTED_AT + timedelta(seconds=30)
    assert ids(deliveries.for_subscription(SUB, since=since)) == [failing.delivery_id]


def test_a_replayed_delivery_is_listed_where_it_was_queued_last(aws, deliveries):
    old, new = several(2)
    pages(aws, minutes=0).add([old])
    deliveries.record(old, attempt(204), DeliveryState.DELIVERED)
    pages(aws, minutes=1).add([new])
    deliveries.record(new, attempt(204, seconds=61), DeliveryState.DELIVERED)
    pages(aws, minutes=2).add([old])  # replayed

    listed = deliveries.for_subscription(SUB)
    assert ids(listed) == [old.delivery_id, new.delivery_id]
    assert [v["listed_at"] for v in listed] == [
        (ACCEPTED_AT + timedelta(minutes=m)).isoformat() for m in (2, 1)
    ]


def test_no_since_is_too_early_or_too_late(aws, deliveries):
    [delivery] = several(1)
    pages(aws).add([delivery])
    deliveries.record(delivery, attempt(204), DeliveryState.DELIVERED)
    earliest = datetime(1, 1, 1, tzinfo=UTC)
    latest = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)

    assert ids(deliveries.for_subscription(SUB, since=earliest)) == [delivery.delivery_id]
    assert ids(deliveries.for_subscription(SUB, since=earliest, until=latest)) == [
        delivery.delivery_id
    ]
    assert deliveries.for_subscription(SUB, since=latest) == []


def test_a_page_holds_every_id_queued_for_its_subscription_and_no_other(aws):
    ours, theirs = several(3), several(2, "sub_dy")
    pages(aws).add([ours[0], theirs[0], ours[1], theirs[1], ours[2]])

    held = aws.dynamodb.scan(TableName=aws.env["CG_DELIVERIES_TABLE"])["Items"]
    by_subscription = {x["page_of"]["S"]: planned_ids(x) for x in held}
    assert by_subscription == {
        SUB: [d.delivery_id for d in ours],
        "sub_dy": [d.delivery_id for d in theirs],
    }
    pages(aws, minutes=1).add(ours)  # the same queueing again (a stream batch run twice)
    assert len(aws.dynamodb.scan(TableName=aws.env["CG_DELIVERIES_TABLE"])["Items"]) == 2


def test_the_queue_writes_the_page_first_and_sends_nothing_without_it(aws):
    written: list[list[str]] = []

    def failing(queued: list[Any]) -> None:
        written.append([d.delivery_id for d in queued])
        raise RuntimeError("DynamoDB refused the page")

    queue = SqsDeliveryQueue(
        aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], aws.env["CG_DELIVERY_DLQ_URL"], pages=failing
    )
    batch = several(2)
    with pytest.raises(RuntimeError):
        queue.enqueue(batch)

    assert written == [[d.delivery_id for d in batch]]
    reply = aws.sqs.receive_message(QueueUrl=aws.env["CG_DELIVERY_QUEUE_URL"], WaitTimeSeconds=0)
    assert reply.get("Messages", []) == []


def test_a_listing_stops_after_reading_its_bound(aws, deliveries, monkeypatch):
    """Delivered deliveries of an endpoint that failed everything: every page lists none, and
    the listing stops at ``MOST_READ`` items instead of reading them all."""
    monkeypatch.setattr(delivery_listing, "MOST_READ", 30)
    failed = several(40)
    for n, delivery in enumerate(failed):
        pages(aws, minutes=n).add([delivery])
        deliveries.record(delivery, attempt(500, seconds=60 * n + 1), DeliveryState.DEAD)
    reads: list[int] = []
    batch_get = aws.dynamodb.batch_get_item

    def counted(**request: Any) -> Any:
        reads.extend(len(x["Keys"]) for x in request["RequestItems"].values())
        return batch_get(**request)

    monkeypatch.setattr(aws.dynamodb, "batch_get_item", counted)

    assert deliveries.for_subscription(SUB, DeliveryState.DELIVERED) == []
    assert sum(reads) <= 30 + 25  # the bound, and the request that crossed it
    dead = every_page(deliveries, 40, state=DeliveryState.DEAD)  # over calls: the index read counts
    assert sorted(i for call in dead for i in call) == sorted(d.delivery_id for d in failed)


def test_a_delivery_queued_again_is_listed_once(aws, deliveries):
    """A replay re-sends a delivery under its id; a stream batch bisected and retried queues
    some of its deliveries on a page of their own: two pages name them."""
    first, second = several(2)
    pages(aws).add([first, second])
    deliveries.record(first, attempt(204), DeliveryState.DELIVERED)
    deliveries.record(second, attempt(204, seconds=1), DeliveryState.DELIVERED)
    pages(aws, minutes=5).add([first])  # replayed

    assert sorted(ids(deliveries.for_subscription(SUB))) == sorted(
        [first.delivery_id, second.delivery_id]
    )
    assert len(deliveries.for_subscription(SUB, limit=1)) == 1


def every_page(deliveries, limit: int, **bounds: Any) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """Every call's ids, following ``next`` to the end."""
    calls, after = [], None
    while True:
        found, after = deliveries.listed(SUB, limit=limit, after=after, **bounds)
        calls.append(ids(found))
        if after is None:
            return calls


def test_next_goes_through_deliveries_sharing_one_listed_at_missing_and_repeating_none(
    aws, deliveries
):
    """Six deliveries of one queueing share the page's time; one failed and is listed at its
    own attempt: two at a time, ``next`` reaches each once."""
    six = several(6)
    pages(aws).add(six)
    for n, delivery in enumerate(six):
        failed = n == 2
        state = DeliveryState.RETRYING if failed else DeliveryState.DELIVERED
        deliveries.record(delivery, attempt(503 if failed else 204, seconds=n + 1), state)

    calls = every_page(deliveries, 2)
    seen = [i for call in calls for i in call]
    assert sorted(seen) == sorted(d.delivery_id for d in six)
    assert seen[0] == six[2].delivery_id  # its own entry, the newest
    assert seen[1:] == [d.delivery_id for d in reversed(six) if d is not six[2]]
    assert all(len(call) <= 2 for call in calls)


def test_the_read_bound_answers_next_and_the_list_goes_on_from_it(aws, deliveries, monkeypatch):
    monkeypatch.setattr(delivery_listing, "MOST_READ", 30)
    *failed, last = several(41)
    delivered = [last]
    pages(aws, minutes=0).add(delivered)
    deliveries.record(delivered[0], attempt(204), DeliveryState.DELIVERED)
    pages(aws, minutes=1).add(failed)
    for delivery in failed:
        deliveries.record(delivery, attempt(500, seconds=30), DeliveryState.DEAD)

    calls = every_page(deliveries, 10, state=DeliveryState.DELIVERED)
    assert calls[0] == []  # the bound reached on the failures' page: where to go on from
    assert [i for call in calls for i in call] == [delivered[0].delivery_id]


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 !",
        "e30",  # {}
        delivery_list_query.Place("yesterday", "msg_" + "0" * 32, 0).cursor(),
        delivery_list_query.Place("2026-01-01T00:00:00+00:00", "lst_" + "0" * 32, 0).cursor(),
        delivery_list_query.Place("2026-01-01T00:00:00+00:00", "msg_" + "0" * 32, -1).cursor(),
    ],
)
def test_a_cursor_not_given_back_is_refused_at_after(cursor):
    with pytest.raises(SchemaError) as refused:
        delivery_list_query.Place.of(cursor)
    assert refused.value.to_dict()["path"] == "after"


def test_next_goes_through_pages_of_one_queueing_sharing_their_time(aws, deliveries, monkeypatch):
    """A queueing larger than a page splits into pages written at one time: ties between
    entries, which ``next`` tells apart by their ids."""
    monkeypatch.setattr(delivery_pages, "MOST_PER_PAGE", 3)
    seven = several(7)
    pages(aws).add(seven)
    for delivery in seven:
        deliveries.record(delivery, attempt(204, seconds=1), DeliveryState.DELIVERED)

    seen = [i for call in every_page(deliveries, 3) for i in call]
    assert sorted(seen) == sorted(d.delivery_id for d in seven)


def test_next_goes_through_tied_entries_of_one_shard_once_each(aws, deliveries, monkeypatch):
    """The index orders one shard's entries by time alone; pages of one queueing share it, so
    the list orders them by id too, as the merge and ``next`` compare them."""
    monkeypatch.setattr(delivery_pages, "MOST_PER_PAGE", 1)
    monkeypatch.setattr(delivery_pages, "shard_key", lambda sub, _: f"{sub}#0")
    five = several(5)
    pages(aws).add(five)
    for delivery in five:
        deliveries.record(delivery, attempt(204, seconds=1), DeliveryState.DELIVERED)

    seen = [i for call in every_page(deliveries, 1) for i in call]
    assert sorted(seen) == sorted(d.delivery_id for d in five)
    at = ACCEPTED_AT.isoformat()
    by_page = {
        delivery_pages.page_item(SUB, [d.delivery_id], at)["delivery_id"]["S"]: d for d in five
    }
    assert seen == [by_page[key].delivery_id for key in sorted(by_page, reverse=True)]


def test_a_next_older_than_since_ends_the_list(aws, deliveries, monkeypatch):
    """A caller who narrows ``since`` past where its last call stopped gets the end, not a
    query DynamoDB would refuse (its bounds reversed)."""
    two = several(2)
    pages(aws).add(two)
    for delivery in two:
        deliveries.record(delivery, attempt(204, seconds=1), DeliveryState.DELIVERED)
    _, after = deliveries.listed(SUB, limit=1)
    assert after is not None

    asked: list[dict[str, Any]] = []
    query = aws.dynamodb.query

    def counted(**request: Any) -> Any:
        asked.append(request)
        return query(**request)

    monkeypatch.setattr(aws.dynamodb, "query", counted)
    later = ACCEPTED_AT + timedelta(days=1)
    assert deliveries.listed(SUB, limit=1, since=later, after=after) == ([], None)
    assert asked == []
