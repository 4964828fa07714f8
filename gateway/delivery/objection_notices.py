"""Objections filed by anyone but the owner reach the owner as an ``objection.filed`` event
(the 核查通知 of seed 001 §二(四)6); the owner's deadline runs from the day its endpoint
acknowledges it. Decisions reach every subscription that was delivered the listing before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from gateway.delivery.planning import Delivery, delivery_id
from gateway.delivery.subscription import Subscription
from gateway.lifecycle import LifecycleService, moved_from
from gateway.national import domain_problem
from gateway.ownership import may_change
from gateway.ports import Registry
from gateway.recognition import Agreement, recognise
from gateway_client.contract import Change, ChangeType, EventType, Listing, ancestors, china_date

NOTICE: EventType = "objection.filed"
OUTCOMES = frozenset(
    {
        ChangeType.REVOKED,
        ChangeType.CORRECTED,
        ChangeType.OBJECTION_DECIDED,
        ChangeType.SUSPENDED,
        ChangeType.REINSTATED,
        ChangeType.REPAIRED,
        ChangeType.EXPIRED,
        ChangeType.PERFORMED,
        ChangeType.PURGED,
    }
)
"""Changes that settle whether a listing stands, or whether its measures apply: every past
recipient must hear them, however its filters read now — a region still carrying out measures
after a repair, or keeping a person's record after its purge, is what they prevent."""


def settles(change: Change, previous: Listing | None) -> bool:
    """An outcome, or a step that gives the listing to another region (the operator's: an
    ``updated`` where it stays in force): a past recipient whose filters named the old owner
    would otherwise keep that owner's content for good (review 60 F1)."""
    moved = previous is not None and previous.origin_region != change.listing.origin_region
    return moved or change.type in OUTCOMES


def formerly_matched(
    change: Change, previous: Listing | None, subscriptions: Iterable[Subscription]
) -> set[str]:
    """The subscriptions whose filters admitted the listing before the operator moved it to
    another region, and do not now: each was sent (or is being sent, or holds parked) what it
    had, so it hears the move, whatever its receipts say. ``previous`` unknown (a replay): the
    region is read from the move's own step (``moved_from``)."""
    origin = moved_from(change.listing) if previous is None else previous.origin_region
    if origin is None or origin == change.listing.origin_region:
        return set()
    before = change.listing.model_copy(update={"origin_region": origin})
    return {
        sub.subscription_id
        for sub in subscriptions
        if sub.filters.matches(before) and not sub.filters.matches(change.listing)
    }


def filtered_out(change: Change, subscriptions: Iterable[Subscription]) -> list[str]:
    """The subscriptions whose filters leave the listing out: only if there are any is it
    worth asking who received it (a resync's revocations would otherwise each cost a query),
    and only of them (the others get the change anyway)."""
    return [sub.subscription_id for sub in subscriptions if not sub.filters.matches(change.listing)]


def newly_awaiting(change: Change, previous: Listing | None) -> bool:
    """The change files an objection whose owner has not had the notice yet."""
    objection = change.listing.objection
    if objection is None or not objection.open or not objection.awaiting_notice:
        return False
    before = None if previous is None else previous.objection
    return before is None or before.objection_id != objection.objection_id


Owner = tuple[str, str]
"""A listing's origin region and domain: who acts for it depends on both."""


def owners_of(listed: Iterable[Owner], registry: Registry | None) -> dict[Owner, frozenset[str]]:
    """For each (origin, domain), the regions that act for it: the origin, unless a national
    source no longer registered for the domain (review 302: noticed, it may not verify or
    decide, and its acknowledgement counts for nothing), and each ancestor whose policy is,
    now, to relay its sub-regions' listings (``may_change``). A county under a relaying city
    or province often has no platform, nor any subscription: the notice goes to whoever
    decides for it, or the objection would await a notice for good (review 125); none acting,
    none is noticed, and the operator's overdue list shows it."""
    found: dict[Owner, frozenset[str]] = {}
    for origin, domain in set(listed):
        own = registry.get_region(origin) if registry is not None else None
        permitted = own.domains if own is not None else ()
        acting = set() if domain_problem(domain, origin, permitted) else {origin}
        for above in ancestors(origin)[1:]:  # itself first
            known = registry.get_region(above) if registry is not None else None
            if known is not None and may_change(origin, above, known.relays_subregions):
                acting.add(above)
        found[origin, domain] = frozenset(acting)
    return found


def plan_notices(
    change: Change,
    previous: Listing | None,
    subscriptions: Iterable[Subscription],
    agreements: Sequence[Agreement],
    owners: Mapping[Owner, frozenset[str]] | None = None,
) -> list[Delivery]:
    """An ``objection.filed`` delivery to each subscription of a region acting for the
    listing's owner (``owners_of``; the owner alone if not given), whatever its filters: it
    is addressed to the owner's chain, which sees the listing in full."""
    if not newly_awaiting(change, previous):
        return []
    origin = change.listing.origin_region
    acting = (owners or {}).get((origin, change.listing.domain), frozenset({origin}))
    on = china_date(change.occurred_at)
    return [
        Delivery(
            delivery_id=delivery_id(change.change_id, sub.subscription_id, NOTICE),
            subscription_id=sub.subscription_id,
            type=NOTICE,
            change=change,
            recognition=recognise(change.listing, sub.region, agreements, on),
        )
        for sub in subscriptions
        if sub.region in acting
    ]


class ObjectionNotices:
    """Records the owner's receipt of the notice when its endpoint acknowledges it."""

    def __init__(self, lifecycle: LifecycleService) -> None:
        self._lifecycle = lifecycle

    def acknowledged(self, delivery: Delivery, at: datetime) -> None:
        objection = delivery.change.listing.objection
        if delivery.type != NOTICE or objection is None:
            return
        listing = delivery.change.listing
        self._lifecycle.notice_received(
            listing.credit_code,
            listing.listing_id,
            objection.objection_id,
            at,
            delivery.recognition.subscriber_region,
        )

    def acknowledged_lines(self, lines: Sequence[Delivery], at: datetime) -> None:
        for line in lines:  # a batch's lines are changes, no notices: nothing to record
            self.acknowledged(line, at)
