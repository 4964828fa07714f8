"""The person index on DynamoDB (``chalicelib.dynamodb.persons``): entries read by person key,
steps applied twice leave the same items, a purge erases a listing's entries by its id, and
more than one BatchWriteItem's worth of entries goes through."""

from __future__ import annotations

import pytest

from chalicelib.dynamodb.persons import DynamoPersonIndex
from gateway.persons import IndexEntry
from gateway_client.contract import PersonRole

CODE = "91110000600037341L"


@pytest.fixture
def index(aws) -> DynamoPersonIndex:
    return DynamoPersonIndex(aws.dynamodb, aws.env["CG_PERSONS_TABLE"])


def entry(person: str, listing_id: str, *roles: PersonRole) -> IndexEntry:
    return IndexEntry(
        person=person,
        listing_id=listing_id,
        credit_code=CODE,
        roles=roles or (PersonRole.LEGAL_REPRESENTATIVE,),
    )


def test_entries_are_read_back_by_person_key_with_their_roles(index: DynamoPersonIndex) -> None:
    both = entry("psn_a", "lst_1", PersonRole.DIRECTOR, PersonRole.SHAREHOLDER)
    index.apply([both, entry("psn_a", "lst_2"), entry("psn_b", "lst_1")], [])

    found = sorted(index.entries("psn_a"), key=lambda e: e.listing_id)

    assert found == [both, entry("psn_a", "lst_2")]
    assert index.entries("psn_unknown") == []


def test_a_step_applied_twice_leaves_the_same_items(index: DynamoPersonIndex) -> None:
    index.apply([entry("psn_a", "lst_1"), entry("psn_b", "lst_1")], [])
    for _ in range(2):
        index.apply([entry("psn_c", "lst_1")], [("psn_b", "lst_1")])

    assert [e.person for e in index.entries("psn_c")] == ["psn_c"]
    assert index.entries("psn_b") == []
    assert [e.person for e in index.entries("psn_a")] == ["psn_a"]


def test_a_purge_erases_every_entry_of_the_listing_and_no_other(
    index: DynamoPersonIndex,
) -> None:
    people = [f"psn_{n:02d}" for n in range(30)]  # past one BatchWriteItem (25)
    index.apply([entry(p, "lst_gone") for p in people] + [entry("psn_00", "lst_kept")], [])

    erased = index.erase("lst_gone")

    assert erased == 30
    assert [e.listing_id for e in index.entries("psn_00")] == ["lst_kept"]
    assert all(index.entries(p) == [] for p in people[1:])
    assert index.erase("lst_gone") == 0
