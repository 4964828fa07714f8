"""A broken commitment's black listing, and the commitment once settled (review 19): the tick
lists none for a national source, nor one whose period has ended; a settled commitment stays as
recorded, its outcome's date too."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import pytest
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


def _answers(entries: list[tuple[int, Listing]], stored: dict[str, Listing]) -> dict[int, str]:
    decided = plan(entries, stored, CITY, False)
    got = {i: "write" for i, _, _ in decided.write}
    for name in ("duplicates", "settled", "stale", "reused"):
        got.update({i: name for i, _ in getattr(decided, name)})
    return dict(sorted(got.items()))


def test_a_batch_against_a_settled_commitment_answers_as_its_entries_one_by_one() -> None:
    """Review 89 F4: with the commitment held ``kept``, a batch of an old copy, a ``broken``
    and the owner's newest entry (``kept``, its subject's name corrected) refused the newest
    too, and the correction was lost; sent one by one, only ``broken`` is refused. The held
    outcome is now the first outcome the batch is judged against."""
    kept = {"outcome": "kept", "outcome_on": "2025-04-02"}
    broken = {"outcome": "broken", "outcome_on": "2025-04-02"}
    held_kept = _stamped(5, **kept)
    stored = {held_kept.listing_id: held_kept}
    old_copy, wrong = _stamped(3, **kept), _stamped(6, **broken)
    corrected = listing(
        {
            **commitment_entry(**kept),
            "subject_name": "清远某某建材股份有限公司",
            "source_updated_at": "2025-04-03T08:00:07+08:00",
        }
    )
    another_wrong = _stamped(8, **broken)

    assert _answers([(0, old_copy), (1, wrong), (2, corrected)], stored) == {
        0: "duplicates",
        1: "settled",
        2: "write",
    }
    assert _answers([(1, wrong), (2, corrected)], stored) == {1: "settled", 2: "write"}
    # every fresh entry changing the outcome held: each refused, none answered duplicate
    assert _answers([(1, wrong), (2, another_wrong)], stored) == {1: "settled", 2: "settled"}


_OUTCOMES: dict[str, dict[str, str]] = {
    "open": {},
    "kept": {"outcome": "kept", "outcome_on": "2025-04-02"},
    "broken": {"outcome": "broken", "outcome_on": "2025-04-02"},
    "kept_later": {"outcome": "kept", "outcome_on": "2025-04-03"},
    "noted": {"outcome_note": "另行说明"},  # open, other content at a version held
}


def _at(seconds: int, outcome: str) -> Listing:
    return _stamped(seconds, **_OUTCOMES[outcome])


def _one_by_one(
    entries: list[tuple[int, Listing]], stored: dict[str, Listing]
) -> tuple[dict[int, str], dict[str, Listing]]:
    return _in_batches(entries, stored, 1)


def _in_batches(
    entries: list[tuple[int, Listing]], stored: dict[str, Listing], size: int
) -> tuple[dict[int, str], dict[str, Listing]]:
    """Each batch of ``size`` entries, in the order given, planned against what the batches
    before it stored (an upload's batches, one after another)."""
    stored, answers = dict(stored), {}
    for start in range(0, len(entries), size):
        batch = entries[start : start + size]
        answers |= _answers(batch, stored)
        decided = plan(batch, stored, CITY, False)
        stored |= {written.listing_id: written for _, written, _ in decided.write}
    return answers, stored


def _kept(stored: dict[str, Listing]) -> list[tuple[str, Any]]:
    return [(x.version, x.commitment and x.commitment.outcome) for x in stored.values()]


@pytest.mark.parametrize("held_as", [None, "open", "kept", "broken"])
def test_every_small_batch_leaves_what_its_entries_sent_one_by_one_leave(held_as):
    """Reviews 46k, 87 F2, 89 F4, 374 F5, 375, exhaustively over two and three entries of one
    commitment in every order of stamps (the held one's and each other's too) and contents: a
    batch stores what the same entries sent one by one in the order given store, and answers
    each entry as they do (but a write the batch superseded: a duplicate); so does the batch
    cut in two anywhere (an upload's 500-line boundary: review 374 F5, a push of ``[v3 broken,
    v2 kept]`` stored ``kept``, two pushes ``broken``)."""
    stored = {} if held_as is None else {(h := _at(5, held_as)).listing_id: h}
    for count in (2, 3):
        for stamps in itertools.product([3, 5, 6, 7][: count + 1], repeat=count):  # ties too
            for outcomes in itertools.product(_OUTCOMES, repeat=count):
                entries = [
                    (i, _at(s, o)) for i, (s, o) in enumerate(zip(stamps, outcomes, strict=True))
                ]
                decided = plan(entries, stored, CITY, False)
                batch = stored | {x.listing_id: x for _, x, _ in decided.write}
                answers, sequence = _one_by_one(entries, stored)
                case = (held_as, stamps, outcomes)
                assert _kept(batch) == _kept(sequence), case
                refused = {i for i, a in answers.items() if a == "settled"}
                assert {i for i, _ in decided.settled} == refused, case
                together = _answers(entries, stored)
                for i, alone in answers.items():  # but a write the batch superseded
                    assert together[i] in (alone, "duplicates" * (alone == "write")), (case, i)
                for size in range(2, count):
                    split, cut = _in_batches(entries, stored, size)
                    assert _kept(cut) == _kept(sequence), (case, size)
                    assert {i for i, a in split.items() if a == "settled"} == refused, (case, size)


def test_a_batch_answers_every_entry_even_at_one_version_and_refuses_a_non_owner_alike():
    """Review 90: three entries at one version (kept, reopened, kept and renamed) against a
    commitment held kept left one entry unanswered (F1); a region that does not own the
    commitment was refused ``commitment_settled`` only when it was held settled, which told it
    the outcome (F2); an entry at the held version with other content was a ``duplicate`` in a
    batch, ``reused`` alone (F3)."""
    kept = {"outcome": "kept", "outcome_on": "2025-04-02"}
    held_kept = _stamped(5, **kept)
    stored = {held_kept.listing_id: held_kept}
    renamed = listing(
        {
            **commitment_entry(**kept),
            "subject_name": "清远某某建材股份有限公司",
            "source_updated_at": "2025-04-03T08:00:06+08:00",
        }
    )
    tied = [(0, _stamped(6, **kept)), (1, _stamped(6)), (2, renamed)]
    broken_now = _stamped(6, outcome="broken", outcome_on="2025-04-02")
    broken_then = _stamped(5, outcome="broken", outcome_on="2025-04-02")

    assert sorted(_answers(tied, stored)) == [0, 1, 2]
    batch = stored | {x.listing_id: x for _, x, _ in plan(tied, stored, CITY, False).write}
    _, sequence = _one_by_one(tied, stored)
    assert [x.subject_name for x in batch.values()] == [x.subject_name for x in sequence.values()]
    for holding in (held_kept, _stamped(5)):  # settled or open: the same answer
        entries = [(0, broken_now), (1, _stamped(7))]
        decided = plan(entries, {holding.listing_id: holding}, "430000", False)
        assert ([i for i, _, _ in decided.refused], decided.settled) == ([0, 1], [])
    assert _answers([(0, broken_then), (1, _stamped(6, **kept))], stored)[0] == "reused"
