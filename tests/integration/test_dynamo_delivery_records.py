"""The delivery record's shape: under 1 KB whatever the recognition or the endpoint's answer,
one write per attempt, listed by subscription over sharded index partitions, newest first."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from integration_support import ACCEPTED_AT, attempt, delivery_for, listing

from bench.common import item_size
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from chalicelib.dynamodb.delivery_backfill import backfill_shards
from chalicelib.dynamodb.delivery_items import SHARDS, shard_key
from chalicelib.dynamodb.delivery_pages import DeliveryPages
from chalicelib.dynamodb.sealed_tokens import Sealer
from gateway.delivery.planning import Delivery
from gateway.delivery.records import Attempt, DeliveryState
from gateway.delivery.redelivery import resend_of
from gateway_client.contract import (
    Intensified,
    Measure,
    NotRecognised,
    Recognition,
    SchemaError,
)

LONG = "严重违法失信主体联合惩戒措施说明" * 30  # 480 characters, 1,440 bytes
TOKENS = Sealer(lambda: b"k" * 32, b"test shards backfill")


@pytest.fixture
def deliveries(aws) -> DynamoDeliveryLog:  # type: ignore[no-untyped-def]
    return DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"])


def stored(aws, key: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    table = aws.env["CG_DELIVERIES_TABLE"]
    return aws.dynamodb.get_item(TableName=table, Key={"delivery_id": {"S": key}})["Item"]


def everything(aws) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return aws.dynamodb.scan(TableName=aws.env["CG_DELIVERIES_TABLE"])["Items"]


def heavy(subscription_id: str, listed=None) -> Delivery:  # type: ignore[no-untyped-def]
    """A delivery as large as they come: a recognition with many long measures, an
    intensified-punishment flag over many domains, every sequence number set."""
    measures = tuple(
        Measure(
            measure_id=f"measure_{n}",
            text=LONG[:400],
            department="国家发展和改革委员会" * 10,
            mandatory=True,
            legal_basis=LONG[:250],
        )
        for n in range(6)
    )
    recognition = Recognition(
        subscriber_region="430000",
        recognised=True,
        basis=tuple(f"agr_{n:032x}" for n in range(4)),
        measures=measures,
    )
    plain = delivery_for(subscription_id, listed)
    domains = ("tax", "customs", "environment", "finance", "market", "safety", "labour")
    return plain.model_copy(
        update={
            "type": "subject.intensified",
            "recognition": recognition,
            "intensified": Intensified(
                credit_code=plain.change.listing.credit_code, intensified=True, domains=domains
            ),
            "log_sequence": 987_654_321,
            "sequence": 123_456_789,
            "replay": True,
        }
    )


def accepted(excerpt: str, seconds: int = 0) -> Attempt:
    return Attempt(
        at=ACCEPTED_AT + timedelta(seconds=seconds),
        status=200,
        latency_ms=14_999,
        response_excerpt=excerpt,
    )


def test_a_delivered_record_stays_under_one_kilobyte_whatever_it_carries(aws, deliveries):
    delivery = heavy("sub_" + "f" * 24)

    deliveries.record(delivery, accepted(LONG[:500]), DeliveryState.DELIVERED)

    item = stored(aws, delivery.delivery_id)
    assert item_size(item) <= 1024
    assert "measure_0" not in json.dumps(item, ensure_ascii=False)  # stored apart, once


def test_a_large_recognition_is_stored_once_and_a_re_drive_gets_it_whole(aws, deliveries):
    first, second = heavy("sub_hn"), heavy("sub_dy")

    deliveries.record(first, attempt(500), DeliveryState.DEAD)
    deliveries.record(second, attempt(500), DeliveryState.DEAD)

    shared = [i for i in everything(aws) if i["delivery_id"]["S"].startswith("recognition#")]
    assert len(shared) == 1
    assert deliveries.kept(first.delivery_id) == resend_of(first)
    assert deliveries.kept(second.delivery_id) == resend_of(second)
    [listed] = deliveries.for_subscription("sub_hn")
    assert {k: v for k, v in listed.items() if k != "listed_at"} == deliveries.view(
        first.delivery_id
    )


def unrecognised(subscription_id: str) -> Delivery:
    recognition = Recognition(
        subscriber_region="440000", recognised=False, reasons=(NotRecognised.NO_AGREEMENT,)
    )
    return delivery_for(subscription_id).model_copy(update={"recognition": recognition})


def test_a_small_recognition_stays_in_the_record(aws, deliveries):
    delivery = unrecognised("sub_1")

    deliveries.record(delivery, attempt(204), DeliveryState.DELIVERED)

    assert [i["delivery_id"]["S"] for i in everything(aws)] == [delivery.delivery_id]
    assert deliveries.kept(delivery.delivery_id) == resend_of(delivery)


def test_a_2xx_answer_is_not_kept_and_a_failure_keeps_its_excerpt(deliveries):
    ok, failed = delivery_for("sub_ok"), delivery_for("sub_failed")

    deliveries.record(ok, accepted(LONG[:500]), DeliveryState.DELIVERED)
    long_failure = attempt(500).model_copy(update={"response_excerpt": LONG})
    deliveries.record(failed, long_failure, DeliveryState.DEAD)

    [kept_ok] = deliveries.view(ok.delivery_id)["attempts"]  # type: ignore[index]
    [kept_failed] = deliveries.view(failed.delivery_id)["attempts"]  # type: ignore[index]
    assert kept_ok["response_excerpt"] == ""  # an acceptance may echo the body it got
    assert kept_failed["response_excerpt"] == LONG


def calls_made(aws, act: Callable[[], object]) -> list[str]:  # type: ignore[no-untyped-def]
    calls: list[str] = []

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    events = aws.dynamodb.meta.events
    events.register("before-parameter-build.dynamodb", count)
    try:
        act()
    finally:
        events.unregister("before-parameter-build.dynamodb", count)
    return calls


def test_one_attempt_is_one_write_to_the_table(aws, deliveries):
    delivery = unrecognised("sub_1")

    calls = calls_made(
        aws, lambda: deliveries.record(delivery, attempt(204), DeliveryState.DELIVERED)
    )

    assert calls == ["UpdateItem"]


def test_a_recognition_already_stored_costs_no_more_writes(aws, deliveries):
    deliveries.record(delivery_for("sub_hn"), attempt(204), DeliveryState.DELIVERED)
    again = delivery_for("sub_dy")  # another subscriber in the same region: same recognition

    calls = calls_made(aws, lambda: deliveries.record(again, attempt(204), DeliveryState.DELIVERED))

    assert calls == ["UpdateItem"]


def queued(aws, deliveries: list[Delivery], seconds: int = 0) -> None:  # type: ignore[no-untyped-def]
    """Their page, as the queue writes it before sending them (``delivery_pages``)."""
    at = ACCEPTED_AT + timedelta(seconds=seconds)
    DeliveryPages(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"], lambda: at).add(deliveries)


def test_a_subscription_s_deliveries_are_merged_from_every_shard_newest_first(aws, deliveries):
    """Dead ones are listed by their own index entry; the others, delivered at once, through
    the page that queued them (one a push here, the second before its attempt)."""
    ours = [delivery_for("sub_hn", listing(decision_number=f"第{n}号")) for n in range(24)]
    theirs = [delivery_for("sub_dy", listing(decision_number=f"第{n}号")) for n in range(3)]
    for n, delivery in enumerate(ours):
        state = DeliveryState.DEAD if n % 3 == 0 else DeliveryState.DELIVERED
        queued(aws, [delivery], seconds=n)
        deliveries.record(delivery, attempt(200 if n % 3 else 500, seconds=n), state)
    queued(aws, theirs, seconds=100)
    for delivery in theirs:
        deliveries.record(delivery, attempt(204, seconds=100), DeliveryState.DELIVERED)
    newest_first = [d.delivery_id for d in reversed(ours)]
    assert len({shard_key("sub_hn", d.delivery_id) for d in ours}) > SHARDS // 2

    listed = [d["delivery_id"] for d in deliveries.for_subscription("sub_hn")]
    five = [d["delivery_id"] for d in deliveries.for_subscription("sub_hn", limit=5)]
    dead = deliveries.for_subscription("sub_hn", DeliveryState.DEAD, limit=3)
    window = deliveries.for_subscription(
        "sub_hn",
        since=ACCEPTED_AT + timedelta(seconds=10),
        until=ACCEPTED_AT + timedelta(seconds=14),
    )

    assert listed == newest_first
    assert five == newest_first[:5]
    assert [d["delivery_id"] for d in dead] == [ours[n].delivery_id for n in (21, 18, 15)]
    assert {d["state"] for d in dead} == {"dead"}
    assert [d["delivery_id"] for d in window] == newest_first[9:14]
    assert {d["subscription_id"] for d in listed_views(deliveries)} == {"sub_hn"}


def test_dead_deliveries_are_read_longest_dead_first_from_every_shard(aws, deliveries):  # type: ignore[no-untyped-def]
    """What a re-drive takes, so that one over several calls sends the oldest first; read as
    asked for, a hundred at a time, until out of time."""
    ours = [delivery_for("sub_hn", listing(decision_number=f"第{n}号")) for n in range(30)]
    for n, delivery in enumerate(ours):
        state = DeliveryState.DEAD if n % 3 else DeliveryState.DELIVERED
        queued(aws, [delivery], seconds=n)
        deliveries.record(delivery, attempt(500 if n % 3 else 200, seconds=n), state)
    dead = [d.delivery_id for n, d in enumerate(ours) if n % 3]
    reads = iter([False, True])  # time for one read of a hundred, then none

    assert [d["delivery_id"] for d in deliveries.dead("sub_hn", lambda: False)] == dead
    assert list(deliveries.dead("sub_dy", lambda: False)) == []
    assert list(deliveries.dead("sub_hn", lambda: True)) == []
    assert [d["delivery_id"] for d in deliveries.dead("sub_hn", lambda: next(reads))] == dead


def listed_views(deliveries: DynamoDeliveryLog) -> list[dict[str, Any]]:
    return deliveries.for_subscription("sub_hn", limit=500)


def previous_shape(delivery: Delivery, state: str, last: Attempt) -> dict[str, Any]:
    """A record as written before the sharded index (no ``subscription_shard``; the listing
    as ``listing_id``)."""
    return {
        "delivery_id": {"S": delivery.delivery_id},
        "state": {"S": state},
        "subscription_id": {"S": delivery.subscription_id},
        "change_id": {"S": delivery.change.change_id},
        "credit_code": {"S": "91110000600037341L"},
        "listing_id": {"S": delivery.change.listing.listing_id},
        "origin_region": {"S": delivery.change.listing.origin_region},
        "updated_at": {"S": last.at.isoformat()},
        "attempts": {"L": [{"S": last.model_dump_json()}]},
    }


def test_a_record_of_the_previous_shape_reads_back_and_is_listed_once_written_again(
    aws, deliveries
):
    delivery = delivery_for("sub_old")
    old_attempt = attempt(500)
    aws.dynamodb.put_item(
        TableName=aws.env["CG_DELIVERIES_TABLE"],
        Item={
            **previous_shape(delivery, "dead", old_attempt),
            "resend": {"S": resend_of(delivery).model_dump_json()},
            "tries": {"N": "1"},
        },
    )

    assert deliveries.kept(delivery.delivery_id) == resend_of(delivery)
    assert deliveries.view(delivery.delivery_id)["attempts"][0]["status"] == 500  # type: ignore[index]
    assert deliveries.for_subscription("sub_old") == []  # no shard key yet
    assert deliveries.reopen(delivery.delivery_id)
    queued(aws, [delivery], seconds=59)  # re-driven
    deliveries.record(delivery, attempt(204, seconds=60), DeliveryState.DELIVERED)
    [listed] = deliveries.for_subscription("sub_old")
    assert [a["status"] for a in listed["attempts"]] == [500, 204]


def test_the_upgrade_backfill_keys_a_dead_record_of_the_previous_shape_once(aws, deliveries):
    """Parked or dead before the upgrade, a record has no next attempt to key it: the
    operator's one-off backfill does, a page at a time, and leaves keyed ones alone."""
    table = aws.env["CG_DELIVERIES_TABLE"]
    for n in range(3):
        aws.dynamodb.put_item(
            TableName=table,
            Item={
                "delivery_id": {"S": f"msg_old_{n}"},
                "state": {"S": "dead"},
                "subscription_id": {"S": "sub_old"},
                "change_id": {"S": f"chg_old_{n}"},
                "credit_code": {"S": "91110000600037341L"},
                "listing_id": {"S": f"lst_old_{n}"},
                "origin_region": {"S": "430100"},
                "updated_at": {"S": ACCEPTED_AT.isoformat()},
                "attempts": {"L": [{"S": attempt(500).model_dump_json()}]},
            },
        )
    delivered = delivery_for("sub_old")
    queued(aws, [delivered])
    deliveries.record(delivered, attempt(204), DeliveryState.DELIVERED)

    counts, after = [], None
    while True:
        updated, after = backfill_shards(aws.dynamodb, table, TOKENS, after, 2)
        counts.append(updated)
        if after is None:
            break
    again, _ = backfill_shards(aws.dynamodb, table, TOKENS, None, 100)

    assert (sum(counts), again) == (3, 0)
    assert len(deliveries.for_subscription("sub_old")) == 4


def test_the_upgrade_backfill_moves_a_dead_record_to_the_dead_partitions_once(aws, deliveries):
    """Dead in the ordinary partitions (written before the dead had partitions of their own:
    review 319), a record is no longer read there by what reads the dead: the backfill moves
    it, unless an attempt moved it since; a retrying one stays."""
    table = aws.env["CG_DELIVERIES_TABLE"]
    dead, retrying = (delivery_for("sub_hn", listing(decision_number=f"第{n}号")) for n in (1, 2))
    deliveries.record(dead, attempt(500), DeliveryState.DEAD)
    deliveries.record(retrying, attempt(500), DeliveryState.RETRYING)
    ordinary = shard_key("sub_hn", dead.delivery_id)
    aws.dynamodb.update_item(  # as the previous version keyed it
        TableName=table,
        Key={"delivery_id": {"S": dead.delivery_id}},
        UpdateExpression="SET subscription_shard = :shard",
        ExpressionAttributeValues={":shard": {"S": ordinary}},
    )
    assert list(deliveries.dead("sub_hn", lambda: False)) == []

    updated, _ = backfill_shards(aws.dynamodb, table, TOKENS, None, 100)
    again, _ = backfill_shards(aws.dynamodb, table, TOKENS, None, 100)

    assert (updated, again) == (1, 0)
    assert [d["delivery_id"] for d in deliveries.dead("sub_hn", lambda: False)] == [
        dead.delivery_id
    ]
    assert stored(aws, retrying.delivery_id)["subscription_shard"]["S"] == shard_key(
        "sub_hn", retrying.delivery_id
    )


@pytest.mark.parametrize(
    "after",
    [
        "eyJrZXkiOnt9fQ",  # {"key":{}}, unsealed: from the start again
        "eyJrZXkiOnsiZGVsaXZlcnlfaWQiOiJtc2dfenp6In19",  # {"key":{"delivery_id":"msg_zzz"}}
        TOKENS.seal({"delivery_id": "msg_old_1"})[:-2],  # a sealed one, cut
    ],
    ids=["empty-key", "made-up", "cut"],  # a sealed token differs at each collection
)
def test_a_backfill_cursor_it_did_not_answer_is_refused_writing_nothing(aws, after):
    """Made up, a cursor would skip part of the table and answer done (review 46a F4)."""
    table = aws.env["CG_DELIVERIES_TABLE"]
    aws.dynamodb.put_item(
        TableName=table,
        Item={
            "delivery_id": {"S": "msg_old"},
            "state": {"S": "dead"},
            "subscription_id": {"S": "s"},
        },
    )

    with pytest.raises(SchemaError) as refused:
        backfill_shards(aws.dynamodb, table, TOKENS, after, 100)

    assert refused.value.context["path"] == "after"
    assert "subscription_shard" not in stored(aws, "msg_old")


def test_no_item_holds_the_listing_s_personal_data(aws, deliveries):
    """A purge erases nothing here: neither records nor shared recognitions hold the ID
    number or the name (``chalicelib.erasure`` reaches the log, feedback and person index)."""
    person = listing(credit_code="11010519491231002X", subject_name="张某某")

    deliveries.record(heavy("sub_1", person), attempt(500), DeliveryState.DEAD)
    deliveries.record(delivery_for("sub_2", person), attempt(204), DeliveryState.DELIVERED)

    text = json.dumps(everything(aws), ensure_ascii=False)
    assert "11010519491231002X" not in text
    assert "张某某" not in text


def test_the_backfill_keys_a_delivered_record_from_before_the_index_not_one_a_page_lists(
    aws, deliveries
):
    """Written before the sharded index, a delivered record has no page to list it; one
    delivered at once since (its listing kept as ``listing``) has."""
    table = aws.env["CG_DELIVERIES_TABLE"]
    old = delivery_for("sub_old", listing(decision_number="(2020)旧1号"))
    aws.dynamodb.put_item(TableName=table, Item=previous_shape(old, "delivered", attempt(204)))
    new = delivery_for("sub_old")
    queued(aws, [new])
    deliveries.record(new, attempt(204, seconds=5), DeliveryState.DELIVERED)

    assert [d["delivery_id"] for d in deliveries.for_subscription("sub_old")] == [new.delivery_id]
    assert backfill_shards(aws.dynamodb, table, TOKENS, None, 100) == (1, None)
    assert {d["delivery_id"] for d in deliveries.for_subscription("sub_old")} == {
        old.delivery_id,
        new.delivery_id,
    }


def test_what_an_enable_may_decline_is_read_only_from_the_time_asked(aws, deliveries):  # type: ignore[no-untyped-def]
    """Held back while the endpoint was off (or its 410), of a kind an enable may decline: in
    partitions apart, read all, none, or from a time on (review 309: a declined backlog was
    read through by every later resume, verify and enable); a parked one, a failure's and an
    objection's notice held back while off are always read."""
    ours = [delivery_for("sub_hn", listing(decision_number=f"第{n}号")) for n in range(5)]
    notice = delivery_for("sub_hn", listing(decision_number="第9号")).model_copy(
        update={"type": "objection.filed"}
    )
    off = attempt(0).model_copy(update={"not_sent": "disabled"})
    written = [
        (ours[0], off),  # declined, if declined up to its time
        (ours[1], attempt(410, seconds=1)),  # the 410 that turned it off
        (ours[2], attempt(500, seconds=2)),  # a dead letter of failed attempts
        (ours[3], attempt(0, seconds=3).model_copy(update={"not_sent": "paused"})),
        (notice, off.model_copy(update={"at": off.at + timedelta(seconds=4)})),
        (ours[4], off.model_copy(update={"at": off.at + timedelta(seconds=5)})),
    ]
    for delivery, tried in written:
        deliveries.record(delivery, tried, DeliveryState.DEAD)
    ids = [d.delivery_id for d, _ in written]

    def read(declinable_after: Any) -> list[str]:
        return [
            d["delivery_id"] for d in deliveries.dead("sub_hn", lambda: False, declinable_after)
        ]

    assert read(True) == ids
    assert read(False) == [ids[2], ids[3], ids[4]]
    assert read(ACCEPTED_AT + timedelta(seconds=1)) == ids[1:]
    assert {stored(aws, i)["subscription_shard"]["S"].startswith("sub_hn#off#") for i in ids} == {
        True,
        False,
    }


def test_a_record_set_aside_and_reopened_loses_its_mark(aws, deliveries):  # type: ignore[no-untyped-def]
    """Set aside (a re-drive could not send it), then re-driven by its id as it stands again:
    reopened, it is no longer marked, so a failed enqueue closing it again leaves it for the
    shard backfill to place (review 327)."""
    dead = delivery_for("sub_hn", listing(decision_number="第1号"))
    deliveries.record(dead, attempt(500), DeliveryState.DEAD)
    deliveries.set_aside(dead.delivery_id, "sub_hn")
    assert stored(aws, dead.delivery_id)["set_aside"] == {"BOOL": True}

    assert deliveries.reopen(dead.delivery_id)

    assert "set_aside" not in stored(aws, dead.delivery_id)
