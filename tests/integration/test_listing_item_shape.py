"""The listing item's shape (``chalicelib.dynamodb.listing_doc``): a document without the fields
the item holds as attributes, read back whole; items of the earlier shape (the whole listing in
the document) stay readable by every reader, stream images of either shape included."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_support import AWS_REGION
from integration_support import REGION, every_subject, listing

from bench.costs import listing_item_sizes
from chalicelib.dynamodb.base import Item, s
from chalicelib.dynamodb.listing_doc import KEPT_APART, listing_from_item
from chalicelib.dynamodb.listings import DynamoListings
from chalicelib.events import changes_in
from chalicelib.statistics_counting import item_tally
from chalicelib.stream_redrive import lambda_record
from gateway_client.contract import Listing, change_between, purged
from gateway_client.contract.listing import ListingStatus

RESIDENT_ID = "11010519491231002X"
AT = "2024-03-05T08:00:00Z"


def _evolved(held: Listing, **fields: Any) -> Listing:
    return Listing.model_validate({**held.model_dump(), **fields})


def _objected() -> Listing:
    """Suspended by an objection, with its history: nested models and non-empty tuples."""
    objection = {
        "objection_id": "obj-1",
        "filed_at": AT,
        "filed_by": "230900",
        "reason": "已履行完毕",
        "deadline": "2024-03-20",
        "deadline_basis": "15 workdays",
        "suspends": True,
    }
    transition = {
        "event": "objection_filed",
        "status": "suspended",
        "at": AT,
        "by": "230900",
        "reason": "objection obj-1",
    }
    return _evolved(
        listing(decision_number="(2024)黑09执9号"),
        status=ListingStatus.SUSPENDED,
        objection=objection,
        history=[transition],
        listed_at="2024-03-02T08:00:00Z",
    )


SHAPES = {
    "black": listing(),
    "black with persons and an end": listing(
        decision_number="(2024)黑09执7号",
        valid_until="2026-03-01",
        conduct_ended_on="2024-03-02",
        responsible_persons=[
            {"name": "张某某", "role": "legal_representative", "id_number": RESIDENT_ID}
        ],
    ),
    "red (no severity, no legal basis)": listing(
        kind="red",
        domain="a_grade_taxpayer",
        severity=None,
        legal_basis=None,
        reason="纳税信用评价为A级",
        decision_number="黑税信〔2024〕1号",
    ),
    "commitment": listing(
        kind="commitment",
        domain="licensing_commitment",
        severity=None,
        legal_basis=None,
        reason="承诺在30日内补交营业执照副本复印件",
        decision_number="承诺〔2024〕12号",
        commitment={"kind": "accept_with_deficiencies", "deadline": "2024-04-01"},
    ),
    "suspended by an objection": _objected(),
    "salted (its IDs' commitment)": _evolved(
        listing(decision_number="(2024)黑09执6号"), id_salt="c3" * 16
    ),
    "performed": _evolved(
        listing(decision_number="(2024)黑09执8号"),
        status=ListingStatus.PERFORMED,
        performed_on="2024-03-04",
    ),
}


@pytest.fixture
def listings(aws) -> DynamoListings:
    return DynamoListings(aws.dynamodb, aws.env["CG_LISTINGS_TABLE"])


def _raw(aws, held: Listing) -> dict[str, Any]:
    key = {"credit_code": s(held.credit_code), "listing_id": s(held.listing_id)}
    reply = aws.dynamodb.get_item(
        TableName=aws.env["CG_LISTINGS_TABLE"], Key=key, ConsistentRead=True
    )
    return dict(reply["Item"])


def _earlier_shape(listings: DynamoListings, held: Listing) -> Item:
    """The item as written before the document left fields out: the whole listing in it."""
    item = listings._item(held, REGION)
    item["doc"] = s(held.model_dump_json(exclude={"provenances"}))
    return item


def _stream_records(aws) -> list[dict[str, Any]]:
    """The table's stream so far, as Lambda hands it to the stream handler."""
    arn = aws.dynamodb.describe_table(TableName=aws.env["CG_LISTINGS_TABLE"])["Table"][
        "LatestStreamArn"
    ]
    records: list[dict[str, Any]] = []
    for shard in aws.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = aws.streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records += [
            lambda_record(x, arn, AWS_REGION)
            for x in aws.streams.get_records(ShardIterator=iterator)["Records"]
        ]
    return records


@pytest.mark.parametrize("held", SHAPES.values(), ids=SHAPES.keys())
def test_every_kind_of_listing_reads_back_as_it_was_written(aws, listings, held):
    assert listings.write([(held, None)], REGION) == {held.listing_id}

    assert listings.current([(held.credit_code, held.listing_id)]) == {held.listing_id: held}
    assert listings.subject(held.credit_code) == [held]
    doc = json.loads(_raw(aws, held)["doc"]["S"])
    assert not set(doc) & {*KEPT_APART, "provenances"}  # held once, as attributes


def test_fields_that_hold_nothing_are_left_out_of_the_document(aws, listings):
    held = SHAPES["black"]
    listings.write([(held, None)], REGION)

    doc = json.loads(_raw(aws, held)["doc"]["S"])

    assert {"valid_until", "objection", "history", "responsible_persons"}.isdisjoint(doc)
    assert doc["source_sequence"] == 0  # a default that means something is written out
    assert doc["reason"] == held.reason


def test_an_item_of_the_earlier_shape_reads_as_before_and_an_update_rewrites_it(aws, listings):
    held = _objected()
    aws.dynamodb.put_item(
        TableName=aws.env["CG_LISTINGS_TABLE"], Item=_earlier_shape(listings, held)
    )

    assert listings.current([(held.credit_code, held.listing_id)]) == {held.listing_id: held}
    assert listings.subject(held.credit_code) == [held]
    assert [x for group in every_subject(listings) for x in group] == [held]
    assert listing_from_item(_raw(aws, held)) == held

    lifted = _evolved(held, status=ListingStatus.ACTIVE, objection=None, version=held.version + "1")
    assert listings.write([(lifted, held.version)], REGION) == {held.listing_id}

    assert listings.subject(held.credit_code) == [lifted]
    assert "status" not in json.loads(_raw(aws, held)["doc"]["S"])


def test_stream_images_of_both_shapes_make_the_same_changes(aws, listings):
    """An item of the earlier shape updated to the new one, and then purged: the stream's
    images (NEW_AND_OLD_IMAGES, as moto writes them) give the changes the listings make."""
    held = _objected()
    table = aws.env["CG_LISTINGS_TABLE"]
    aws.dynamodb.put_item(TableName=table, Item=_earlier_shape(listings, held))
    lifted = _evolved(held, status=ListingStatus.ACTIVE, version=held.version + "1")
    listings.write([(lifted, held.version)], REGION)
    listings.delete(lifted)

    records = _stream_records(aws)
    found = changes_in(records)

    assert [(change, previous) for change, previous in found] == [
        (change_between(held, None), None),
        (change_between(lifted, held), held),
        (purged(lifted, found[2][0].occurred_at), lifted),
    ]
    images = [r["dynamodb"].get("NewImage") for r in records[:2]]
    assert [item_tally(x, ()) for x in images] == [
        item_tally(_earlier_shape(listings, held), ()),
        item_tally(listings._item(lifted, REGION), ()),
    ]


def test_the_bench_entry_fits_one_write_unit():
    """Issue 15's ≤ 2 write units per ingested entry: the table item in one unit (≤ 1 KB), its
    source index entry in another."""
    sizes = listing_item_sizes()

    assert sizes["item_bytes"] <= 1024
    assert sizes["gsi_item_bytes"] <= 1024
