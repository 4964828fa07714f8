"""verify-log's k-of-n witness rule: a checkpoint counts as witnessed when K distinct listed
witnesses cosigned its very text; bad lines are ignored, a witness counts once (its names and
keys are one party).

The scene is test_log_audit's: six entries, checkpoints at 4 and 6 signed by the gateway, and
the black-list subscriber's four stored deliveries (entries 1, 3, 4, 6)."""

from __future__ import annotations

import argparse
import base64
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from test_log_audit import (
    BLACK_ONLY,
    CHECKPOINT,
    EARLIER,
    ENTRIES,
    GATEWAY,
    LATER,
    STORED,
    reader_at,
    wants,
)

from gateway_client.cli.errors import CliError
from gateway_client.cli.witness import witness_verifiers
from gateway_client.contract.log import Checkpoint
from gateway_client.log_audit import AuditReport, audit
from gateway_client.tlog import CosignatureSigner, CosignatureVerifier, format_checkpoint
from gateway_client.witness_audit import SKEW, cosigners, parties

HUNAN = CosignatureSigner("witness.hunan.example.cn", Ed25519PrivateKey.generate())
HUBEI = CosignatureSigner("witness.hubei.example.cn", Ed25519PrivateKey.generate())
BOTH = [CosignatureVerifier.from_vkey(w.vkey) for w in (HUNAN, HUBEI)]
STAMP = int(EARLIER.at.timestamp()) + 60  # a minute after the gateway signed, before any audit


def cosigned(checkpoint: Checkpoint, *lines: str) -> Checkpoint:
    return checkpoint.model_copy(update={"cosignatures": lines})


def line(witness: CosignatureSigner, checkpoint: Checkpoint, stamp: int = STAMP) -> str:
    return witness.cosign(checkpoint.signed_bytes().decode(), stamp)


def forged(good: str) -> str:
    """The line with its last signature byte flipped (name and key id kept)."""
    name, encoded = good.removeprefix("— ").rstrip("\n").split(" ")
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1
    return f"— {name} {base64.b64encode(bytes(raw)).decode()}\n"


def run(
    checkpoints: Sequence[Checkpoint],
    required: int,
    witnesses: Sequence[CosignatureVerifier] = BOTH,
    now: datetime = LATER,
) -> AuditReport:
    keys = [GATEWAY.ed25519.private_key.public_key()]
    return audit(
        ENTRIES,
        checkpoints,
        keys,
        STORED,
        wants(BLACK_ONLY),
        reader_at,
        now,
        1,
        witnesses=witnesses,
        witnesses_required=required,
    )


def test_one_witness_of_two_is_enough_when_one_is_required() -> None:
    report = run([cosigned(CHECKPOINT, line(HUNAN, CHECKPOINT))], 1)

    assert report.ok, report.problems
    assert (report.witnessed_through, report.beyond_witnessed) == (6, 0)


def test_one_cosignature_does_not_make_two_witnesses() -> None:
    report = run([cosigned(CHECKPOINT, line(HUNAN, CHECKPOINT))], 2)

    assert not report.ok
    [problem] = report.problems
    assert "cosignatures of 2 of the witnesses" in problem
    assert report.witnessed_through == 0


def test_the_largest_checkpoint_both_cosigned_counts_and_later_deliveries_are_counted() -> None:
    earlier = cosigned(EARLIER, line(HUNAN, EARLIER), line(HUBEI, EARLIER))
    latest = cosigned(CHECKPOINT, line(HUNAN, CHECKPOINT))

    report = run([earlier, latest], 2)

    assert report.ok, report.problems
    assert report.verified_through == 6
    assert report.witnessed_through == 4
    assert report.beyond_witnessed == 1  # entry 6: the gateway's signature only, for now


def test_a_forged_cosignature_is_ignored_and_spoils_nothing() -> None:
    checkpoint = cosigned(CHECKPOINT, forged(line(HUBEI, CHECKPOINT)), line(HUNAN, CHECKPOINT))

    assert run([checkpoint], 1).ok
    assert run([checkpoint], 1).witnessed_through == 6
    assert not run([checkpoint], 2).ok


def test_lines_that_are_not_signatures_are_ignored() -> None:
    checkpoint = cosigned(CHECKPOINT, "not a signature", "", line(HUNAN, CHECKPOINT))

    assert run([checkpoint], 1).ok


def test_a_cosignature_of_another_tree_does_not_count() -> None:
    fork = format_checkpoint(CHECKPOINT.origin, 6, b"\x07" * 32)
    checkpoint = cosigned(CHECKPOINT, HUBEI.cosign(fork, STAMP), line(HUNAN, CHECKPOINT))

    assert not run([checkpoint], 2).ok


def test_the_same_witness_twice_counts_once() -> None:
    twice = cosigned(CHECKPOINT, line(HUNAN, CHECKPOINT), line(HUNAN, CHECKPOINT, STAMP + 60))
    listed_twice = [BOTH[0], BOTH[0]]

    assert not run([twice], 2).ok
    assert not run([twice], 2, listed_twice).ok


def test_a_cosignature_from_an_unlisted_witness_does_not_count() -> None:
    checkpoint = cosigned(CHECKPOINT, line(HUBEI, CHECKPOINT))

    assert not run([checkpoint], 1, BOTH[:1]).ok


def test_without_a_requirement_cosignatures_are_not_needed() -> None:
    report = run([CHECKPOINT], 0)

    assert report.ok, report.problems
    assert report.witnessed_through == 0


# One party, several names: HUNAN's own key listed a second time under another name.
ALIAS = CosignatureSigner("witness.alias.example.cn", HUNAN.key)


def test_one_key_listed_under_two_names_is_one_witness() -> None:
    listed = [BOTH[0], CosignatureVerifier.from_vkey(ALIAS.vkey)]
    both_names = cosigned(CHECKPOINT, line(HUNAN, CHECKPOINT), line(ALIAS, CHECKPOINT))

    assert run([both_names], 1, listed).witnessed_through == 6
    report = run([both_names], 2, listed)
    assert not report.ok
    assert report.witnessed_through == 0


def test_names_sharing_a_key_and_the_keys_of_one_name_make_one_party() -> None:
    rotated = CosignatureSigner(HUBEI.name, Ed25519PrivateKey.generate())  # HUBEI's next key
    hubei_alias = CosignatureSigner("witness.hubei-2.example.cn", rotated.key)
    listed = [HUNAN, ALIAS, HUBEI, rotated, hubei_alias]

    party = parties([CosignatureVerifier.from_vkey(w.vkey) for w in listed])

    assert len(set(party.values())) == 2
    assert party[HUNAN.name] == party[ALIAS.name] != party[HUBEI.name] == party[hubei_alias.name]


def test_more_witnesses_required_than_distinct_keys_listed_is_refused() -> None:
    args = argparse.Namespace(witness=[HUNAN.vkey, ALIAS.vkey], witnesses_required=2)

    with pytest.raises(CliError, match="distinct witnesses among the --witness keys \\(1;"):
        witness_verifiers(args)
    assert len(witness_verifiers(argparse.Namespace(**{**vars(args), "witnesses_required": 1})))


def test_a_cosignature_timed_zero_or_ahead_of_the_clock_counts_for_nothing() -> None:
    """C2SP tlog-witness: a witness never signs time 0; tlog-cosignature lets a verifier refuse
    a time not yet come (review 41). A witness's clock a few minutes fast still counts."""
    now = datetime.fromtimestamp(STAMP, UTC)

    def by_hunan(at: datetime | int) -> Checkpoint:
        stamp = at if isinstance(at, int) else int(at.timestamp())
        return cosigned(CHECKPOINT, line(HUNAN, CHECKPOINT, stamp))

    hunan = {parties(BOTH)[HUNAN.name]}
    assert cosigners(by_hunan(now - timedelta(days=1)), BOTH, now) == hunan
    assert cosigners(by_hunan(now + SKEW - timedelta(seconds=1)), BOTH, now) == hunan
    assert cosigners(by_hunan(now + SKEW + timedelta(seconds=1)), BOTH, now) == set()
    assert cosigners(by_hunan(0), BOTH, now) == set()
    assert cosigners(by_hunan(0), BOTH) == set()  # whatever the clock


def test_a_witness_listed_with_its_old_and_new_key_counts_by_the_key_that_signed() -> None:
    """Only the key that signed has a time to check; the other, under the same name, is no
    error (review 41: the time check raised for it, and verify-log crashed)."""
    rotated = CosignatureSigner(HUBEI.name, Ed25519PrivateKey.generate())  # HUBEI's next key
    listed = [CosignatureVerifier.from_vkey(w.vkey) for w in (HUNAN, HUBEI, rotated)]
    checkpoint = cosigned(CHECKPOINT, line(rotated, CHECKPOINT), line(HUNAN, CHECKPOINT))

    assert len(cosigners(checkpoint, listed)) == 2
    assert run([checkpoint], 2, listed).problems == ()


def test_a_log_whose_witnesses_last_cosigned_a_day_ago_is_held_frozen() -> None:
    """Review 51, F1: a gateway serving one subscriber the last checkpoint both witnesses
    cosigned, and nothing logged since, passed months later; a witness never cosigns behind its
    own record, so only fresh cosignatures show the log shown is the log."""
    months = LATER + timedelta(days=90)
    stale = cosigned(CHECKPOINT, line(HUNAN, CHECKPOINT), line(HUBEI, CHECKPOINT))
    fresh = int(months.timestamp()) - 3600  # asked again an hour ago, the log idle since
    again = cosigned(stale, *stale.cosignatures, line(HUNAN, CHECKPOINT, fresh))

    frozen = run([stale], 2, now=months)
    one_fresh = run([again], 1, now=months)
    two_needed = run([again], 2, now=months)

    assert not frozen.ok
    assert any("in the last 25 hours" in p for p in frozen.problems), frozen.problems
    assert one_fresh.ok, one_fresh.problems
    assert not two_needed.ok


def test_a_log_cosigned_just_over_the_lag_ago_is_not_frozen_before_the_next_ask() -> None:
    """Review 52, F4: with a lag of one hour, a log cosigned at the last hourly ask failed a
    run a few minutes before the next ask finished."""
    checked = datetime.fromtimestamp(STAMP, UTC) + timedelta(minutes=62)
    witnessed = cosigned(CHECKPOINT, line(HUNAN, CHECKPOINT))
    keys = [GATEWAY.ed25519.private_key.public_key()]

    def at(now: datetime) -> AuditReport:
        return audit(
            ENTRIES,
            [witnessed],
            keys,
            STORED,
            wants(BLACK_ONLY),
            reader_at,
            now,
            1,
            witnesses=BOTH,
            witnesses_required=1,
            witness_lag=timedelta(hours=1),
        )

    assert not any("shown in the last" in p for p in at(checked).problems)
    assert any("shown in the last 2 hours" in p for p in at(checked + timedelta(hours=1)).problems)
