"""Whether a listing version that the gateway's salting cut-over covers came with its ID
commitment (``gateway_client.contract.salting``).

The cut-over applied is the earliest any signed checkpoint states, or the run before saw: a
gateway that stated it once cannot exempt a version by stating a later one, or none. (A later
statement is also what a deploy racing with code from before the statement could leave behind,
and the earliest is still true then.) A version accepted at or after it with neither its
``id_salt`` (full ID numbers) nor its ``ids_commitment`` (masked) does not bind its full ID
numbers to the log: they were stripped, or the version was altered."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from gateway_client.audit_report import Seen
from gateway_client.contract import ChangeType, Checkpoint, DeliveryPayload, salted_since


def cut_over(
    trusted: Sequence[Checkpoint],
    seen: datetime | None,
    stated_by: Callable[[Sequence[str]], datetime | None] = salted_since,
) -> tuple[datetime | None, list[str]]:
    """The earliest cut-over stated (None: none stated), and the checkpoints that state one
    in a form not read (a problem: the gateway signed it); ``stated_by`` reads which one
    (this salting's, or ``contract.moves_since``)."""
    stated = [seen] if seen is not None else []
    problems: list[str] = []
    for checkpoint in trusted:
        try:
            at = stated_by(checkpoint.extensions)
        except ValueError as error:
            problems.append(f"checkpoint {checkpoint.sequence}: {error}")
            continue
        if at is not None:
            stated.append(at)
    return min(stated, default=None), problems


def passed_by(seen: Seen | None, cut: datetime | None) -> int | None:
    """The size the last run verified, when by then (its own clock) the cut-over ``cut`` it
    saw had passed: every entry logged after it was made by code from after the cut-over,
    whatever date it shows (the gateway sets that date, and could backdate one past it)."""
    if seen is None or cut is None or seen.checked_at is None:
        return None
    return seen.size if seen.checked_at >= cut else None


def uncommitted_problems(
    deliveries: Sequence[DeliveryPayload], since: datetime | None, after: int | None = None
) -> list[str]:
    """Deliveries of a version accepted since the cut-over, or logged after ``after``
    (``passed_by``), without its ID commitment. A purge's tombstone is exempt: it holds
    nothing of the person to bind."""
    problems: list[str] = []
    for d in deliveries:
        listing = d.data.listing
        if listing.id_salt is not None or listing.ids_commitment is not None:
            continue
        if d.data.type is ChangeType.PURGED:
            continue
        if since is not None and listing.accepted_at >= since:
            problems.append(
                f"delivery {d.delivery_id} carries a listing version accepted at "
                f"{listing.accepted_at.isoformat()}, after the gateway's salting cut-over "
                f"({since.isoformat()}), without its ids_commitment or id_salt: its full ID "
                "numbers are not bound to the log (stripped or altered)"
            )
        elif after is not None and (d.log_sequence or 0) > after:
            problems.append(
                f"delivery {d.delivery_id} (log entry {d.log_sequence}) was logged after the "
                f"salting cut-over the last run saw pass (through {after}), without its "
                "ids_commitment or id_salt: its full ID numbers are not bound to the log"
            )
    return problems
