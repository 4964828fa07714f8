"""Review 381 (store level): the tick's black listing of a broken promise (conduct_ended_on set
by the gateway, kept by ``breach_kept``); its owner's correction, which names no conduct end,
sent twice — in one batch, and in two."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from builders import CITY, entry

from gateway.intake.storing import store
from gateway.lifecycle.commitments import BROKEN_DOMAIN
from gateway.ports import Write
from gateway.promotion import promote
from gateway_client.contract import Listing, ListingEntry

TODAY = date(2025, 6, 2)
NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)


class _Store:
    def __init__(self, held: Listing) -> None:
        self.held = {held.listing_id: held}

    def current(self, keys: Sequence[tuple[str, str]]) -> dict[str, Listing]:
        return {i: self.held[i] for _, i in keys if i in self.held}

    def write(self, writes: Sequence[Write], region: str | None) -> set[str]:
        done = set()
        for new, expected in writes:
            if self.held[new.listing_id].version == expected:
                self.held[new.listing_id] = new
                done.add(new.listing_id)
        return done

    def add_provenance(self, tags: Sequence[tuple[str, str, str]], region: str) -> None:
        pass


def _made(second: int, **more) -> ListingEntry:  # type: ignore[no-untyped-def]
    raw = entry(
        domain=BROKEN_DOMAIN,
        severity="general",
        valid_until="2026-05-01",
        decided_on="2025-05-01",
        valid_from="2025-05-01",
        source_updated_at=f"2025-06-01T08:00:{second:02d}+08:00",
        **more,
    )
    return ListingEntry.model_validate(raw)


def _answers(stored):  # type: ignore[no-untyped-def]
    found = {i: "accepted" for i, _ in stored.accepted}
    found |= {i: "duplicate" for i, _ in stored.duplicates}
    found |= {r.index: r.code for r in stored.refused}
    return found


def test_the_correction_twice_is_accepted_then_duplicate_in_one_batch_or_two():
    tick = promote(_made(1, conduct_ended_on="2025-05-01"), CITY, NOW)  # as the tick made it
    correction = promote(_made(3, subject_name="清远某建材有限公司"), CITY, NOW)

    together = _answers(
        store(
            _Store(tick), [(0, correction), (1, correction)], CITY, False, lambda ids: {}, TODAY, 5
        )
    )
    apart_store = _Store(tick)
    apart = _answers(store(apart_store, [(0, correction)], CITY, False, lambda ids: {}, TODAY, 5))
    apart |= _answers(store(apart_store, [(1, correction)], CITY, False, lambda ids: {}, TODAY, 5))

    assert together == {0: "accepted", 1: "duplicate"}
    assert apart == {0: "accepted", 1: "duplicate"}, apart


def test_the_correction_then_the_same_naming_the_breach_held_answer_alike_in_one_batch_or_two():
    """The other way round: the second names the conduct end the gateway keeps (what the
    listing shows). Sent apart it repeats the stored content (a duplicate); in one batch it is
    compared with the first as pushed, and refused ``version_reused``."""
    tick = promote(_made(1, conduct_ended_on="2025-05-01"), CITY, NOW)
    correction = promote(_made(3, subject_name="清远某建材有限公司"), CITY, NOW)
    as_held = promote(
        _made(3, subject_name="清远某建材有限公司", conduct_ended_on="2025-05-01"), CITY, NOW
    )

    together = _answers(
        store(_Store(tick), [(0, correction), (1, as_held)], CITY, False, lambda ids: {}, TODAY, 5)
    )
    apart_store = _Store(tick)
    apart = _answers(store(apart_store, [(0, correction)], CITY, False, lambda ids: {}, TODAY, 5))
    apart |= _answers(store(apart_store, [(1, as_held)], CITY, False, lambda ids: {}, TODAY, 5))

    assert apart == {0: "accepted", 1: "duplicate"}
    assert together == apart, together
