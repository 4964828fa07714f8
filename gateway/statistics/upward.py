"""The share of listings reported upward on time, per rule, for a month's statistics.

A listing first accepted in the month that a rule covers is *due*; it was reported *on time*
when a delivery of it to any subscription of the rule's target succeeded by the deadline,
*late* when after, *missing* when none did and the deadline has passed (or the target has no
subscription at all, so nothing can ever arrive), *pending* otherwise. The share is on time
over what is settled (due − pending).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from gateway.delivery import DeliveryRecord, DeliveryState
from gateway.national import UpwardRule
from gateway_client.contract import Frozen, Listing, within


class UpwardShare(Frozen):
    rule: str
    target: str
    within_hours: int
    due: int
    reported_on_time: int
    late: int
    missing: int
    pending: int
    share: float | None


def upward_shares(
    rules: Sequence[UpwardRule],
    region: str,
    listings: Sequence[Listing],
    deliveries: Sequence[DeliveryRecord],
    subscriber_regions: Mapping[str, str],
    in_month: Callable[[datetime], bool],
    now: datetime,
) -> tuple[UpwardShare, ...]:
    """One line per rule whose target's subtree overlaps ``region``'s; ``deliveries`` must
    reach past the month's end by the longest deadline to judge its last days."""
    return tuple(
        _share(rule, region, listings, deliveries, subscriber_regions, in_month, now)
        for rule in rules
        if within(region, rule.target) or within(rule.target, region)
    )


def _share(
    rule: UpwardRule,
    region: str,
    listings: Sequence[Listing],
    deliveries: Sequence[DeliveryRecord],
    subscriber_regions: Mapping[str, str],
    in_month: Callable[[datetime], bool],
    now: datetime,
) -> UpwardShare:
    due = [
        x
        for x in listings
        if within(x.origin_region, region)
        and rule.applies_to(x)
        and in_month(x.listed_at or x.accepted_at)
    ]
    reached = _first_deliveries(rule.target, deliveries, subscriber_regions)
    subscribed = rule.target in subscriber_regions.values()
    on_time = late = missing = pending = 0
    for listing in due:
        arrived, deadline = reached.get(listing.listing_id), rule.deadline(listing)
        if arrived is not None and arrived <= deadline:
            on_time += 1
        elif arrived is not None:
            late += 1
        elif not subscribed or now > deadline:
            missing += 1
        else:
            pending += 1
    settled = len(due) - pending
    return UpwardShare(
        rule=rule.rule,
        target=rule.target,
        within_hours=rule.within_hours,
        due=len(due),
        reported_on_time=on_time,
        late=late,
        missing=missing,
        pending=pending,
        share=round(on_time / settled, 4) if settled else None,
    )


def _first_deliveries(
    target: str, deliveries: Sequence[DeliveryRecord], subscriber_regions: Mapping[str, str]
) -> dict[str, datetime]:
    """When each listing first reached any of ``target``'s subscriptions."""
    first: dict[str, datetime] = {}
    for d in deliveries:
        if (
            d.state is DeliveryState.DELIVERED
            and subscriber_regions.get(d.subscription_id) == target
        ):
            at = datetime.fromisoformat(d.updated_at)
            held = first.get(d.listing_id)
            first[d.listing_id] = at if held is None else min(held, at)
    return first
