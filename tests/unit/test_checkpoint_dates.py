"""verify-log trusts a checkpoint only dated in step with its size: its ``at`` is not signed, so
a key retired after a rotation (leaked since) could sign a new, larger checkpoint dated back
inside its validity. A smaller checkpoint dated later — signed by the current key since, or
the one the last run verified — gives it away: a problem, not trusted, nothing remembered.

The scene is test_log_audit's: six entries, tiles at sizes 4 and 6, the black-list subscriber's
four stored deliveries."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from builders import NOW, gateway_signers, tree_root
from test_gateway_keys import published
from test_log_audit import (
    BLACK_ONLY,
    ENTRIES,
    LATER,
    STORED,
    mentioning,
    reader_at,
    wants,
    without,
)

from gateway_client.checkpoint_trust import SKEW
from gateway_client.contract.events import DeliveryPayload
from gateway_client.contract.log import Checkpoint, sign_checkpoint
from gateway_client.log_audit import AuditReport, Seen, audit
from gateway_client.subscriber_files import read_seen, write_seen

RETIRED, CURRENT = gateway_signers("gw-old"), gateway_signers("gw-new")
RETIRED_UNTIL = NOW - timedelta(days=30)
KEYS = [published(CURRENT), published(RETIRED, valid_until=RETIRED_UNTIL)]
GENUINE_4 = sign_checkpoint(4, tree_root(ENTRIES[:4]), NOW, CURRENT)
# Signed today with the retired key, dated back to a second before it was retired.
BACKDATED_6 = sign_checkpoint(6, tree_root(ENTRIES), RETIRED_UNTIL - timedelta(seconds=1), RETIRED)


def run(
    checkpoints: list[Checkpoint],
    seen: Seen | None = None,
    deliveries: list[DeliveryPayload] = STORED,
) -> AuditReport:
    return audit(
        ENTRIES, checkpoints, KEYS, deliveries, wants(BLACK_ONLY), reader_at, LATER, 1, seen=seen
    )


def test_a_larger_checkpoint_dated_before_a_smaller_one_is_a_problem_and_not_trusted() -> None:
    report = run([GENUINE_4, BACKDATED_6])

    assert not report.ok
    assert mentioning(report, "checkpoint 6 is dated", "before the smaller checkpoint 4")
    assert report.verified_through == 4  # the latest it trusts is the genuine one


def test_served_alone_it_is_given_away_by_the_checkpoint_the_last_run_verified() -> None:
    seen = Seen(size=4, root=GENUINE_4.root, at=GENUINE_4.at)

    report = run([BACKDATED_6], seen)

    assert mentioning(report, "checkpoint 6 is dated", "the checkpoint seen last time (4)")
    assert report.verified_through == 0


def test_the_state_remembers_when_its_checkpoint_was_signed_and_no_failed_run_moves_it(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state.json"
    write_seen(state, run([GENUINE_4], deliveries=without(6)))  # entry 6 not yet delivered
    before = state.read_bytes()
    remembered = read_seen(state)
    assert remembered is not None
    assert (remembered.size, remembered.at) == (4, NOW)

    write_seen(state, run([BACKDATED_6], remembered))

    assert state.read_bytes() == before


def test_publishers_signing_a_few_seconds_out_of_step_are_no_problem() -> None:
    """Two publishers at once: one signs size 6 while the other still writes size 4's tiles."""
    just_before = sign_checkpoint(6, tree_root(ENTRIES), NOW - SKEW + timedelta(seconds=1), CURRENT)

    report = run([GENUINE_4, just_before])

    assert report.ok, report.problems
    assert report.verified_through == 6
