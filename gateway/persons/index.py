"""The person index: which listings name a resident ID number as a responsible person.

It is kept from the listings stream (``chalicelib.events.fan_out``), not by the push path: each
step of a listing, old image against new, puts the persons it adds (or whose roles changed) and
deletes the ones it drops; a purge drops them all. Puts and deletes are idempotent, so a
stream batch handled twice leaves the same index. The index is a hint, never the truth: the
query reads the listings it points at and keeps only those that still name the number.

Only full, valid resident ID numbers are indexed (a masked one names nobody for sure), under
``person_key``: a keyed hash, so no key of the index is a number. Each entry carries the
listing's own key (its credit code) to read it by: a natural person's resident ID when the
listed subject is one — what the listings table holds anyway, and erased with it by the purge.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from gateway.persons.ports import PersonIndex
from gateway_client.contract import (
    Frozen,
    Listing,
    PersonRole,
    SubjectType,
    classify,
    person_key,
)


class IndexEntry(Frozen):
    """One (person, listing): the roles the person holds in it, and where the listing is."""

    person: str  # ``person_key`` of the ID number
    listing_id: str
    credit_code: str  # the listing's key in the listings table (purged with it)
    roles: tuple[PersonRole, ...]


@dataclass(frozen=True)
class IndexChanges:
    puts: tuple[IndexEntry, ...] = ()
    deletes: tuple[tuple[str, str], ...] = ()  # (person, listing id)


def resident_id(id_number: str | None) -> str | None:
    """The number, compacted, when it is a full resident ID number that validates (GB 11643);
    ``None`` for a masked one, an organisation's code, or none."""
    if id_number is None:
        return None
    try:
        code, subject_type = classify(id_number)
    except ValueError:  # CodeProblem: a masked number, or no code at all
        return None
    return code if subject_type is SubjectType.NATURAL_PERSON else None


def shown_in_full(listings: Sequence[Listing]) -> dict[str, list[Listing]]:
    """Each responsible person's number the ``listings`` (as shown to someone) show in full,
    with the listings that do: the look goes in that number's query trail too, as the person
    query's does (review 184: an organisation's lookup showing its legal representative's
    number left nothing under the number)."""
    found: dict[str, list[Listing]] = {}
    for listing in listings:
        for number in dict.fromkeys(resident_id(p.id_number) for p in listing.responsible_persons):
            if number is not None:
                found.setdefault(number, []).append(listing)
    return found


def traced_in(shown: Sequence[Listing], held: Mapping[str, Listing]) -> dict[str, list[Listing]]:
    """Each person a person query's page (``shown``) is a look at, with the listings that show
    them: every responsible person shown in full (``shown_in_full``), and the subject of a
    natural person's listing (its code from ``held``, by listing id), shown in full or masked —
    as a one-stop query of that code would be traced under it (review 274: a co-named director,
    or the person listed, was shown through another's number and nothing was traced)."""
    found = shown_in_full(shown)
    for listing in shown:
        whole = held.get(listing.listing_id)
        code = resident_id(whole.credit_code) if whole is not None else None
        if code is not None and listing not in found.get(code, []):
            found.setdefault(code, []).append(listing)
    return found


def entries_of(listing: Listing | None) -> dict[str, IndexEntry]:
    """The index entries a listing calls for, by person key (a person named twice, in two
    roles, is one entry holding both)."""
    if listing is None:
        return {}
    roles: dict[str, dict[PersonRole, None]] = {}
    for person in listing.responsible_persons:
        number = resident_id(person.id_number)
        if number is not None:
            roles.setdefault(person_key(number), {})[person.role] = None
    return {
        key: IndexEntry(
            person=key,
            listing_id=listing.listing_id,
            credit_code=listing.credit_code,
            roles=tuple(held),
        )
        for key, held in roles.items()
    }


def index_changes(new: Listing | None, old: Listing | None) -> IndexChanges:
    """What one step of a listing (``old`` → ``new``; ``None`` new: erased) does to the index."""
    now, was = entries_of(new), entries_of(old)
    return IndexChanges(
        puts=tuple(e for key, e in now.items() if was.get(key) != e),
        deletes=tuple((key, e.listing_id) for key, e in was.items() if key not in now),
    )


_FLUSH = 500  # entries a rebuild holds before it writes them


class PersonIndexer:
    """Keeps the index in step with the listings, one stream batch at a time."""

    def __init__(self, index: PersonIndex) -> None:
        self.index = index

    def follow(
        self,
        steps: Sequence[tuple[Listing | None, Listing | None]],
        purged: Callable[[Sequence[str]], Collection[str]],
    ) -> IndexChanges:
        """Apply the steps (new, old), in order, as one write: for each (person, listing) the
        last step's word stands, which is what applying them one by one would leave. What it
        put for a listing a purge has marked is erased again, as ``rebuild`` does: a stream
        batch re-driven after the purge (and after its tombstone's fan-out cleaned the index)
        brought the entry, naming the full number, back for good (review 265)."""
        last: dict[tuple[str, str], IndexEntry | None] = {}
        for new, old in steps:
            changes = index_changes(new, old)
            last.update({(e.person, e.listing_id): e for e in changes.puts})
            last.update(dict.fromkeys(changes.deletes))
        made = IndexChanges(
            puts=tuple(e for e in last.values() if e is not None),
            deletes=tuple(pair for pair, e in last.items() if e is None),
        )
        if made.puts or made.deletes:
            self.index.apply(made.puts, made.deletes)
        if made.puts:  # asked after the write: a purge marking meanwhile is caught too
            self._erase_purged(made.puts, purged)
        return made

    def _erase_purged(
        self, put: Sequence[IndexEntry], purged: Callable[[Sequence[str]], Collection[str]]
    ) -> set[str]:
        """Of the entries just ``put``, those of listings a purge has marked, deleted by their
        own keys, then anything else of those listings the ``by_listing`` index finds: that
        index is updated after the write, so an entry put a moment before may not be in it yet
        (review 274: the entry, naming the full number, stayed for good). The listings marked."""
        gone = set(purged(sorted({e.listing_id for e in put})))
        if gone:
            self.index.apply((), [(e.person, e.listing_id) for e in put if e.listing_id in gone])
            for listing_id in sorted(gone):
                self.index.erase(listing_id)
        return gone

    def rebuild(
        self, listings: Iterable[Listing], purged: Callable[[Sequence[str]], Collection[str]]
    ) -> int:
        """Put every entry the listings call for (listings stored before the index existed,
        which no stream record will bring again); idempotent. How many entries were put and
        kept. A purge marks its listing (``purged``) before it erases the listing's entries:
        what a flush put for a listing marked by then is erased again, as the purge that ran
        while this read would have left nothing (review 54: the entry, naming the full number,
        stayed for good)."""
        pending: list[IndexEntry] = []
        count = 0
        for listing in listings:
            pending += entries_of(listing).values()
            if len(pending) >= _FLUSH:
                count, pending = count + self._flush(pending, purged), []
        return count + self._flush(pending, purged) if pending else count

    def _flush(
        self, entries: list[IndexEntry], purged: Callable[[Sequence[str]], Collection[str]]
    ) -> int:
        self.index.apply(entries, ())
        gone = self._erase_purged(entries, purged)
        return sum(e.listing_id not in gone for e in entries)
