"""A broken commitment's black listing, and the commitment once settled (review 19): the tick
lists none for a national source, nor one whose period has ended; a settled commitment stays as
recorded, its outcome's date too."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from builders import CITY, listing
from test_commitments import POLICY, commitment_entry, held, rig_with_policy

from gateway.intake.dedup import plan
from gateway.lifecycle.commitments import unsettles
from gateway.registry import Region
from gateway_client.contract import Listing, ListKind
from gateway_client.contract.clock import CHINA

SOURCE = "100011"


def test_a_broken_commitment_long_past_is_not_put_in_force_by_the_tick() -> None:
    rig = rig_with_policy(POLICY)
    broken = rig.seed(held(outcome="broken", outcome_on="2025-04-02"))
    rig.clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=CHINA))  # a general listing's year is over

    assert rig.service.tick().broken_commitments_listed == 0
    assert [x.kind for x in rig.store.subject(broken.credit_code)] == [ListKind.COMMITMENT]


def test_a_national_source_stored_with_a_policy_gets_no_black_listing_from_the_tick() -> None:
    """Registered before the rule: read as stored, and the tick does not act on its policy."""
    rig = rig_with_policy(None)
    rig.registry.put_region(
        Region(
            code=SOURCE,
            name="某部委",
            kind="national_source",
            domains=("licensing_commitment",),
            broken_commitments=POLICY,
        )
    )
    broken = rig.seed(
        listing(
            commitment_entry(outcome="broken", outcome_on="2025-04-02"),
            origin_region=SOURCE,
            region=SOURCE,
        )
    )

    assert rig.service.tick().broken_commitments_listed == 0
    assert [x.kind for x in rig.store.subject(broken.credit_code)] == [ListKind.COMMITMENT]


def test_a_settled_commitment_may_not_be_redated_or_reworded() -> None:
    settled = held(outcome="broken", outcome_on="2025-04-02")
    same = listing(commitment_entry(outcome="broken", outcome_on="2025-04-02"))
    redated = listing(commitment_entry(outcome="broken", outcome_on="2025-04-05"))
    noted = listing(
        commitment_entry(outcome="broken", outcome_on="2025-04-02", outcome_note="另行说明")
    )
    still_open = held()

    assert not unsettles(settled, same)
    assert unsettles(settled, redated)
    assert unsettles(settled, noted)
    assert not unsettles(still_open, redated)  # an open commitment may still be settled


def _stamped(seconds: int, **commitment: Any) -> Listing:
    raw = commitment_entry(**commitment)
    return listing({**raw, "source_updated_at": f"2025-04-03T08:00:{seconds:02d}+08:00"})


def test_one_push_settling_a_commitment_twice_keeps_the_first_outcome() -> None:
    """As if sent one after another: the first outcome stands, the later one is refused
    ``commitment_settled``, never answered ``duplicate`` (review 46k: the batch stored the later
    outcome and answered the first a duplicate)."""
    broken = _stamped(2, outcome="broken", outcome_on="2025-04-02")
    reworded = _stamped(3, outcome="broken", outcome_on="2025-04-02")
    kept = _stamped(4, outcome="kept", outcome_on="2025-04-02")
    open_one = held()

    decided = plan([(0, broken), (1, kept)], {open_one.listing_id: open_one}, CITY, False)
    both = plan([(0, broken), (1, reworded), (2, kept)], {}, CITY, False)

    assert [(i, x.commitment.outcome) for i, x, _ in decided.write] == [(0, "broken")]
    assert [i for i, _ in decided.settled] == [1]
    assert decided.duplicates == []
    assert [i for i, _, _ in both.write] == [1]  # the newest that keeps the first outcome
    assert [i for i, _ in both.settled] == [2]
    assert [i for i, _ in both.duplicates] == [0]
