"""Agreement changes reach existing listings: re-run recognition before/after for one region."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from gateway.agreement import Agreement
from gateway.catalogue import ListKind
from gateway.change import restated
from gateway.fanout import Delivery, delivery_id, for_subscriber, intensified_events
from gateway.listing import Listing, ListingStatus
from gateway.recognition import Recognition, intensified_domains, recognise
from gateway.subscription import Subscription


def _same(a: Recognition, b: Recognition) -> bool:
    return a.recognised == b.recognised and a.measures == b.measures


def recognition_changes(
    subjects: Iterable[Sequence[Listing]],
    region: str,
    before: Sequence[Agreement],
    after: Sequence[Agreement],
    subscriptions: Sequence[Subscription],
    cause: str,
    now: datetime,
) -> list[Delivery]:
    """Deliveries to ``region`` only, for active listings whose recognition or measures differ,
    and for subjects whose intensified flag flips.

    ``subjects`` yields all listings of one subject at a time; ``cause`` (agreement id and
    revision) keeps the delivery ids of two different agreement changes apart.
    """
    on = now.date()
    ours = [s for s in subscriptions if s.region == region and s.enabled]
    deliveries: list[Delivery] = []
    for listings in subjects:
        first_black = None
        for listing in listings:
            if listing.status is not ListingStatus.ACTIVE:
                continue
            old = recognise(listing, region, before, on)
            new = recognise(listing, region, after, on)
            if listing.kind is ListKind.BLACK and first_black is None:
                first_black = listing
            if _same(old, new):
                continue
            change = restated(listing, cause, now)
            deliveries += [
                Delivery(
                    delivery_id=delivery_id(
                        change.change_id, sub.subscription_id, "recognition.changed"
                    ),
                    subscription_id=sub.subscription_id,
                    type="recognition.changed",
                    change=for_subscriber(change, new),
                    recognition=new,
                )
                for sub in ours
                if sub.filters.matches(listing)
                and not (sub.recognised_only and not old.recognised and not new.recognised)
            ]
        if first_black is not None:
            was = intensified_domains(listings, region, before, on)
            now_domains = intensified_domains(listings, region, after, on)
            trigger = restated(first_black, f"#{cause}#intensified", now)
            deliveries += intensified_events(trigger, region, was, now_domains, ours, after, on)
    return deliveries
