"""Bulk creates racing pushes and lifecycle steps on the same listings: whatever interleaving
the threads produce, no write ever takes a listing's version back, a lost race is never
reported as written, and no step's effect is overwritten by a write that did not see it."""

from __future__ import annotations

import random
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from integration_support import REGION, listing

from chalicelib.dynamodb.listings import DynamoListings
from chalicelib.dynamodb.registry import DynamoRegistry
from chalicelib.s3_archive import S3Archive
from gateway.intake.storing import store
from gateway.lifecycle.objection_policies import shipped_policies
from gateway.lifecycle.requests import ObjectionFiling
from gateway.lifecycle.service import LifecycleService
from gateway.lifecycle.workdays import WorkdayCalendar
from gateway_client.contract.clock import FixedClock, china_date
from gateway_client.contract.errors import Conflict, NotFound
from gateway_client.contract.listing import Listing

LISTINGS = 60
BASE = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
TODAY = china_date(BASE + timedelta(days=1))  # the service's clock's day


def versions_of(n: int, day: int) -> Listing:
    """Listing ``n`` as its source stamped it ``day`` days after BASE (the gateway's own steps
    happen on day 1: between the file's copy and the pushed correction)."""
    return listing(
        decision_number=f"(2024)黑09执{n}号",
        updated_at=BASE + timedelta(days=day),
        subject_name=f"v{day}",
    )


def stream_images(aws: Any) -> list[dict[str, Any]]:
    """Every record of the listings stream, in order, as (old version, new version, listing)."""
    arn = aws.env["CG_LISTINGS_STREAM_ARN"]
    records: list[dict[str, Any]] = []
    for shard in aws.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = aws.streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            reply = aws.streams.get_records(ShardIterator=iterator, Limit=1000)
            records += [r["dynamodb"] for r in reply["Records"]]
            iterator = reply.get("NextShardIterator") if reply["Records"] else None
    return records


def test_bulk_creates_pushes_and_objections_racing_never_regress_a_listing(aws):
    listings = DynamoListings(aws.dynamodb, aws.env["CG_LISTINGS_TABLE"])
    registry = DynamoRegistry(aws.dynamodb, aws.env["CG_REGISTRY_TABLE"])
    lifecycle = LifecycleService(
        listings,
        S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"]),
        FixedClock(BASE + timedelta(days=1)),
        shipped_policies(),
        WorkdayCalendar(),
        5,
        registry,
    )
    bulk = [(n, versions_of(n, 0)) for n in range(LISTINGS)]  # the older copy, from a file
    pushed = [(n, versions_of(n, 2)) for n in range(LISTINGS)]  # a correction, pushed
    random.Random(7).shuffle(pushed)  # noqa: S311 - an order, not a secret
    filed: dict[str, bool] = {}

    def bulk_load() -> Any:
        return [
            store(listings, chunk, REGION, True, lambda ids: {}, TODAY)
            for chunk in _chunks(bulk, 5)
        ]

    def push() -> Any:
        return [store(listings, [item], REGION, True, lambda ids: {}, TODAY) for item in pushed]

    def object_to_each() -> None:
        for n in range(LISTINGS):
            held = versions_of(n, 0)
            filing = ObjectionFiling(objection_id=f"o{n}", reason="异议")
            try:
                _, filed[held.listing_id] = lifecycle.file_objection(
                    held.credit_code, held.listing_id, filing, None
                )
            except NotFound:
                filed[held.listing_id] = False  # not created yet: nothing to object to
            except Conflict:
                filed[held.listing_id] = False  # lost its race: nothing written, and it says so

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = [pool.submit(work) for work in (bulk_load, push, object_to_each)]
        bulk_results, push_results, _ = (r.result() for r in results)

    stored = listings.current([(x.credit_code, x.listing_id) for _, x in bulk])
    assert len(stored) == LISTINGS
    for outcome in [*bulk_results, *push_results]:
        for _, written in outcome.accepted:
            assert stored[written.listing_id].version >= written.version
    by_listing: dict[str, list[str]] = defaultdict(list)
    for image in stream_images(aws):
        # moto creates an item through UpdateItem as a keys-only put, then the update: skip
        # that keys-only image (DynamoDB emits one INSERT with the whole item).
        new, old = image.get("NewImage", {}), image.get("OldImage", {})
        lid = image["Keys"]["listing_id"]["S"]
        if "version" in old and "version" in new:
            assert old["version"]["S"] < new["version"]["S"], "a write went back in version"
        if "version" in new:
            by_listing[lid].append(new["version"]["S"])
    for lid, seen in by_listing.items():
        assert seen == sorted(seen), f"{lid} went back: {seen}"
    for _, correction in pushed:
        final = stored[correction.listing_id]
        assert final.version >= correction.version, "the pushed correction was lost"
        assert final.subject_name == "v2"
        if filed.get(correction.listing_id):
            assert final.objection is not None, "an objection filed was overwritten"
    assert any(filed.values()), "no objection got in: the race was not run"


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
