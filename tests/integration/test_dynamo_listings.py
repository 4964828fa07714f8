"""DynamoListings: conditional version writes, provenance tags, batch reads, subject queries."""

from __future__ import annotations

import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from integration_support import (
    CREDIT_CODE,
    OTHER_CREDIT_CODE,
    OTHER_REGION,
    REGION,
    SOURCE_UPDATED_AT,
    listing,
)
from moto.dynamodb.models import DynamoDBBackend

from chalicelib.dynamodb.listings import DynamoListings


@pytest.fixture
def listings(aws) -> DynamoListings:
    return DynamoListings(aws.dynamodb, aws.env["CG_LISTINGS_TABLE"])


@pytest.fixture
def atomic_moto_updates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make moto's conditional update atomic, as DynamoDB's is (moto checks, then writes)."""
    lock = threading.Lock()
    original = DynamoDBBackend.update_item

    @functools.wraps(original)
    def update_item(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "update_item", update_item)


def test_applying_a_new_listing_writes_it_and_returns_its_id(listings):
    new = listing()

    written = listings.apply([new], REGION)

    assert written == {new.listing_id}
    stored = listings.subject(CREDIT_CODE)
    assert [x.listing_id for x in stored] == [new.listing_id]
    assert stored[0].version == new.version
    assert stored[0].subject_name == new.subject_name
    assert stored[0].provenances == (REGION,)


def test_applying_an_equal_version_writes_nothing_and_keeps_the_stored_listing(listings):
    first = listing()
    listings.apply([first], REGION)
    same_version = listing(subject_name="改名后的公司")

    written = listings.apply([same_version], REGION)

    assert written == set()
    [stored] = listings.subject(CREDIT_CODE)
    assert stored.version == first.version
    assert stored.subject_name == first.subject_name


def test_applying_an_older_version_writes_nothing_and_keeps_the_newer_listing(listings):
    newer = listing(updated_at=SOURCE_UPDATED_AT + timedelta(days=1))
    listings.apply([newer], REGION)
    older = listing(subject_name="旧名称")

    written = listings.apply([older], OTHER_REGION)

    assert written == set()
    [stored] = listings.subject(CREDIT_CODE)
    assert stored.version == newer.version
    assert stored.subject_name == newer.subject_name
    assert stored.provenances == (REGION,)


def test_applying_a_newer_version_replaces_the_stored_listing(listings):
    listings.apply([listing()], REGION)
    newer = listing(sequence=1, subject_name="新名称")

    written = listings.apply([newer], REGION)

    assert written == {newer.listing_id}
    [stored] = listings.subject(CREDIT_CODE)
    assert stored.version == newer.version
    assert stored.subject_name == "新名称"


@pytest.mark.usefixtures("atomic_moto_updates")
def test_concurrent_applies_of_many_versions_end_at_the_highest_version(listings):
    versions = [listing(sequence=n, subject_name=f"名称{n}") for n in range(24)]
    shuffled = [versions[(n * 7) % 24] for n in range(24)]  # every version, out of order

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda x: listings.apply([x], REGION), shuffled))

    [stored] = listings.subject(CREDIT_CODE)
    assert stored.version == versions[-1].version
    assert stored.subject_name == "名称23"


@pytest.mark.usefixtures("atomic_moto_updates")
def test_one_apply_of_many_versions_of_the_same_listing_never_regresses(listings):
    versions = [listing(sequence=n, subject_name=f"名称{n}") for n in range(16)]
    shuffled = [versions[(n * 5) % 16] for n in range(16)]

    written = listings.apply(shuffled, REGION)

    assert written == {versions[0].listing_id}
    [stored] = listings.subject(CREDIT_CODE)
    assert stored.version == versions[-1].version
    assert listings.apply([versions[-1]], REGION) == set()


def test_add_provenance_adds_a_second_region_once(listings):
    held = listing()
    listings.apply([held], REGION)
    key = (held.credit_code, held.listing_id)

    listings.add_provenance([key, key], OTHER_REGION)
    listings.add_provenance([key], OTHER_REGION)

    [stored] = listings.subject(CREDIT_CODE)
    assert stored.provenances == tuple(sorted((REGION, OTHER_REGION)))
    assert listings.stored_versions([key])[held.listing_id].provenances == {REGION, OTHER_REGION}
    assert stored.version == held.version


def test_add_provenance_for_an_unknown_listing_creates_nothing(listings):
    ghost = listing()

    listings.add_provenance([(ghost.credit_code, ghost.listing_id)], OTHER_REGION)

    assert listings.subject(CREDIT_CODE) == []
    assert listings.stored_versions([(ghost.credit_code, ghost.listing_id)]) == {}


def test_stored_versions_reads_more_than_one_batch_get_page_of_keys(listings):
    held = [listing(decision_number=f"(2024)黑09执{n}号", sequence=n) for n in range(130)]
    listings.apply(held, REGION)
    missing = [listing(decision_number=f"(2023)黑09执{n}号") for n in range(5)]
    keys = [(x.credit_code, x.listing_id) for x in held + missing]

    found = listings.stored_versions(keys + keys[:10])

    assert set(found) == {x.listing_id for x in held}
    assert all(found[x.listing_id].version == x.version for x in held)
    assert all(found[x.listing_id].provenances == {REGION} for x in held)


def test_subject_returns_every_listing_of_the_credit_code_with_its_provenances(listings):
    court = listing()
    tax = listing(
        domain="major_tax_violation",
        deciding_authority="国家税务总局七台河市税务局",
        decision_number="七税稽罚〔2024〕8号",
    )
    elsewhere = listing(credit_code=OTHER_CREDIT_CODE)
    listings.apply([court, tax, elsewhere], REGION)
    listings.add_provenance([(tax.credit_code, tax.listing_id)], OTHER_REGION)

    stored = {x.listing_id: x for x in listings.subject(CREDIT_CODE)}

    assert set(stored) == {court.listing_id, tax.listing_id}
    assert stored[court.listing_id].provenances == (REGION,)
    assert stored[tax.listing_id].provenances == tuple(sorted((REGION, OTHER_REGION)))
    assert stored[tax.listing_id].domain == "major_tax_violation"
    assert listings.subject(OTHER_CREDIT_CODE)[0].listing_id == elsewhere.listing_id
