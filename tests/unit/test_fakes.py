"""The fakes honour the contracts of the ports they stand in for (as the AWS adapters do)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from builders import CITY, COUNTY, NOW, listing, make_signer, make_uscc, platform_key
from fakes import InMemoryBatchLedger, InMemoryListingStore, InMemoryRegistry

from gateway.intake.push import PushResult
from gateway.registry import KeyIdTaken
from gateway_client.contract.errors import BatchIdReused, BatchInProgress

LEASE = timedelta(minutes=2)


def result(batch_id: str = "b-1") -> PushResult:
    return PushResult(
        batch_id=batch_id,
        region=CITY,
        received_at=NOW,
        accepted=0,
        duplicate=0,
        rejected=0,
        outcomes=(),
        errors=(),
    )


def test_the_store_writes_a_listing_it_does_not_hold() -> None:
    store = InMemoryListingStore()
    held = listing()
    assert store.write([(held, None)], CITY) == {held.listing_id}


def test_the_store_refuses_a_new_listing_it_already_holds() -> None:
    store = InMemoryListingStore()
    store.write([(listing(source_sequence=1), None)], CITY)
    assert store.write([(listing(source_sequence=2), None)], CITY) == set()


def test_the_store_refuses_a_write_expecting_another_version() -> None:
    store = InMemoryListingStore()
    first = listing(source_sequence=1)
    store.write([(first, None)], CITY)
    store.write([(listing(source_sequence=3), first.version)], CITY)
    assert store.write([(listing(source_sequence=2), first.version)], CITY) == set()


def test_the_store_adds_the_writing_region_to_earlier_provenances() -> None:
    store = InMemoryListingStore()
    first = listing(source_sequence=1)
    store.write([(first, None)], COUNTY)
    store.write([(listing(source_sequence=2), first.version)], CITY)
    assert store.subject(listing().credit_code)[0].provenances == (CITY, COUNTY)


def test_add_provenance_tags_an_existing_listing_only() -> None:
    store = InMemoryListingStore()
    held, absent = listing(), listing(credit_code=make_uscc(5))
    store.write([(held, None)], COUNTY)
    tags = [(x.credit_code, x.listing_id, x.origin_region) for x in (held, absent)]
    store.add_provenance(tags, CITY)
    assert (store.provenances, store.subject(absent.credit_code)) == (
        {held.listing_id: {CITY, COUNTY}},
        [],
    )


def test_the_ledger_lets_the_first_claim_through() -> None:
    assert InMemoryBatchLedger().claim(CITY, "b-1", "h1", NOW, LEASE) is None


def test_the_ledger_returns_a_finished_batchs_result_to_the_same_body() -> None:
    ledger = InMemoryBatchLedger()
    ledger.claim(CITY, "b-1", "h1", NOW, LEASE)
    ledger.finish(CITY, "b-1", result())
    assert ledger.claim(CITY, "b-1", "h1", NOW, LEASE) == result()


def test_the_ledger_refuses_another_body_under_the_same_batch_id() -> None:
    ledger = InMemoryBatchLedger()
    ledger.claim(CITY, "b-1", "h1", NOW, LEASE)
    ledger.finish(CITY, "b-1", result())
    with pytest.raises(BatchIdReused):
        ledger.claim(CITY, "b-1", "h2", NOW, LEASE)


def test_the_ledger_holds_off_a_second_claim_while_the_lease_runs() -> None:
    ledger = InMemoryBatchLedger()
    ledger.claim(CITY, "b-1", "h1", NOW, LEASE)
    with pytest.raises(BatchInProgress):
        ledger.claim(CITY, "b-1", "h1", NOW + timedelta(minutes=1), LEASE)


def test_the_ledger_lets_a_batch_be_retried_after_a_crashed_claims_lease() -> None:
    ledger = InMemoryBatchLedger()
    ledger.claim(CITY, "b-1", "h1", NOW, LEASE)
    assert ledger.claim(CITY, "b-1", "h1", NOW + timedelta(minutes=3), LEASE) is None


def test_the_ledger_scopes_batch_ids_per_region() -> None:
    ledger = InMemoryBatchLedger()
    ledger.claim(CITY, "b-1", "h1", NOW, LEASE)
    assert ledger.claim(COUNTY, "b-1", "h2", NOW, LEASE) is None


def test_the_registry_refuses_a_key_id_of_another_region_and_keeps_the_first() -> None:
    registry = InMemoryRegistry()
    first = platform_key(make_signer("shared-1"), CITY)
    registry.put_key(first)
    with pytest.raises(KeyIdTaken):
        registry.put_key(platform_key(make_signer("shared-1"), COUNTY))
    assert registry.get_key("shared-1") == first


def test_the_registry_stores_a_regions_own_key_id_again() -> None:
    registry = InMemoryRegistry()
    registry.put_key(platform_key(make_signer("k-1"), CITY))
    revoked = platform_key(make_signer("k-1"), CITY, valid_until=NOW)
    registry.put_key(revoked)
    assert registry.get_key("k-1") == revoked
