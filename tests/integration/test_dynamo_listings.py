"""DynamoListings: conditional version writes, provenance tags, batch reads, subject queries."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from integration_support import (
    CREDIT_CODE,
    OTHER_CREDIT_CODE,
    OTHER_REGION,
    REGION,
    listing,
)

from chalicelib.dynamodb.listings import DynamoListings
from gateway_client.contract.listing import Listing


@pytest.fixture
def listings(aws) -> DynamoListings:
    return DynamoListings(aws.dynamodb, aws.env["CG_LISTINGS_TABLE"])


def new(listings: DynamoListings, *items: Listing, region: str = REGION) -> set[str]:
    return listings.write([(x, None) for x in items], region)


def advance(listings: DynamoListings, wanted: Listing) -> None:
    """What the push pipeline does: read, compare, compare-and-set, retry after a lost race."""
    while True:
        held = listings.current([(wanted.credit_code, wanted.listing_id)]).get(wanted.listing_id)
        if held is not None and held.version >= wanted.version:
            return
        expected = None if held is None else held.version
        if listings.write([(wanted, expected)], REGION):
            return


def test_writing_a_new_listing_stores_it_and_returns_its_id(listings):
    first = listing()

    written = new(listings, first)

    assert written == {first.listing_id}
    stored = listings.subject(CREDIT_CODE)
    assert [x.listing_id for x in stored] == [first.listing_id]
    assert stored[0].version == first.version
    assert stored[0].subject_name == first.subject_name
    assert stored[0].provenances == (REGION,)


def test_writing_a_new_listing_that_already_exists_writes_nothing(listings):
    first = listing()
    new(listings, first)

    written = new(listings, listing(subject_name="改名后的公司"))

    assert written == set()
    [stored] = listings.subject(CREDIT_CODE)
    assert stored.subject_name == first.subject_name


def test_a_write_expecting_a_version_that_is_no_longer_stored_loses(listings):
    first = listing()
    new(listings, first)
    listings.write([(listing(sequence=2, subject_name="第二"), first.version)], REGION)

    written = listings.write(
        [(listing(sequence=1, subject_name="过时"), first.version)], OTHER_REGION
    )

    assert written == set()
    [stored] = listings.subject(CREDIT_CODE)
    assert stored.subject_name == "第二"
    assert stored.provenances == (REGION,)


def test_a_write_expecting_the_stored_version_replaces_the_listing(listings):
    first = listing()
    new(listings, first)
    newer = listing(sequence=1, subject_name="新名称")

    written = listings.write([(newer, first.version)], REGION)

    assert written == {newer.listing_id}
    [stored] = listings.subject(CREDIT_CODE)
    assert stored.version == newer.version
    assert stored.subject_name == "新名称"


def test_a_write_without_a_region_leaves_the_provenances_alone(listings):
    first = listing()
    new(listings, first)

    listings.write([(listing(sequence=1), first.version)], None)

    [stored] = listings.subject(CREDIT_CODE)
    assert stored.provenances == (REGION,)


def test_concurrent_writers_of_many_versions_end_at_the_highest_version(listings):
    versions = [listing(sequence=n, subject_name=f"名称{n}") for n in range(24)]
    shuffled = [versions[(n * 7) % 24] for n in range(24)]  # every version, out of order

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda x: advance(listings, x), shuffled))

    [stored] = listings.subject(CREDIT_CODE)
    assert stored.version == versions[-1].version
    assert stored.subject_name == "名称23"


def test_delete_erases_only_the_version_it_names(listings):
    first = listing()
    new(listings, first)
    newer = listing(sequence=1)
    listings.write([(newer, first.version)], REGION)

    assert listings.delete(first) is False
    assert listings.delete(newer) is True
    assert listings.subject(CREDIT_CODE) == []


def test_add_provenance_adds_a_second_region_once(listings):
    held = listing()
    new(listings, held)
    key = (held.credit_code, held.listing_id)
    tag = (*key, held.origin_region)

    listings.add_provenance([tag, tag], OTHER_REGION)
    listings.add_provenance([tag], OTHER_REGION)

    [stored] = listings.subject(CREDIT_CODE)
    assert stored.provenances == tuple(sorted((REGION, OTHER_REGION)))
    assert listings.current([key])[held.listing_id].provenances == tuple(
        sorted((REGION, OTHER_REGION))
    )
    assert stored.version == held.version


def test_add_provenance_for_an_unknown_listing_creates_nothing(listings):
    ghost = listing()

    listings.add_provenance([(ghost.credit_code, ghost.listing_id, REGION)], OTHER_REGION)

    assert listings.subject(CREDIT_CODE) == []
    assert listings.current([(ghost.credit_code, ghost.listing_id)]) == {}


def test_current_reads_more_than_one_batch_get_page_of_keys(listings):
    held = [listing(decision_number=f"(2024)黑09执{n}号", sequence=n) for n in range(130)]
    new(listings, *held)
    missing = [listing(decision_number=f"(2023)黑09执{n}号") for n in range(5)]
    keys = [(x.credit_code, x.listing_id) for x in held + missing]

    found = listings.current(keys + keys[:10])

    assert set(found) == {x.listing_id for x in held}
    assert all(found[x.listing_id].version == x.version for x in held)
    assert all(found[x.listing_id].provenances == (REGION,) for x in held)


def test_subject_returns_every_listing_of_the_credit_code_with_its_provenances(listings):
    court = listing()
    tax = listing(
        domain="major_tax_violation",
        deciding_authority="国家税务总局七台河市税务局",
        decision_number="七税稽罚〔2024〕8号",
    )
    elsewhere = listing(credit_code=OTHER_CREDIT_CODE)
    new(listings, court, tax, elsewhere)
    listings.add_provenance([(tax.credit_code, tax.listing_id, tax.origin_region)], OTHER_REGION)

    stored = {x.listing_id: x for x in listings.subject(CREDIT_CODE)}

    assert set(stored) == {court.listing_id, tax.listing_id}
    assert stored[court.listing_id].provenances == (REGION,)
    assert stored[tax.listing_id].provenances == tuple(sorted((REGION, OTHER_REGION)))
    assert stored[tax.listing_id].domain == "major_tax_violation"
    assert listings.subject(OTHER_CREDIT_CODE)[0].listing_id == elsewhere.listing_id


def test_a_query_read_one_item_a_page_still_yields_every_item(listings, aws):
    held = [listing(), listing(domain="major_tax_violation", decision_number="七税稽罚〔2024〕8号")]
    new(listings, *held)

    items = listings._query_items(  # subject() reads its pages this way
        TableName=aws.env["CG_LISTINGS_TABLE"],
        KeyConditionExpression="credit_code = :c",
        ExpressionAttributeValues={":c": {"S": CREDIT_CODE}},
        Limit=1,
    )

    assert sorted(x["listing_id"]["S"] for x in items) == sorted(x.listing_id for x in held)
