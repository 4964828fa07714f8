"""落实到人 (seed 001 二(三)6 "聯合懲戒措施落實到人", 002 五(六), 003 (十五)): the roles a listing
names, and the keyed person index kept from old and new images."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from builders import (
    listing,
    make_resident_id,
    make_uscc,
    person,
)
from builders import with_status as moved

from gateway.persons import (
    IndexChanges,
    IndexEntry,
    PersonIndexer,
    index_changes,
)
from gateway_client.contract import (
    Listing,
    ListingStatus,
    PersonRole,
    ResponsiblePerson,
    mask,
    person_key,
)

REPRESENTATIVE = make_resident_id("19850315", 217, "110108")
PRINCIPAL = make_resident_id("19790601", 33, "110105")
COMPANY = make_uscc(7)


def company(*persons: dict[str, object], **overrides: object) -> Listing:
    """清城区's (441802) black listing of a company naming ``persons``."""
    return listing(
        credit_code=COMPANY, origin_region="441802", responsible_persons=list(persons), **overrides
    )


# -- roles (seeds 001 二(三)6, 003 (十五): 法定代表人、主要负责人、高级管理人员, and the
#    董事、股东、注册执业人员 directly responsible) --

ROLES = [
    ("legal_representative", "法定代表人"),
    ("principal", "主要负责人"),
    ("senior_manager", "高级管理人员"),
    ("director", "董事"),
    ("shareholder", "股东"),
    ("registered_practitioner", "注册执业人员"),
    ("directly_responsible", "直接责任人 (older pushes)"),
]


@pytest.mark.parametrize(("role", "term"), ROLES)
def test_each_role_the_seeds_name_is_accepted_on_a_responsible_person(role: str, term: str) -> None:
    assert ResponsiblePerson(name="王某", role=role).role is PersonRole(role), term


def test_a_role_the_seeds_do_not_name_is_refused() -> None:
    with pytest.raises(ValueError, match="role"):
        ResponsiblePerson(name="王某", role="accountant")


# -- the index (old image → new image: puts and deletes) --


def key(number: str) -> str:
    return person_key(number)


def entry_of(held: Listing, number: str, *roles: PersonRole) -> IndexEntry:
    return IndexEntry(
        person=key(number), listing_id=held.listing_id, credit_code=COMPANY, roles=roles
    )


BEFORE = company(person("王某", "legal_representative", REPRESENTATIVE))
BOTH = company(
    person("王某", "legal_representative", REPRESENTATIVE),
    person("刘某", "principal", PRINCIPAL),
)
TWO_ROLES = company(
    person("王某", "legal_representative", REPRESENTATIVE),
    person("王某", "shareholder", REPRESENTATIVE),
)
MASKED_ONLY = company(person("王某", "legal_representative", mask(REPRESENTATIVE)))
NO_NUMBER = company(person("王某", "legal_representative", None))
ORGANISATION_AS_SHAREHOLDER = company(person("某投资公司", "shareholder", make_uscc(8)))
LEGAL = PersonRole.LEGAL_REPRESENTATIVE

INDEX_CASES = [
    # name, new image, old image → puts, deletes
    ("listed", BEFORE, None, [entry_of(BEFORE, REPRESENTATIVE, LEGAL)], []),
    (
        "a-person-added",
        BOTH,
        BEFORE,
        [entry_of(BOTH, PRINCIPAL, PersonRole.PRINCIPAL)],
        [],
    ),
    ("a-person-dropped", BEFORE, BOTH, [], [(key(PRINCIPAL), BOTH.listing_id)]),
    ("unchanged-persons", moved(BEFORE, ListingStatus.REVOKED), BEFORE, [], []),
    (
        "a-role-added",
        TWO_ROLES,
        BEFORE,
        [entry_of(TWO_ROLES, REPRESENTATIVE, LEGAL, PersonRole.SHAREHOLDER)],
        [],
    ),
    (
        "purged",
        None,
        BOTH,
        [],
        [(key(REPRESENTATIVE), BOTH.listing_id), (key(PRINCIPAL), BOTH.listing_id)],
    ),
    ("masked-number", MASKED_ONLY, None, [], []),
    ("no-number", NO_NUMBER, None, [], []),
    ("organisation-code", ORGANISATION_AS_SHAREHOLDER, None, [], []),
    ("number-masked-later", MASKED_ONLY, BEFORE, [], [(key(REPRESENTATIVE), BEFORE.listing_id)]),
]


@pytest.mark.parametrize(
    ("new", "old", "puts", "deletes"),
    [case[1:] for case in INDEX_CASES],
    ids=[case[0] for case in INDEX_CASES],
)
def test_each_step_of_a_listing_puts_the_persons_it_adds_and_deletes_those_it_drops(
    new: Listing | None,
    old: Listing | None,
    puts: list[IndexEntry],
    deletes: list[tuple[str, str]],
) -> None:
    assert index_changes(new, old) == IndexChanges(tuple(puts), tuple(deletes))


def test_the_index_key_is_keyed_and_holds_no_part_of_the_number() -> None:
    made = key(REPRESENTATIVE)
    assert made.startswith("psn_")
    assert len(made) == 68
    assert REPRESENTATIVE[6:14] not in made
    assert REPRESENTATIVE[:6] not in made
    assert made != key(PRINCIPAL)


class DictIndex:
    """An in-memory person index: (person, listing id) → entry."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], IndexEntry] = {}
        self.writes = 0

    def apply(self, puts: list[IndexEntry], deletes: list[tuple[str, str]]) -> None:
        self.writes += 1
        self.items.update({(e.person, e.listing_id): e for e in puts})
        for pair in deletes:
            self.items.pop(pair, None)

    def entries(self, person: str) -> list[IndexEntry]:
        return [e for (p, _), e in self.items.items() if p == person]

    def erase(self, listing_id: str) -> int:
        gone = [pair for pair in self.items if pair[1] == listing_id]
        for pair in gone:
            del self.items[pair]
        return len(gone)


def test_a_stream_batch_followed_twice_leaves_the_same_index() -> None:
    steps: list[tuple[Listing | None, Listing | None]] = [
        (BEFORE, None),
        (BOTH, BEFORE),
        (BEFORE, BOTH),
    ]
    index = DictIndex()
    indexer = PersonIndexer(index)
    indexer.follow(steps, none_purged)
    once = dict(index.items)
    indexer.follow(steps, none_purged)
    assert (
        index.items
        == once
        == {(key(REPRESENTATIVE), BEFORE.listing_id): entry_of(BEFORE, REPRESENTATIVE, LEGAL)}
    )


def test_a_purge_step_empties_the_index_of_the_listing() -> None:
    index = DictIndex()
    PersonIndexer(index).follow([(BOTH, None), (None, BOTH)], none_purged)
    assert index.items == {}


def test_a_step_of_a_purged_listing_handed_again_leaves_no_entry() -> None:
    """Review 265: a stream batch re-driven after the purge put the entry, naming the full
    number, back for good."""
    index = DictIndex()
    PersonIndexer(index).follow([(BOTH, None)], lambda ids: set(ids))
    assert index.items == {}


def test_a_batch_is_written_once_with_each_pairs_last_word() -> None:
    """A person added and dropped within one stream batch ends deleted, in one write."""
    index = DictIndex()
    index.items[(key(PRINCIPAL), BOTH.listing_id)] = entry_of(BOTH, PRINCIPAL, PersonRole.PRINCIPAL)
    written = PersonIndexer(index).follow(
        [(BEFORE, None), (BOTH, BEFORE), (BEFORE, BOTH)], none_purged
    )
    assert index.writes == 1
    assert written == IndexChanges(
        puts=(entry_of(BEFORE, REPRESENTATIVE, LEGAL),),
        deletes=((key(PRINCIPAL), BOTH.listing_id),),
    )
    assert list(index.items) == [(key(REPRESENTATIVE), BEFORE.listing_id)]


def none_purged(listing_ids: Sequence[str]) -> set[str]:
    return set()


def test_a_rebuild_puts_every_entry_the_listings_call_for_and_changes_nothing_twice() -> None:
    """Listings stored before the index existed (no stream record brings them again)."""
    index = DictIndex()
    indexer = PersonIndexer(index)
    listings = [BOTH, MASKED_ONLY, ORGANISATION_AS_SHAREHOLDER] * 200  # past one flush

    assert indexer.rebuild(listings, none_purged) == 400
    once = dict(index.items)
    indexer.rebuild(listings, none_purged)

    assert (
        index.items
        == once
        == {
            (key(REPRESENTATIVE), BOTH.listing_id): entry_of(BOTH, REPRESENTATIVE, LEGAL),
            (key(PRINCIPAL), BOTH.listing_id): entry_of(BOTH, PRINCIPAL, PersonRole.PRINCIPAL),
        }
    )


def test_a_rebuild_erases_again_what_it_put_for_a_listing_purged_while_it_read() -> None:
    """Review 54, F1: a purge between the rebuild's read and its write erased the entries
    first, and the rebuild put them back for good (the full number in the listing's key)."""
    index = DictIndex()
    other = company(
        person("王某", "legal_representative", REPRESENTATIVE), decision_number="(2025)粤1802执9号"
    )
    purged_meanwhile = {BOTH.listing_id}  # marked by the purge before it erased the index

    kept = PersonIndexer(index).rebuild([BOTH, other], lambda ids: purged_meanwhile & set(ids))

    assert kept == 1
    assert list(index.items) == [(key(REPRESENTATIVE), other.listing_id)]


class LaggingIndex(DictIndex):
    """Its ``by_listing`` index (what ``erase`` reads) does not hold an entry put a moment ago
    yet, as DynamoDB updates a global secondary index after the write (review 274)."""

    def erase(self, listing_id: str) -> int:
        return 0


def test_what_a_step_put_for_a_purged_listing_goes_by_its_key_whatever_the_index_lags() -> None:
    index = LaggingIndex()
    PersonIndexer(index).follow([(BOTH, None)], lambda ids: set(ids))
    assert index.items == {}


def test_what_a_rebuild_put_for_a_purged_listing_goes_by_its_key_whatever_the_index_lags() -> None:
    index = LaggingIndex()
    assert PersonIndexer(index).rebuild([BOTH], lambda ids: set(ids)) == 0
    assert index.items == {}
