"""The due dates the tick and the overdue lists read instead of a full walk (issue 15, point 3):
a listing is in the index on every day the old walk would have acted on it or listed it, is out
of it (or moved on) once acted on, and a tick reading only the index leaves the store exactly as
the old full walk did — for random listings, over days that follow each other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from builders import (
    CITY,
    NOW,
    RESIDENT_ID,
    USCC,
    entry,
    evolved,
    listing,
    make_resident_id,
    person,
    red_entry,
)
from fakes import InMemoryArchive, InMemoryListingStore, InMemoryRegistry
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.broken_commitment_terms import BrokenCommitmentPolicy
from gateway.lifecycle.commitments import PolicyLookup, broken, overdue, to_list
from gateway.lifecycle.due import DueDates, late_on
from gateway.lifecycle.objection_timeline import overdue_entries
from gateway.lifecycle.retention import purge_due
from gateway.lifecycle.rules import expire, expiry_due
from gateway.lifecycle.tick import Tick
from gateway.registry import Region
from gateway_client.contract import Listing, ListingStatus, Objection, ObjectionStep, china_date

POLICY = BrokenCommitmentPolicy(severity="general", legal_basis="《清城区信用承诺管理办法》第九条")
DATES = DueDates(retention_years=1, evidence_days=500)  # purges in range, either date binding
START = china_date(NOW)
PERSON_ID = make_resident_id("19800101", 123)


def _commitment(**made: Any) -> dict[str, Any]:
    return entry(
        kind="commitment",
        domain="licensing_commitment",
        severity=None,
        legal_basis=None,
        reason="承诺在30日内补交营业执照副本复印件",
        deciding_authority="清远市清城区政务服务中心",
        decision_number="清城承诺〔2025〕12号",
        valid_until=None,
        commitment={"kind": "accept_with_deficiencies", "deadline": "2025-04-01", **made},
    )


def _dated(**dates: str) -> dict[str, Any]:
    return {"decided_on": "2023-05-01", "valid_from": "2023-05-02", **dates}


KINDS = {
    "person": lambda until: entry(credit_code=RESIDENT_ID, subject_name="张某某", **until),
    "company": lambda until: entry(**until),
    "named": lambda until: entry(
        responsible_persons=[person("李某", "legal_representative", PERSON_ID)], **until
    ),
    "red": lambda until: red_entry(credit_code=USCC, **until),
    "open": lambda until: _commitment(),
    "broken": lambda until: _commitment(outcome="broken", outcome_on="2025-04-02"),
    "kept": lambda until: _commitment(outcome="kept", outcome_on="2025-03-20"),
}
STATUSES = [ListingStatus.ACTIVE, ListingStatus.SUSPENDED, ListingStatus.EXPIRED]


def moment(days: int) -> datetime:
    return NOW - timedelta(days=days)


@st.composite
def objections(draw: st.DrawFn) -> Objection:
    filed = draw(st.integers(0, 400))
    decided = draw(st.booleans())
    day = st.none() | st.integers(-60, 120).map(lambda d: START + timedelta(days=d))
    done = st.none() | st.integers(0, filed).map(moment)
    steps = tuple(
        ObjectionStep(name=name, deadline=draw(day), done_at=draw(done))
        for name in draw(st.sets(st.sampled_from(["forwarded", "verified", "replied"])))
    )
    return Objection(
        objection_id="obj-1",
        filed_at=moment(filed),
        filed_by=CITY,
        reason="信息有误",
        deadline=draw(day),
        deadline_basis="test",
        suspends=False,
        decided_at=moment(0) if decided else None,
        outcome="upheld" if decided else None,
        awaiting_notice=draw(st.booleans()),
        steps=steps,
    )


@st.composite
def listings(draw: st.DrawFn, serial: int = 0) -> Listing:
    kind = draw(st.sampled_from(sorted(KINDS)))
    ends = st.integers(-700, 900).map(lambda d: (START + timedelta(days=d)).isoformat())
    until = draw(st.none() | ends)  # past, to come, or the domain's default
    raw = KINDS[kind](_dated(valid_until=until) if until else {})
    raw["decision_number"] = f"{raw['decision_number']}-{serial}"
    held = listing(raw, accepted_at=moment(draw(st.integers(0, 900))))
    status = ListingStatus.ACTIVE if kind in ("open", "broken") else draw(st.sampled_from(STATUSES))
    objection = draw(st.none() | objections())
    return evolved(held, status=status, objection=objection)


days_ahead = st.integers(0, 1500).map(lambda d: START + timedelta(days=d))


@settings(max_examples=400, deadline=None)
@given(listings(), days_ahead)
def test_a_listing_is_in_the_index_whenever_the_walk_would_act_and_only_then(
    held: Listing, today: date
) -> None:
    would_act = (
        purge_due(held, today, DATES.retention_years, DATES.evidence_days)
        or expiry_due(held, today)
        or broken(held)
    )
    on = DATES.act_on(held)
    moved = DATES.act_on(held, after=today)

    assert would_act == (on is not None and on <= today)
    assert moved is None or moved > today


@settings(max_examples=400, deadline=None)
@given(listings(), days_ahead)
def test_a_listing_is_in_the_overdue_index_exactly_while_it_is_overdue(
    held: Listing, today: date
) -> None:
    listed = overdue(held, today) is not None or bool(overdue_entries(held, today))
    on = late_on(held)

    assert listed == (on is not None and on <= today)


class IndexedStore(InMemoryListingStore):
    """The fake, reading ``pending`` as the DynamoDB index does (and refusing a full walk)."""

    def pending(self, today: date, after: str | None, limit: int) -> Any:
        ids = [
            lid
            for lid, held in sorted(self.listings.items())
            if (on := self.rescheduled.get(lid, DATES.act_on(held))) is not None and on <= today
        ]
        return self._page(ids, after, limit)

    def by_subject(self) -> Iterator[list[Listing]]:
        raise AssertionError("the tick walked the whole table")


def full_walk(store: InMemoryListingStore, now: datetime, policy_of: PolicyLookup) -> None:
    """The tick before the index: every subject, every listing."""
    today = china_date(now)
    for held_ones in InMemoryListingStore.by_subject(store):
        store.write([(x, None) for x in to_list(held_ones, policy_of, now)], None)
        for held in held_ones:
            if purge_due(held, today, DATES.retention_years, DATES.evidence_days):
                store.delete(held)
            elif expiry_due(held, today):
                store.write([(expire(held, now), held.version)], None)


def seeded(store: InMemoryListingStore, held: list[Listing]) -> InMemoryListingStore:
    for item in held:
        store.write([(item, None)], CITY)
    return store


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 10_000), min_size=1, max_size=12, unique=True).flatmap(
        lambda serials: st.tuples(*(listings(serial) for serial in serials))
    ),
    st.lists(st.integers(1, 700), min_size=1, max_size=4),
)
def test_a_tick_on_the_index_leaves_the_store_as_the_full_walk_did(
    held: tuple[Listing, ...], steps: list[int]
) -> None:
    registry = InMemoryRegistry()
    registry.put_region(Region(code=CITY, name="清远市", broken_commitments=POLICY))
    walked = seeded(InMemoryListingStore(), list(held))
    indexed = seeded(IndexedStore(), list(held))
    tick = Tick(indexed, InMemoryArchive(), registry, DATES, None)
    policy_of = tick._commitment_policies()
    now = NOW.astimezone(UTC)
    for step in steps:
        now += timedelta(days=step)
        for _ in range(2):  # what one run creates, the next one on the same day sees
            full_walk(walked, now, policy_of)
            tick.run(now)
        today = china_date(now)
        left, _ = indexed.pending(today, None, 1000)
        # nothing stays due that the tick has no write for: it left the index or moved on
        assert all(
            expiry_due(x, today) or purge_due(x, today, DATES.retention_years, DATES.evidence_days)
            for x in left
        )

    # a broken commitment's black listing is promoted in each store, with a salt of its own
    unsalted = {"id_salt": None}
    assert {k: x.model_copy(update=unsalted) for k, x in indexed.listings.items()} == {
        k: x.model_copy(update=unsalted) for k, x in walked.listings.items()
    }
