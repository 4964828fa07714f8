"""verify-log and the salting cut-over every checkpoint states (contract ``salting``): a
listing version accepted since it, delivered without its ID commitment, is reported, though
the log holds it just so (the gateway left it unsalted); one accepted before it is judged by
its masked form, as versions made before salts always were; the earliest statement holds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from builders import (
    NOW,
    RESIDENT_ID,
    change,
    delivered,
    gateway_signers,
    listing,
    make_uscc,
    published_tiles,
    subscription,
    tile_reader,
    tree_root,
)

from gateway.promotion import fresh_salt
from gateway_client.contract import Checkpoint, DeliveryPayload, salted_since_line
from gateway_client.contract.change import purged
from gateway_client.contract.log import log_entries, sign_checkpoint
from gateway_client.log_audit import AuditReport, Seen, audit
from gateway_client.subscriber_files import read_seen, write_seen

GATEWAY = gateway_signers("gw-test-1")
SUB = subscription("sub-all", region="430000")
CUT = NOW + timedelta(minutes=30)

OLD = listing(credit_code=RESIDENT_ID, subject_name="张某某")  # accepted before the cut-over
SALTED = listing(credit_code=make_uscc(1), accepted_at=CUT).model_copy(
    update={"id_salt": fresh_salt()}
)
UNSALTED = listing(credit_code=make_uscc(2), accepted_at=CUT + timedelta(hours=1))
CHANGES = [change(OLD), change(SALTED), change(UNSALTED)]
ENTRIES = log_entries(1, CHANGES)
reader_at = tile_reader(published_tiles(ENTRIES, [2, 3]))
LATER = NOW + timedelta(days=1)


def stored() -> list[DeliveryPayload]:
    return delivered(CHANGES, ENTRIES, SUB)


def signed(size: int, *extensions: str) -> Checkpoint:
    return sign_checkpoint(size, tree_root(ENTRIES[:size]), LATER, GATEWAY, extensions=extensions)


def run(checkpoints: Sequence[Checkpoint], seen: Seen | None = None) -> AuditReport:
    keys = [GATEWAY.ed25519.private_key.public_key()]
    return audit(
        ENTRIES, checkpoints, keys, stored(), lambda _: True, reader_at, LATER, 1, seen=seen
    )


def cut_over_problems(report: AuditReport) -> list[str]:
    return [p for p in report.problems if "salting cut-over" in p]


def unsalted_id() -> str:
    [found] = [d.delivery_id for d in stored() if d.data.listing.listing_id == UNSALTED.listing_id]
    return found


def test_a_version_accepted_since_the_cut_over_without_its_commitment_is_reported() -> None:
    report = run([signed(3, salted_since_line(CUT))])

    [problem] = cut_over_problems(report)
    assert unsalted_id() in problem
    assert report.problems == (problem,)  # the old version and the salted one pass
    assert report.salted_since == CUT


def test_without_a_stated_cut_over_versions_are_judged_as_before_salts() -> None:
    report = run([signed(3)])

    assert report.ok, report.problems
    assert report.salted_since is None


def test_a_cut_over_after_the_version_was_accepted_leaves_it_alone() -> None:
    assert run([signed(3, salted_since_line(UNSALTED.accepted_at + timedelta(seconds=1)))]).ok


def test_the_earliest_statement_holds_a_later_or_a_dropped_one_exempts_nothing() -> None:
    late = salted_since_line(LATER)
    assert cut_over_problems(run([signed(2, salted_since_line(CUT)), signed(3, late)]))
    assert cut_over_problems(run([signed(2, salted_since_line(CUT)), signed(3)]))
    seen = Seen(size=2, root=tree_root(ENTRIES[:2]).hex(), salted_since=CUT)
    assert cut_over_problems(run([signed(3)], seen=seen))  # the last run saw it stated


def test_a_malformed_statement_the_gateway_signed_is_a_problem() -> None:
    report = run([signed(3, "credit-gateway/salted-since tomorrow")])

    assert any("checkpoint 3" in p and "salted-since" in p for p in report.problems)


def test_an_edited_statement_is_not_the_gateways() -> None:
    moved = signed(3, salted_since_line(CUT)).model_copy(
        update={"extensions": (salted_since_line(LATER),)}
    )

    report = run([moved])

    assert any("not signed by the gateway" in p for p in report.problems)


def test_the_cut_over_is_remembered_for_the_next_run(tmp_path: Path) -> None:
    state = tmp_path / "seen.json"
    report = run([signed(3, salted_since_line(UNSALTED.accepted_at + timedelta(hours=1)))])
    assert report.ok, report.problems

    write_seen(state, report)

    seen = read_seen(state)
    assert seen is not None
    assert seen.salted_since == UNSALTED.accepted_at + timedelta(hours=1)


def test_the_earliest_of_the_seen_and_the_stated_is_applied() -> None:
    seen = Seen(size=2, root=tree_root(ENTRIES[:2]).hex(), salted_since=LATER)
    report = run([signed(3, salted_since_line(CUT))], seen=seen)

    assert report.salted_since == CUT
    assert cut_over_problems(report)


def test_salted_datetimes_are_whole_seconds() -> None:
    assert salted_since_line(datetime(2026, 1, 1, 0, 0, 0, 999_999, tzinfo=CUT.tzinfo)).endswith(
        "2026-01-01T00:00:00Z"
    )


def test_a_version_backdated_past_the_cut_over_is_caught_by_its_place_in_the_log() -> None:
    """``accepted_at`` is the gateway's to set; where an entry lies is signed. Logged after the
    size the last run verified once the cut-over had passed, a version must be salted."""
    backdated = UNSALTED.model_copy(update={"accepted_at": NOW})  # "before the cut-over"
    changes = [change(OLD), change(SALTED), change(backdated)]
    entries = log_entries(1, changes)
    stored_now = delivered(changes, entries, SUB)
    keys = [GATEWAY.ed25519.private_key.public_key()]
    checkpoint = sign_checkpoint(
        3, tree_root(entries), LATER, GATEWAY, extensions=(salted_since_line(CUT),)
    )
    read = tile_reader(published_tiles(entries, [2, 3]))
    seen = Seen(size=2, root=tree_root(entries[:2]).hex(), salted_since=CUT, checked_at=LATER)

    def audited(seen: Seen | None) -> AuditReport:
        return audit(
            entries, [checkpoint], keys, stored_now, lambda _: True, read, LATER, 1, seen=seen
        )

    assert audited(None).ok  # by its date alone it passes
    [problem] = [p for p in audited(seen).problems if "log entry 3" in p]
    assert "salting cut-over" in problem
    early = seen.model_copy(update={"checked_at": CUT - timedelta(seconds=1)})
    assert audited(early).ok  # the last run came before the cut-over passed: not yet binding


def test_a_tombstone_carries_no_commitment_and_is_not_reported() -> None:
    """A purge's tombstone holds nothing of the person to bind, no commitment either (review
    199): it passes, logged after the cut-over and after the last run's size alike."""
    tomb = purged(SALTED, CUT + timedelta(hours=2))
    changes = [change(OLD), change(SALTED), tomb]
    entries = log_entries(1, changes)
    keys = [GATEWAY.ed25519.private_key.public_key()]
    checkpoint = sign_checkpoint(
        3, tree_root(entries), LATER, GATEWAY, extensions=(salted_since_line(CUT),)
    )
    seen = Seen(size=2, root=tree_root(entries[:2]).hex(), salted_since=CUT, checked_at=LATER)

    report = audit(
        entries,
        [checkpoint],
        keys,
        delivered(changes, entries, SUB),
        lambda _: True,
        tile_reader(published_tiles(entries, [2, 3])),
        LATER,
        1,
        seen=seen,
    )

    assert tomb.listing.ids_commitment is None
    assert cut_over_problems(report) == []
