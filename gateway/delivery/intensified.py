"""``subject.intensified`` (加大联合惩戒力度): a subscriber region is told when a subject's
recognised black listings reach, or drop below, two domains.

The flag is about the subject, so every subscription of the region that takes any listing
counted in it is told; the event carries a listing, so each is sent one its filters take —
the one that tipped the flag where they take it, else the first counted one they do (restated:
it is not the logged change) — and a subscription whose filters take none of them is sent
nothing (review 35: a listing, a person's ID number with it, went to subscriptions filtered
away from it; review 36: filtering on the tipping listing alone left subscriptions that take
the subject's other listings untold, and made who is told depend on the listings' order).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Final

from gateway.delivery.planning import Delivery, delivery_id, for_subscriber
from gateway.delivery.subscription import Subscription
from gateway.recognition import Agreement, counted, is_intensified, recognise
from gateway_client.contract import Change, Intensified, Listing, restated

EVENT: Final = "subject.intensified"


def plan_intensified(
    trigger: Change,
    before: Sequence[Listing],
    after: Sequence[Listing],
    subscriptions: Sequence[Subscription],
    agreements: Sequence[Agreement],
    on: date,
) -> list[Delivery]:
    """A ``subject.intensified`` event for each subscriber region whose flag flips.

    ``before`` and ``after`` are all of one subject's listings either side of ``trigger``.
    """
    deliveries: list[Delivery] = []
    for region in dict.fromkeys(sub.region for sub in subscriptions):
        was = counted(before, region, agreements, on)
        now = counted(after, region, agreements, on)
        deliveries += intensified_events(trigger, region, was, now, subscriptions, agreements, on)
    return deliveries


def intensified_events(
    trigger: Change,
    region: str,
    was: Sequence[Listing],
    now: Sequence[Listing],
    subscriptions: Sequence[Subscription],
    agreements: Sequence[Agreement],
    on: date,
) -> list[Delivery]:
    """Deliveries to ``region``'s subscriptions when its flag flips: ``was`` and ``now`` are
    the subject's counted listings either side (``gateway.recognition.counted``)."""
    domains = frozenset(x.domain for x in now)
    raised = is_intensified(domains)
    if is_intensified(frozenset(x.domain for x in was)) == raised:
        return []
    candidates = [trigger.listing, *(now if raised else was)]
    deliveries: list[Delivery] = []
    for sub in subscriptions:
        if sub.region != region:
            continue
        listing = next((x for x in candidates if sub.filters.matches(x)), None)
        if listing is None:  # its filters take none of the subject's listings counted
            continue
        change = trigger if listing is trigger.listing else _restated(listing, trigger)
        recognition = recognise(listing, region, agreements, on)
        shown = for_subscriber(change, recognition)
        flag = Intensified(
            credit_code=shown.listing.credit_code,
            intensified=raised,
            domains=tuple(sorted(domains)),
        )
        deliveries.append(
            Delivery(
                delivery_id=delivery_id(trigger.change_id, sub.subscription_id, EVENT),
                subscription_id=sub.subscription_id,
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
