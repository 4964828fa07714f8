"""落实到人 in a check: the listings of organisations that name a checked person as a
responsible person (法定代表人, 主要负责人 …). A company's serious dishonesty goes into its legal
representative's own record (seed 002 (六)), and a check is the 应查必查 gate: a department
checking an individual must see the measures aimed at them, not "nothing found" (review 389).
Read from the person index (``gateway.persons``), as the person query reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from gateway.persons import PersonIndex
from gateway.ports import ListingStore
from gateway.recognition import is_natural_person, rewards
from gateway_client.contract import Listing, person_key

_AT_ONCE = 8  # the persons' index queries in flight


@dataclass(frozen=True)
class Named:
    """Per person's code, the other subjects' listings that name the person; and every
    listing of the subjects of red listings (and incentive grades) among them, by code (their
    incentives are held back while the subject has a black listing in force)."""

    listings: Mapping[str, Sequence[Listing]] = field(default_factory=dict)
    subjects: Mapping[str, Sequence[Listing]] = field(default_factory=dict)


NamedReader = Callable[[Sequence[str]], Named]


def named_reader(persons: PersonIndex, listings: ListingStore) -> NamedReader:
    """What a check reads of the persons among ``codes`` (compacted): the index's entries
    for each, the listings they point at, and the subjects of those that reward."""

    def read(codes: Sequence[str]) -> Named:
        people = [code for code in codes if is_natural_person(code)]
        if not people:
            return Named()
        with ThreadPoolExecutor(max_workers=min(_AT_ONCE, len(people))) as pool:
            entries = pool.map(lambda x: persons.entries(person_key(x)), people)
            found = dict(zip(people, entries, strict=True))
        keys = list({(e.credit_code, e.listing_id) for xs in found.values() for e in xs})
        held = listings.current(keys) if keys else {}
        named = {
            person: list(
                {
                    e.listing_id: held[e.listing_id]
                    for e in entries
                    if e.listing_id in held and held[e.listing_id].credit_code != person
                }.values()
            )
            for person, entries in found.items()
        }
        rewarding = sorted({x.credit_code for xs in named.values() for x in xs if rewards(x)})
        return Named(named, listings.subjects(rewarding) if rewarding else {})

    return read
