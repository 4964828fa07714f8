"""``subject.intensified`` (加大联合惩戒力度): a subscriber region is told when a subject's
recognised black listings reach, or drop below, two domains.

The flag is about the subject, so every subscription of the region that takes any listing
counted in it is told; the event carries a listing, so each is sent one its filters take
(``Flip.offered``): the change that tipped the flag, where that listing counts, else a counted
listing as it stands now, restated — masked wherever the region does not recognise it as it
stands. A subscription whose filters take none is sent one it holds (``gateway.delivery.
holders``: its filters narrowed since, it still applies the flag it was told), else nothing
(review 35: a listing, a person's ID number with it, went to subscriptions filtered away from
it; reviews 36 and 37: filtering on the tipping listing alone left others untold, a record
that counts for nothing tipped it, and a listing ended in the same batch went out as it had
been, in full).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from gateway.delivery.holders import Received, holders
from gateway.delivery.planning import Delivery, delivery_id, for_subscriber
from gateway.delivery.subscription import Subscription
from gateway.recognition import (
    Agreement,
    Recognitions,
    asks_feedback,
    is_intensified,
    remembered,
)
from gateway_client.contract import Change, Intensified, Listing, restated

EVENT: Final = "subject.intensified"


def in_feedback_rate(delivery: Delivery) -> bool:
    """Whether a delivery counts among the feedback rate's (``asks_feedback``): never the
    flag, which carries a change or a listing the subscription was delivered otherwise (a
    report on it is refused: ``not_a_listing_delivery``), or a subscriber that answered every
    listing fell short of 100 % (reviews 341, 347, 352)."""
    return delivery.type != EVENT and asks_feedback(delivery.change)


def plan_intensified(
    trigger: Change,
    before: Sequence[Listing],
    after: Sequence[Listing],
    subscriptions: Sequence[Subscription],
    agreements: Sequence[Agreement],
    on: date,
    received: Received | None = None,
) -> list[Delivery]:
    """A ``subject.intensified`` event for each subscriber region whose flag flips.

    ``before`` and ``after`` are all of one subject's listings either side of ``trigger``;
    ``received``: who holds a listing (``gateway.delivery.holders``).
    """
    deliveries: list[Delivery] = []
    recognitions = remembered(agreements)
    for region in dict.fromkeys(sub.region for sub in subscriptions):
        was = recognitions.counted(before, region, on)
        now = recognitions.counted(after, region, on)
        flip = Flip(trigger, was, now, after)
        deliveries += intensified_events(flip, region, subscriptions, recognitions, on, received)
    return deliveries


@dataclass(frozen=True)
class Flip:
    """What a region's flag flip is told with: the change that tipped it, the subject's
    listings counted either side (``gateway.recognition.counted``), and all of the subject's
    listings as they stand after it (what a listing is carried as: review 37 — a listing
    counted before and ended in the same batch was sent as it had been, in force, in full)."""

    trigger: Change
    was: Sequence[Listing]
    now: Sequence[Listing]
    after: Sequence[Listing]

    def offered(self) -> list[Change]:
        """The changes a subscription's event may carry, first that its filters take: the
        tipping one where it counts on either side (a dishonesty record, or a listing the
        region does not recognise, tips nothing: review 37), then each listing counted where
        the flag is raised, as it stands now (restated: it is not the logged change)."""
        counts = {x.listing_id for x in (*self.was, *self.now)}
        raised = is_intensified(frozenset(x.domain for x in self.now))
        current = {x.listing_id: x for x in self.after}
        tipping = self.trigger.listing.listing_id
        offered = [self.trigger] if tipping in counts else []
        for held in self.now if raised else self.was:
            listing = current.get(held.listing_id)
            if listing is not None and held.listing_id != tipping:
                offered.append(_restated(listing, self.trigger))
        return offered


def intensified_events(
    flip: Flip,
    region: str,
    subscriptions: Sequence[Subscription],
    recognitions: Recognitions,
    on: date,
    received: Received | None = None,
) -> list[Delivery]:
    """Deliveries to ``region``'s subscriptions when its flag flips (none when it does not),
    each carrying the first offered change its filters take, else the first it holds, masked
    where the region does not recognise that listing as it stands."""
    domains = frozenset(x.domain for x in flip.now)
    raised = is_intensified(domains)
    if is_intensified(frozenset(x.domain for x in flip.was)) == raised:
        return []
    offered = flip.offered()
    carried: dict[str, Change] = {}
    left_out: list[Subscription] = []
    for sub in subscriptions:
        if sub.region != region:
            continue
        change = next((x for x in offered if sub.filters.matches(x.listing)), None)
        if change is None:
            left_out.append(sub)
        else:
            carried[sub.subscription_id] = change
    for change in offered:
        for sub in holders(received, change.listing.listing_id, left_out):
            carried[sub.subscription_id] = change
        left_out = [s for s in left_out if s.subscription_id not in carried]
    deliveries: list[Delivery] = []
    for subscription_id, change in carried.items():
        recognition = recognitions.of(change.listing, region, on)
        shown = for_subscriber(change, recognition)
        code = shown.listing.credit_code
        flag = Intensified(credit_code=code, intensified=raised, domains=tuple(sorted(domains)))
        deliveries.append(
            Delivery(
                delivery_id=delivery_id(flip.trigger.change_id, subscription_id, EVENT),
                subscription_id=subscription_id,
                type=EVENT,
                change=shown,
                recognition=recognition,
                intensified=flag,
            )
        )
    return deliveries


def _restated(listing: Listing, trigger: Change) -> Change:
    """Another counted listing of the subject, carried instead of the one that tipped it."""
    return restated(listing, f"{trigger.change_id}#intensified", trigger.occurred_at)
