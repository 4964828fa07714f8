"""Builders shared by the repository tests: valid entries, listings, changes and deliveries."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.dynamodb.listings import DynamoListings
from chalicelib.dynamodb.sealed_tokens import Sealer
from chalicelib.dynamodb.stats_sources import StatsSources
from gateway.delivery.planning import Delivery, delivery_id
from gateway.delivery.records import Attempt
from gateway.recognition.matching import recognise
from gateway_client.contract.change import change_between
from gateway_client.contract.codes import classify
from gateway_client.contract.listing import Listing, ListingEntry, entry_version, identity_of

CREDIT_CODE = "91110000600037341L"
OTHER_CREDIT_CODE = "91430100687234560U"
REGION = "230900"  # 七台河市
OTHER_REGION = "430000"  # 湖南省
ACCEPTED_AT = datetime(2024, 3, 2, 8, 0, tzinfo=UTC)
SOURCE_UPDATED_AT = datetime(2024, 3, 2, 9, 0, tzinfo=UTC)


def black_entry(**overrides: Any) -> dict[str, Any]:
    """A valid black-list entry, as a platform would push it."""
    entry: dict[str, Any] = {
        "credit_code": CREDIT_CODE,
        "subject_name": "七台河某某建设工程有限公司",
        "kind": "black",
        "domain": "court_defaulter",
        "severity": "serious",
        "reason": "有履行能力而拒不履行生效法律文书确定的义务",
        "legal_basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        "deciding_authority": "七台河市中级人民法院",
        "decision_number": "(2024)黑09执123号",
        "decided_on": "2024-03-01",
        "valid_from": "2024-03-01",
        "source_updated_at": SOURCE_UPDATED_AT.isoformat(),
    }
    entry.update(overrides)
    return entry


def listing(
    *,
    region: str = REGION,
    updated_at: datetime = SOURCE_UPDATED_AT,
    sequence: int = 0,
    **overrides: Any,
) -> Listing:
    """A listing as the gateway holds it after accepting ``black_entry(**overrides)``."""
    raw = black_entry(source_updated_at=updated_at.isoformat(), source_sequence=sequence)
    raw.update(overrides)
    entry = ListingEntry.model_validate(raw)
    return Listing.model_validate(
        {
            **entry.model_dump(),
            "origin_region": region,
            "listing_id": identity_of(entry),
            "version": entry_version(entry),
            "subject_type": classify(entry.credit_code)[1],
            "provenances": (region,),
            "accepted_at": ACCEPTED_AT,
        }
    )


def delivery_for(subscription_id: str, listed: Listing | None = None) -> Delivery:
    change = change_between(listed or listing(), None)
    assert change is not None
    return Delivery(
        delivery_id=delivery_id(change.change_id, subscription_id),
        subscription_id=subscription_id,
        change=change,
        recognition=recognise(change.listing, "230000", [], change.occurred_at.date()),
    )


def attempt(status: int, at: datetime = ACCEPTED_AT, seconds: int = 0) -> Attempt:
    return Attempt(
        at=at + timedelta(seconds=seconds),
        status=status,
        latency_ms=12,
        response_excerpt=f"HTTP {status}",
    )


def every_subject(listings: DynamoListings) -> list[list[Listing]]:
    """Every listing held, one subject at a time, walked a page at a time as the reindex does."""
    sealer = Sealer(lambda: b"k" * 32, b"tests")
    grouped: dict[str, list[Listing]] = defaultdict(list)
    after: str | None = None
    while True:
        page, after = listings.scan_page(sealer, after, 2)
        for held in page:
            grouped[held.credit_code].append(held)
        if after is None:
            return list(grouped.values())


def stats_sources(aws: Any) -> StatsSources:
    """The statistics rebuild's readings of the provisioned tables."""
    return StatsSources(
        aws.dynamodb,
        listings=aws.env["CG_LISTINGS_TABLE"],
        batches=aws.env["CG_BATCHES_TABLE"],
        deliveries=aws.env["CG_DELIVERIES_TABLE"],
        feedback=aws.env["CG_FEEDBACK_TABLE"],
        uploads=aws.env["CG_UPLOADS_TABLE"],
    )
