"""Properties of the push pipeline: order of arrival and replays never change the outcome."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from builders import (
    CITY,
    COUNTY,
    NOW,
    entry,
    make_signer,
    make_uscc,
    platform_key,
    region,
    sign_headers,
    signed_push,
)
from fakes import InMemoryArchive, InMemoryBatchLedger, InMemoryListingStore, InMemoryRegistry
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.intake.ingest import PushService
from gateway_client.contract.clock import FixedClock
from gateway_client.contract.listing import ListingEntry, entry_version, identity_of

CITY_SIGNER = make_signer("city-441800-k1")
COUNTY_SIGNER = make_signer("county-441802-k1")

L1 = {"credit_code": make_uscc(11)}
L2 = {"credit_code": make_uscc(12)}
L3 = {"credit_code": make_uscc(13), "origin_region": COUNTY}


def version(listing: dict[str, Any], sequence: int, hour: int = 8) -> dict[str, Any]:
    return entry(
        **listing,
        source_sequence=sequence,
        source_updated_at=f"2025-03-02T{hour:02d}:00:00+08:00",
    )


# (signer, region, batch id, entries); versions overlap, repeat and go backwards on purpose.
BATCHES = [
    (CITY_SIGNER, CITY, "a", [version(L1, 3), version(L2, 1)]),
    (CITY_SIGNER, CITY, "b", [version(L1, 1), version(L2, 2), version(L1, 2)]),
    (CITY_SIGNER, CITY, "c", [version(L1, 3), version(L3, 5), version(L2, 0, hour=9)]),
    (COUNTY_SIGNER, COUNTY, "d", [version({**L3, "origin_region": None}, 4)]),
    (COUNTY_SIGNER, COUNTY, "e", [version({**L3, "origin_region": None}, 6, hour=7)]),
]
BODIES = [signed_push(s, r, entries, b, NOW)[1] for s, r, b, entries in BATCHES]


def expected_versions() -> dict[str, str]:
    newest: dict[str, str] = {}
    for *_, entries in BATCHES:
        for raw in entries:
            valid = ListingEntry.model_validate(raw)
            key = identity_of(valid)
            newest[key] = max(newest.get(key, ""), entry_version(valid))
    return newest


def fresh_service() -> tuple[PushService, InMemoryListingStore, FixedClock]:
    registry = InMemoryRegistry()
    for code in (CITY, COUNTY):
        registry.put_region(region(code))
    registry.put_key(platform_key(CITY_SIGNER, CITY))
    registry.put_key(platform_key(COUNTY_SIGNER, COUNTY))
    store = InMemoryListingStore()
    clock = FixedClock(NOW)
    service = PushService(
        registry, InMemoryArchive(), InMemoryBatchLedger(), store, clock, purged=lambda ids: {}
    )
    return service, store, clock


def push_in_order(order: list[int]) -> InMemoryListingStore:
    service, store, clock = fresh_service()
    for index in order:
        signer, _, batch_id, _ = BATCHES[index]
        clock.advance(timedelta(seconds=1))
        service.push(sign_headers(signer, batch_id, BODIES[index], clock.now()), BODIES[index])
    return store


arrivals = st.lists(st.sampled_from(range(len(BATCHES))), max_size=5).flatmap(
    lambda extra: st.permutations(list(range(len(BATCHES))) + extra)
)


@settings(max_examples=60, deadline=None)
@given(arrivals)
def test_any_arrival_order_with_replays_ends_with_the_newest_versions(order: list[int]) -> None:
    assert push_in_order(order).versions() == expected_versions()


@settings(max_examples=60, deadline=None)
@given(arrivals)
def test_any_arrival_order_ends_with_the_same_provenances(order: list[int]) -> None:
    reference = push_in_order(list(range(len(BATCHES)))).provenances
    assert push_in_order(order).provenances == reference


@settings(max_examples=60, deadline=None)
@given(arrivals)
def test_the_versions_written_for_a_listing_only_ever_increase(order: list[int]) -> None:
    written = push_in_order(order).written_versions
    assert all(versions == sorted(set(versions)) for versions in written.values()), written
