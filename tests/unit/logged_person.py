"""A person's listing logged and delivered to a region without purpose, and verify-log's audit
of what a store holds of it: the set-up the tests of withheld words and tombstones share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from builders import (
    NOW,
    RESIDENT_ID,
    gateway_signers,
    listing,
    published_tiles,
    subscription,
    tile_reader,
    tree_root,
)

from gateway.delivery.planning import payload_for, plan_deliveries, stamped
from gateway_client.contract import Change, DeliveryPayload, Listing
from gateway_client.contract.listing import Transition
from gateway_client.contract.log import log_entries, sign_checkpoint
from gateway_client.log_audit import AuditReport, audit

REGION = "430000"
GATEWAY = gateway_signers("gw-test-1")
SUB = subscription("sub-all", region=REGION)


def repaired(note: str) -> tuple[Transition, ...]:
    """A history of one repair whose note is ``note``."""
    return (
        Transition(
            event="repaired",
            status="active",
            at=NOW - timedelta(days=2),
            by="230900",
            reason="repaired",
            note=note,
        ),
    )


def person(history: tuple[Transition, ...] = ()) -> Listing:
    """A person's listing, salted, with ``history``."""
    return listing(credit_code=RESIDENT_ID, subject_name="张某某").model_copy(
        update={"id_salt": "5a" * 16, "history": history}
    )


def delivered(made: Change) -> DeliveryPayload:
    """``made`` as logged at 1 and delivered to ``SUB`` (no agreement: masked)."""
    [planned] = plan_deliveries(made, [SUB], [])
    [one] = stamped([planned], {made.change_id: 1}, lambda _sub, _count: 1)
    return payload_for(one, subscriber_region=REGION)


def audited(made: Change, stored: Sequence[DeliveryPayload]) -> AuditReport:
    """verify-log's audit of ``stored`` against a log of ``made`` alone."""
    entries = log_entries(1, [made])
    checkpoint = sign_checkpoint(1, tree_root(entries), NOW, GATEWAY)
    reader = tile_reader(published_tiles(entries, [1]))
    keys = [GATEWAY.ed25519.private_key.public_key()]
    later = NOW + timedelta(days=2)
    return audit(entries, [checkpoint], keys, list(stored), lambda _e: True, reader, later, 1)
