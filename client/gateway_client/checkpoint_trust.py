"""Which of the gateway's checkpoints ``gateway verify-log`` trusts: those signed by a key
``/v1/keys`` lists, valid at the checkpoint's ``at`` — and dated in step with their sizes.

A checkpoint's ``at`` is not signed: it only says which published key to try. A key retired
after a rotation (its private half leaked since) could still sign a new, larger checkpoint and
date it inside its old validity. The gateway dates each checkpoint when it signs it, so a larger
one is never dated before a smaller one, and a key signs none over entries logged after it
retired (an entry's ``at`` is when its change was accepted, signed in its leaf); the checkpoints
the current key signed since, the one the last run verified, or the entries logged since the key
retired give such a backdated checkpoint away (review 332: on a first run nothing else did).
Publishers running at once may sign a few seconds out of step (one signs a larger size while
another is still writing the tiles of a smaller one), hence ``SKEW``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import groupby
from typing import Literal

from gateway_client.audit_report import Seen
from gateway_client.contract import (
    AnyKey,
    Checkpoint,
    LogEntry,
    PublishedKey,
    checkpoint_sm2_verifies,
    checkpoint_verifies,
    entry_hash,
    sm2_usable_at,
    usable_at,
)

Algorithm = Literal["ed25519", "sm2"]
SKEW = timedelta(minutes=5)  # a larger checkpoint dated earlier than this is backdated


def _signed(checkpoint: Checkpoint, keys: Sequence[AnyKey], algorithm: Algorithm) -> bool:
    if algorithm == "sm2":
        return checkpoint_sm2_verifies(checkpoint, sm2_usable_at(keys, checkpoint.at))
    return checkpoint_verifies(checkpoint, usable_at(keys, checkpoint.at))


def trusted_checkpoints(
    checkpoints: Sequence[Checkpoint],
    keys: Sequence[AnyKey],
    algorithm: Algorithm,
    seen: Seen | None = None,
) -> tuple[list[Checkpoint], list[int], list[str]]:
    """The checkpoints signed by a published key (oldest first), the skipped ones, problems:
    a forged signature, or a checkpoint dated before a smaller one (not trusted either)."""
    published = {
        key.key_id for key in keys if isinstance(key, PublishedKey) and key.algorithm == algorithm
    }
    signed: list[Checkpoint] = []
    skipped: list[int] = []
    problems: list[str] = []
    for checkpoint in sorted(checkpoints, key=lambda c: c.sequence):
        key_id = checkpoint.sm2_key_id if algorithm == "sm2" else checkpoint.key_id
        if key_id is None or (published and key_id not in published):
            skipped.append(checkpoint.sequence)
        elif _signed(checkpoint, keys, algorithm):
            signed.append(checkpoint)
        else:
            by = " with SM2" if algorithm == "sm2" else ""
            problems.append(f"checkpoint {checkpoint.sequence} is not signed by the gateway{by}")
    trusted, backdated = _in_step(signed, seen)
    return trusted, skipped, problems + backdated


def _in_step(signed: Sequence[Checkpoint], seen: Seen | None) -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints dated no earlier (beyond ``SKEW``) than every smaller one, the seen
    one included; a problem for each of the others."""
    dated = [(c.sequence, c.at, f"checkpoint {c.sequence}") for c in signed]
    if seen is not None and seen.at is not None:
        dated.append((seen.size, seen.at, f"the checkpoint seen last time ({seen.size})"))
    before: dict[int, tuple[datetime, str]] = {}  # a size → the latest-dated smaller one
    latest: tuple[datetime, str] | None = None
    for size, same in groupby(sorted(dated, key=lambda d: d[0]), key=lambda d: d[0]):
        if latest is not None:
            before[size] = latest
        for _, at, name in same:
            if latest is None or at > latest[0]:
                latest = (at, name)
    kept: list[Checkpoint] = []
    problems: list[str] = []
    for checkpoint in signed:
        smaller = before.get(checkpoint.sequence)
        # a difference of times, never a time moved: a checkpoint dated in year 1 (its time is
        # not signed) overflowed the calendar (review 307)
        if smaller is not None and smaller[0] - checkpoint.at > SKEW:
            problems.append(
                f"checkpoint {checkpoint.sequence} is dated {checkpoint.at.isoformat()}, before "
                f"the smaller {smaller[1]} ({smaller[0].isoformat()}): its time is not signed, "
                "so it may be backdated into the validity of a key retired since"
            )
        else:
            kept.append(checkpoint)
    return kept, problems


def dated_after_entries(
    trusted: Sequence[Checkpoint],
    entries: Sequence[LogEntry],
    keys: Sequence[AnyKey],
    algorithm: Algorithm,
) -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints not signed by a key retired before an entry they cover was logged (of
    the entries served whose leaf hash holds; beyond ``SKEW``); a problem for each of the
    others. Judged from the largest down to the first that passes, which vouches for every
    smaller one (``log_audit`` proves them consistent with it), and only where such an entry is
    dated after the checkpoint: a key without an end (the current one) may sign over entries
    dated later (a local tick run ahead), and older checkpoints over them stay good."""
    genuine = sorted((e.sequence, e.at) for e in entries if entry_hash(e) == e.hash)
    sequences = [sequence for sequence, _ in genuine]
    latest: list[datetime] = []  # the latest ``at`` of the first i + 1 entries
    for _, at in genuine:
        latest.append(max(at, latest[-1]) if latest else at)
    ordered = sorted(trusted, key=lambda c: c.sequence)
    problems: list[str] = []
    while ordered:
        checkpoint = ordered[-1]
        covered = bisect_right(sequences, checkpoint.sequence)
        logged = latest[covered - 1] if covered else None
        if logged is None or logged - checkpoint.at <= SKEW:
            break
        retired = _signer_retired(checkpoint, keys, algorithm)  # only now: SM2 costs
        if retired is None or logged - retired <= SKEW:
            break
        problems.append(
            f"checkpoint {checkpoint.sequence} is dated {checkpoint.at.isoformat()} and covers "
            f"an entry logged {logged.isoformat()}, after the key that signed it retired "
            f"({retired.isoformat()}): its time is not signed, so it was backdated into that "
            "key's validity"
        )
        ordered.pop()
    return ordered, problems


def _signer_retired(
    checkpoint: Checkpoint, keys: Sequence[AnyKey], algorithm: Algorithm
) -> datetime | None:
    """When the latest-ending key whose signature on ``checkpoint`` verifies stopped being
    valid; ``None`` if one has no end (a bare key, the current one)."""
    ends: list[datetime] = []
    for key in keys:
        if isinstance(key, PublishedKey) and key.algorithm != algorithm:
            continue
        if not _signed(checkpoint, [key], algorithm):
            continue
        if not isinstance(key, PublishedKey) or key.valid_until is None:
            return None
        ends.append(key.valid_until)
    return max(ends, default=None)
