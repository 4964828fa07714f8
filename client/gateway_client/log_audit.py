"""``gateway verify-log``: a subscriber checks the deliveries it stored against the exchange log.

It proves from published data only, against the gateway's signed checkpoints (C2SP signed notes
over RFC 6962 Merkle roots): every checkpoint it trusts, and the one it saw last time, is a
prefix of the latest (consistency proofs: nothing was rewritten); every log entry it was served
and every stored delivery is, byte for byte in its public form, a leaf of the signed tree
(inclusion proofs; that form commits to the full ID numbers, and full numbers delivered without
the salt of their commitment are reported); and no change the subscription should have received
is missing — telling changes still in flight (logged within the grace period) apart from
missing ones. Proofs are computed from the published tiles and checked against the signed
roots, so the tiles themselves need no trust.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from gateway_client.audit_report import AuditReport as AuditReport
from gateway_client.audit_report import Seen as Seen
from gateway_client.checkpoint_trust import Algorithm as Algorithm
from gateway_client.checkpoint_trust import dated_after_entries, trusted_checkpoints
from gateway_client.contract import (
    AnyKey,
    Checkpoint,
    DeliveryPayload,
    LogEntry,
    entry_hash,
    moves_since,
)
from gateway_client.delivery_audit import (
    audience_problems,
    delivery_problems,
    included,
    late_arrivals,
    overfull_tombstone,
    unerased_problems,
    unlogged_problems,
    unsalted_problems,
    withheld_problems,
)
from gateway_client.salting_audit import cut_over, passed_by, uncommitted_problems
from gateway_client.tlog import (
    CosignatureVerifier,
    HashReader,
    consistency_proof,
    verify_consistency,
)
from gateway_client.witness_audit import WITNESS_LAG, frozen, lagging, witnessed_through

ReaderAt = Callable[[int], HashReader]
"""The tree's hashes at a checkpointed size, from its published tiles."""
GRACE = timedelta(minutes=15)
TOLERANCE = timedelta(minutes=5)  # clocks differ: an entry dated later than this is a problem


def _consistency_problems(
    trusted: Sequence[Checkpoint], seen: Seen | None, read: HashReader
) -> list[str]:
    """Each trusted checkpoint, and the one seen last time, must be a prefix of the latest."""
    latest = trusted[-1]
    earlier = [(c.sequence, c.root, f"checkpoint {c.sequence}") for c in trusted[:-1]]
    if seen is not None:
        earlier.append((seen.size, seen.root, f"the checkpoint seen last time ({seen.size})"))
    problems: list[str] = []
    for size, root, name in earlier:
        if size > latest.sequence:
            problems.append(f"{name} is larger than the latest, {latest.sequence}: rolled back")
            continue
        proof = consistency_proof(size, latest.sequence, read) if size else []
        if not verify_consistency(
            size, latest.sequence, bytes.fromhex(root), bytes.fromhex(latest.root), proof
        ):
            problems.append(
                f"{name} and checkpoint {latest.sequence} are not consistent: "
                "the log was rewritten between them"
            )
    return problems


def _entry_problems(
    entries: Sequence[LogEntry], first: int, latest: Checkpoint, read: HashReader, now: datetime
) -> list[str]:
    """The entries served, ``first`` … the latest checkpoint, must be its leaves, in order,
    none dated in the future (a date that keeps a dropped change "in flight" for ever)."""
    problems: list[str] = []
    expected = first
    for entry in entries:
        if entry.at > now + TOLERANCE:
            problems.append(f"entry {entry.sequence} is dated in the future ({entry.at})")
        if entry.sequence != expected:
            problems.append(f"log out of sequence: {expected} expected, {entry.sequence} served")
        expected = entry.sequence + 1
        if entry_hash(entry) != entry.hash:
            problems.append(f"entry {entry.sequence} was altered (its hash does not match)")
        elif entry.sequence <= latest.sequence and not included(
            entry.hash, entry.sequence, latest, read
        ):
            problems.append(
                f"entry {entry.sequence}, as served, is not in the tree checkpoint "
                f"{latest.sequence} signs: the gateway's entries or hash tiles were altered"
            )
    if expected <= latest.sequence:
        problems.append(
            f"the log served ends at {expected - 1}, before the signed {latest.sequence}"
        )
    return problems


def audit(
    entries: Sequence[LogEntry],
    checkpoints: Sequence[Checkpoint],
    gateway_keys: Iterable[AnyKey],
    deliveries: Sequence[DeliveryPayload],
    wanted: Callable[[LogEntry], bool],
    reader_at: ReaderAt,
    now: datetime,
    from_sequence: int | None = None,
    audience: tuple[str, str] | None = None,
    algorithm: Algorithm = "ed25519",
    seen: Seen | None = None,
    grace: timedelta = GRACE,
    witnesses: Sequence[CosignatureVerifier] = (),
    witnesses_required: int = 0,
    judged: Callable[[LogEntry], bool] = lambda _: True,
    witness_lag: timedelta = WITNESS_LAG,
    origin: str | None = None,
) -> AuditReport:
    """Check the log, the checkpoints and the stored deliveries against each other.

    ``entries`` are the log from ``from_sequence`` (the first entry the subscription is owed)
    or the first stored delivery on; ``wanted`` says which of them this subscription should
    have received (its filters), of those ``judged`` (an entry planned under other terms, or
    by what the log does not record, is listed ``unjudged`` when not stored, neither proven
    nor missing); ``audience`` (subscription id, region) flags stored
    deliveries made for someone else. A checkpoint counts only under a key valid at its ``at``,
    only by its signature of ``algorithm`` (``sm2`` for a subscriber that must rely on
    national algorithms), and only dated in step with its size and the entries it covers
    (``checkpoint_trust``). Without a trusted checkpoint nothing is proven, and it says so. With
    ``witnesses_required`` K, some trusted checkpoint must also carry cosignatures of K
    distinct ``witnesses`` (``gateway_client.witness_audit``), no entry may stay beyond
    the witnessed size for longer than ``witness_lag``, and K of them must have cosigned a
    checkpoint shown within ``witness_lag`` (a log shown frozen). ``origin``: the log meant
    (witnesses cosign per origin, one key often for several logs): a checkpoint of any other
    is a problem, on a first run too.
    """
    keys = list(gateway_keys)
    trusted, skipped, problems = trusted_checkpoints(checkpoints, keys, algorithm, seen)
    trusted, predated = dated_after_entries(trusted, entries, keys, algorithm)
    problems += predated
    if audience is not None:
        problems += audience_problems(deliveries, *audience)
    problems += unerased_problems(deliveries)
    problems += [p for p in map(overfull_tombstone, deliveries) if p is not None]
    logged = [d for d in deliveries if d.log_sequence is not None]
    first = from_sequence or min((d.log_sequence or 0 for d in logged), default=1)
    first = _owed_from(first, logged, problems)
    # the log starts at 1: a stored line naming less is altered (``delivery_problems``)
    served_from = max(1, min([first, *(d.log_sequence or 0 for d in logged)]))
    if not trusted:
        remembered = seen.size if seen is not None else 0
        held = max(first - 1, 0)  # entries the log held when the subscription began
        # Withholding every checkpoint never passes (review 298: a subscriber sent nothing and
        # shown none was told OK, and no state was kept, so every run passed): a log the last
        # run verified (a rollback to nothing), a log that held entries when the subscription
        # began (fan-out signs one as it logs), a witness rule that nothing then meets — or
        # only nothing proven yet, where the log may still be empty.
        covers = "covers the stored deliveries" if entries or deliveries else "is served"
        if remembered:
            covers += f", though the last run verified the log through {remembered}"
        elif held:
            covers += f", though the log held {held} entries when the subscription began"
        if witnesses_required > 0:
            covers += f", none cosigned by {witnesses_required} witnesses"
        if not (entries or deliveries or remembered or held or witnesses_required > 0):
            covers += ": nothing is proven yet (run again once the log holds an entry)"
        problems.append(
            f"no checkpoint signed by a listed gateway key ({algorithm}) {covers}; "
            f"skipped: {skipped}"
        )
        return _report(entries, deliveries, 0, problems, skipped)
    latest = trusted[-1]
    if first - 1 > latest.sequence:  # no signed log shows it began so late (review 298)
        problems.append(
            f"the gateway says this subscription is owed the log from entry {first}, past the "
            f"newest signed checkpoint ({latest.sequence} entries): what it withholds before "
            "that would go unseen (run again once a checkpoint covers where it began)"
        )
    read = reader_at(latest.sequence)
    problems += _consistency_problems(trusted, seen, read)
    problems += _identity_problems(trusted, seen, first, origin)
    witnessed, unwitnessed = witnessed_through(trusted, witnesses, witnesses_required, now)
    problems += unwitnessed
    problems += lagging(entries, witnessed, witnesses_required, witness_lag, now)
    if witnessed:  # else ``witnessed_through`` said so already
        problems += frozen(trusted, witnesses, witnesses_required, witness_lag, now)
    problems += _entry_problems(entries, served_from, latest, read, now)
    remembered_moves = seen.moves_since if seen is not None else None
    moves, unread_moves = cut_over(trusted, remembered_moves, moves_since)
    named_after = passed_by(seen, moves)  # the earliest stated or remembered
    served = {e.sequence: e.hash for e in entries if entry_hash(e) == e.hash}
    problems += unread_moves + delivery_problems(logged, latest, read, moves, named_after, served)
    unproven, altered = unlogged_problems(deliveries)
    since, unread = cut_over(trusted, seen.salted_since if seen is not None else None)
    problems += altered + unread + unsalted_problems(deliveries) + withheld_problems(deliveries)
    problems += uncommitted_problems(deliveries, since, passed_by(seen, since))
    # Only a ``listing.changed`` delivers its entry: the other events carry the change that
    # caused them (its sequence too), so one arriving alone must not hide the change's loss.
    have = {d.log_sequence for d in logged if d.type == "listing.changed"}
    problems += _twice_delivered(logged)
    unstored = [
        entry
        for entry in entries
        if first <= entry.sequence <= latest.sequence
        and wanted(entry)
        and entry.sequence not in have
    ]
    # In flight: logged within the grace period, by its leaf's time (signed in the tree, so no
    # run's state adds anything: an entry a run saw in flight is in flight on the next run within
    # the period too — review 210: a cron run with --state called it never delivered).
    pending: list[LogEntry] = []
    for e in filter(judged, unstored):
        if now - e.at < grace:
            pending.append(e)
        else:
            problems.append(f"log entry {e.sequence} ({e.change_id}) was never delivered")
    report = _report(
        entries,
        deliveries,
        latest.sequence,
        problems,
        skipped,
        tuple(e.sequence for e in pending),
        latest.root,
    )
    beyond = sum(1 for d in logged if witnessed and (d.log_sequence or 0) > witnessed)
    return report.model_copy(
        update={
            "witnessed_through": witnessed,
            "beyond_witnessed": beyond,
            "latest_origin": latest.origin,
            "latest_at": latest.at,
            "owed_from": first,
            "unproven": unproven,
            "salted_since": since,
            "moves_since": moves,
            "checked_at": now,
            "late": late_arrivals(deliveries),
            "unjudged": tuple(e.sequence for e in unstored if not judged(e)),
        }
    )


def _owed_from(claimed: int, logged: Sequence[DeliveryPayload], problems: list[str]) -> int:
    """The first entry owed: the gateway's unsigned word (``log_start`` + 1), unless a change
    it delivered is older. It never delivers a change logged before the subscription began
    (replays are clamped to it), so such a delivery shows the word false, and what the word
    would excuse between the two is owed (review 84 F1: a raised ``log_start`` hid a drop)."""
    older = [
        d.log_sequence
        for d in logged
        if d.type == "listing.changed" and d.log_sequence is not None and d.log_sequence >= 1
    ]
    earliest = min(older, default=claimed)
    if earliest >= claimed:
        return claimed
    problems.append(
        f"the gateway says this subscription is owed the log from entry {claimed}, yet it "
        f"delivered entry {earliest} to it: owed from {earliest} at the latest"
    )
    return earliest


def _twice_delivered(logged: Sequence[DeliveryPayload]) -> list[str]:
    """A log entry delivered under two webhook ids: the gateway delivers a change once, under
    the id its change and subscription give it (a retry, a replay or a batch's line reuses
    it), so a second delivery of the entry (its recognition changed, say) is not the gateway's
    honest doing (review 84 F2: both were stored, and verify-log said OK)."""
    ids: dict[int, set[str]] = {}
    for d in logged:
        if d.type == "listing.changed" and d.log_sequence is not None:
            ids.setdefault(d.log_sequence, set()).add(d.delivery_id)
    return [
        f"log entry {sequence} was delivered {len(named)} times, as {', '.join(sorted(named))}: "
        "a change is delivered once, under one id"
        for sequence, named in sorted(ids.items())
        if len(named) > 1
    ]


def _identity_problems(
    trusted: Sequence[Checkpoint], seen: Seen | None, first: int, origin: str | None
) -> list[str]:
    """One log, the one meant and under the name the last run saw, owing the subscription
    from as early."""
    problems: list[str] = []
    origins = sorted({c.origin for c in trusted})
    if len(origins) > 1:
        problems.append(f"the checkpoints name different logs: {origins}")
    if origin is not None and origins != [origin]:
        problems.append(f"the checkpoints name the log {origins}, not {origin!r} (--origin)")
    if seen is not None and seen.origin is not None and seen.origin != trusted[-1].origin:
        problems.append(f"the log is now {trusted[-1].origin!r}, it was {seen.origin!r}")
    if seen is not None and seen.owed_from is not None and first > seen.owed_from:
        problems.append(
            f"the gateway now owes this subscription entries from {first} only; "
            f"the last run was owed them from {seen.owed_from}"
        )
    return problems


def _report(
    entries: Sequence[LogEntry],
    deliveries: Sequence[DeliveryPayload],
    verified: int,
    problems: list[str],
    skipped: list[int],
    in_flight: tuple[int, ...] = (),
    root: str | None = None,
) -> AuditReport:
    return AuditReport(
        checked_entries=len(entries),
        checked_deliveries=len(deliveries),
        verified_through=verified,
        problems=tuple(problems),
        skipped_checkpoints=tuple(skipped),
        in_flight=in_flight,
        latest_root=root,
    )
