"""``gateway verify-log``: a subscriber checks the deliveries it stored against the exchange log.

It proves three things from published data only: the log is one unbroken chain that matches the
gateway's signed checkpoints; every stored delivery is, byte for byte in its public form, the
change the log recorded; and no change the subscription should have received is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Literal

from gateway_client.contract import (
    GENESIS,
    AnyKey,
    Checkpoint,
    DeliveryPayload,
    Frozen,
    LogEntry,
    PublishedKey,
    change_digest,
    checkpoint_sm2_verifies,
    checkpoint_verifies,
    entry_hash,
    sm2_usable_at,
    usable_at,
)

Algorithm = Literal["ed25519", "sm2"]


class AuditReport(Frozen):
    checked_entries: int
    checked_deliveries: int
    verified_through: int
    problems: tuple[str, ...]
    # Signed by a key no longer published (retired after a rotation), or (checking SM2) made
    # before the gateway signed with SM2: neither trusted nor reported as forged; later
    # checkpoints under the current key cover the same chain.
    skipped_checkpoints: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def _chain_problems(entries: Sequence[LogEntry]) -> list[str]:
    problems: list[str] = []
    previous: LogEntry | None = None
    for entry in entries:
        if previous is None:
            if entry.sequence == 1 and entry.previous_hash != GENESIS:
                problems.append("entry 1 does not start from the genesis hash")
        else:
            if entry.sequence != previous.sequence + 1:
                problems.append(
                    f"log out of sequence: {previous.sequence} is followed by {entry.sequence}"
                )
            if entry.previous_hash != previous.hash:
                problems.append(
                    f"entry {entry.sequence} does not chain to entry {previous.sequence}"
                )
        if entry_hash(entry) != entry.hash:
            problems.append(
                f"entry {entry.sequence} was altered (its hash does not match its content)"
            )
        previous = entry
    return problems


def _signed(checkpoint: Checkpoint, keys: Sequence[AnyKey], algorithm: Algorithm) -> bool:
    if algorithm == "sm2":
        return checkpoint_sm2_verifies(checkpoint, sm2_usable_at(keys, checkpoint.at))
    return checkpoint_verifies(checkpoint, usable_at(keys, checkpoint.at))


def audit(
    entries: Sequence[LogEntry],
    checkpoints: Sequence[Checkpoint],
    gateway_keys: Iterable[AnyKey],
    deliveries: Sequence[DeliveryPayload],
    wanted: Callable[[LogEntry], bool],
    from_sequence: int | None = None,
    audience: tuple[str, str] | None = None,
    algorithm: Algorithm = "ed25519",
) -> AuditReport:
    """Check the log, the checkpoints and the stored deliveries against each other.

    ``wanted`` says which log entries this subscription should have received (its filters);
    ``from_sequence`` is the first entry it should have had (the log head when it subscribed,
    plus one), so even a dropped first delivery shows; by default, the first one stored.
    ``audience`` (subscription id, region) flags stored deliveries made for someone else.
    A checkpoint counts only under a key valid at its ``at``, and only by its signature of
    ``algorithm``: ``sm2`` for a subscriber that must rely on national algorithms.
    """
    keys = list(gateway_keys)
    published = {
        key.key_id for key in keys if isinstance(key, PublishedKey) and key.algorithm == algorithm
    }
    problems = _chain_problems(entries)
    if audience is not None:
        problems += _audience_problems(deliveries, *audience)
    by_sequence = {entry.sequence: entry for entry in entries}
    verified = 0
    skipped: list[int] = []
    for checkpoint in sorted(checkpoints, key=lambda c: c.sequence):
        key_id = checkpoint.sm2_key_id if algorithm == "sm2" else checkpoint.key_id
        if key_id is None or (published and key_id not in published):
            skipped.append(checkpoint.sequence)
            continue
        if not _signed(checkpoint, keys, algorithm):
            by = " with SM2" if algorithm == "sm2" else ""
            problems.append(f"checkpoint {checkpoint.sequence} is not signed by the gateway{by}")
            continue
        entry = by_sequence.get(checkpoint.sequence)
        if entry is None:
            if checkpoint.sequence > max(by_sequence, default=0):
                problems.append(
                    f"the log served ends before the signed checkpoint at {checkpoint.sequence}"
                )
            continue
        if entry.hash != checkpoint.head_hash:
            problems.append(
                f"the log does not match the signed checkpoint at {checkpoint.sequence}"
            )
        else:
            verified = max(verified, checkpoint.sequence)
    logged = [d for d in deliveries if d.log_sequence is not None]
    if checkpoints and logged and not verified:
        # Checkpoints exist, yet none is trusted (all skipped or refused): nothing proves the
        # stored deliveries; saying OK would vouch for them on the chain's word alone.
        problems.append(
            f"no checkpoint signed by a listed gateway key ({algorithm}) covers the stored "
            f"deliveries; skipped: {sorted(skipped)}"
        )
    for delivery in logged:
        entry = by_sequence.get(delivery.log_sequence or 0)
        if entry is None:
            problems.append(
                f"delivery {delivery.delivery_id} names log entry {delivery.log_sequence}, "
                "which is not in the log"
            )
        elif entry.change_id != delivery.data.change_id or entry.change_digest != change_digest(
            delivery.data
        ):
            problems.append(
                f"delivery {delivery.delivery_id} differs from log entry {entry.sequence} (altered)"
            )
    problems += _order_problems(logged)
    have = {d.log_sequence for d in logged}
    if logged or from_sequence is not None:
        start = from_sequence or min(s for s in have if s is not None)
        end = verified or max(by_sequence, default=0)
        problems += [
            f"log entry {entry.sequence} ({entry.change_id}) was never delivered"
            for entry in entries
            if start <= entry.sequence <= end and wanted(entry) and entry.sequence not in have
        ]
    return AuditReport(
        checked_entries=len(entries),
        checked_deliveries=len(deliveries),
        verified_through=verified,
        problems=tuple(problems),
        skipped_checkpoints=tuple(skipped),
    )


def _audience_problems(
    deliveries: Sequence[DeliveryPayload], subscription_id: str, region: str
) -> list[str]:
    """Stored deliveries addressed to another subscription or region (bodies stored before
    deliveries named their region are judged by the subscription id alone)."""
    return [
        f"delivery {d.delivery_id} is addressed to {d.subscription_id} "
        f"({d.subscriber_region}), not to {subscription_id} ({region})"
        for d in deliveries
        if d.subscription_id != subscription_id or d.subscriber_region not in (None, region)
    ]


def _order_problems(deliveries: Sequence[DeliveryPayload]) -> list[str]:
    """For one subject, a later change must never have been stored before an earlier one."""
    last: dict[str, int] = {}
    problems: list[str] = []
    for delivery in deliveries:
        subject = delivery.data.listing.listing_id
        sequence = delivery.log_sequence or 0
        if sequence < last.get(subject, 0):
            problems.append(
                f"delivery {delivery.delivery_id} arrived after a later change of the same listing"
            )
        last[subject] = max(sequence, last.get(subject, 0))
    return problems
