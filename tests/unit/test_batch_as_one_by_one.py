"""One batch of a listing's entries stores what the same entries sent one by one store, and
answers each the same (but an entry the batch superseded: a duplicate where one by one wrote
it) — black listings with their periods, persons and wording, commitments with their outcomes,
held as pushed or moved on by an owner's step, from the owner or a relaying parent (reviews
375, 379: an older entry after a newer one, persons named before, retention and period rules
were judged against the listing held before the batch)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from builders import CITY, COUNTY, entry, evolved, listing
from hypothesis import given, settings
from hypothesis import strategies as st
from test_commitments import commitment_entry

from gateway.intake.dedup import same_entry
from gateway.intake.storing import Stored, store
from gateway.ports import Write
from gateway_client.contract import Listing
from gateway_client.contract.listing_entry import version_of

TODAY = date(2025, 6, 2)
PERSONS = [{"name": "张某", "role": "legal_representative", "id_number": "11010519491231002X"}]


class _Store:
    """The listing store as ``store`` needs it: compare-and-set writes by version."""

    def __init__(self, held: Mapping[str, Listing]) -> None:
        self.held = dict(held)

    def current(self, keys: Sequence[tuple[str, str]]) -> dict[str, Listing]:
        return {i: self.held[i] for _, i in keys if i in self.held}

    def write(self, writes: Sequence[Write], region: str | None) -> set[str]:
        done = set()
        for new, expected in writes:
            now = self.held.get(new.listing_id)
            if (now.version if now is not None else None) == expected:
                marks = set(new.provenances) | ({region} if region else set())
                self.held[new.listing_id] = new.model_copy(
                    update={"provenances": tuple(sorted(marks))}
                )
                done.add(new.listing_id)
        return done

    def add_provenance(self, tags: Sequence[tuple[str, str, str]], region: str) -> None:
        for _, lid, _ in tags:
            now = self.held[lid]
            marks = tuple(sorted({*now.provenances, region}))
            self.held[lid] = now.model_copy(update={"provenances": marks})


def _stamp(second: int) -> str:
    return f"2025-06-01T08:00:{second:02d}+08:00"


def _black(second: int, later_start: bool, until: str | None, named: bool, reworded: bool) -> Any:
    made = entry(
        valid_from="2025-04-02" if later_start else "2025-03-02",
        valid_until=until,
        source_updated_at=_stamp(second),
    )
    if until is None:
        made["open_ended"] = True
    if named:
        made["responsible_persons"] = PERSONS
    if reworded:
        made["reason"] = "另一理由"
    return listing(made)


def _commitment(second: int, outcome: str | None, named: bool) -> Any:
    settled = {"outcome": outcome, "outcome_on": "2019-05-01"} if outcome else {}
    made = commitment_entry(**settled, deadline="2019-04-20")
    made.update(decided_on="2019-04-01", valid_from="2019-04-01", source_updated_at=_stamp(second))
    if named:
        made["responsible_persons"] = PERSONS
    return listing(made)


SECONDS = st.sampled_from([1, 3, 4, 5, 6])
BLACK = st.builds(
    _black,
    SECONDS,
    st.booleans(),
    st.sampled_from(["2027-03-02", "2027-02-01", None]),
    st.booleans(),
    st.booleans(),
)
COMMITMENT = st.builds(
    _commitment, SECONDS, st.sampled_from([None, "kept", "broken"]), st.booleans()
)


def _answers(stored: Stored) -> dict[int, str]:
    found = {i: "accepted" for i, _ in stored.accepted}
    found |= {i: "duplicate" for i, _ in stored.duplicates}
    for refusal in stored.refused:
        assert refusal.index not in found, refusal  # one answer each
        found[refusal.index] = f"{refusal.code}:{refusal.field}"
    return found


def _sent(
    held: Mapping[str, Listing], entries: list[tuple[int, Listing]], size: int, relays: bool
) -> tuple[dict[int, str], dict[str, Listing]]:
    kept = _Store(held)
    answers: dict[int, str] = {}
    for start in range(0, len(entries), size):
        batch = entries[start : start + size]
        answers |= _answers(store(kept, batch, CITY, relays, lambda ids: {}, TODAY, 5))
    return answers, kept.held


def _held(kind: st.SearchStrategy[Listing]) -> st.SearchStrategy[Listing | None]:
    stepped = st.builds(  # an owner's step since moved the version on (stale_version)
        lambda x: evolved(x, version=version_of(datetime.fromisoformat(_stamp(5)), 1)), kind
    )
    return st.one_of(st.none(), kind, stepped)


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    kind=st.sampled_from([BLACK, COMMITMENT]),
    relays=st.booleans(),
)
def test_one_batch_as_its_entries_one_by_one(data: Any, kind: Any, relays: bool) -> None:
    held = data.draw(_held(kind))
    if held is not None and relays:  # a county's listing, pushed by the city relaying it
        held = held.model_copy(update={"origin_region": COUNTY, "provenances": (COUNTY,)})
    stored = {} if held is None else {held.listing_id: held}
    drawn = data.draw(st.lists(kind, min_size=2, max_size=4))
    entries = list(enumerate(drawn))

    alone, after_alone = _sent(stored, entries, 1, relays)
    together, after_together = _sent(stored, entries, len(entries), relays)

    assert set(together) == set(alone)
    superseded = {i for i in alone if (alone[i], together[i]) == ("accepted", "duplicate")}
    assert all(together[i] == alone[i] or i in superseded for i in alone), (alone, together)
    assert after_together.keys() == after_alone.keys()
    for lid, listing_alone in after_alone.items():
        assert same_entry(after_together[lid], listing_alone)
        assert after_together[lid].provenances == listing_alone.provenances
        assert after_together[lid].named_persons_before == listing_alone.named_persons_before
