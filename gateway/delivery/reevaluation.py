"""Agreement changes reach existing listings: re-run recognition before/after for one region."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from gateway.delivery.planning import Delivery, delivery_id, for_subscriber, intensified_events
from gateway.delivery.subscription import Subscription
from gateway.recognition import (
    Agreement,
    intensified_domains,
    is_intensified,
    recognise,
    yielded,
)
from gateway_client.contract import (
    Listing,
    ListingStatus,
    ListKind,
    Recognition,
    china_date,
    restated,
)


def _same(a: Recognition, b: Recognition) -> bool:
    return (a.recognised, a.measures, a.suspended_measures) == (
        b.recognised,
        b.measures,
        b.suspended_measures,
    )


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
    on = china_date(now)
    ours = [s for s in subscriptions if s.region == region]
    deliveries: list[Delivery] = []
    for listings in subjects:
        for listing in listings:
            if listing.status is not ListingStatus.ACTIVE:
                continue
            old = yielded(recognise(listing, region, before, on), listing, listings)
            new = yielded(recognise(listing, region, after, on), listing, listings)
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
        was = intensified_domains(listings, region, before, on)
        now_domains = intensified_domains(listings, region, after, on)
        if is_intensified(was) != is_intensified(now_domains):
            # Name the flip after a listing that counts on the side where the flag is raised.
            counted = after if is_intensified(now_domains) else before
            trigger = next(
                x
                for x in listings
                if x.kind is ListKind.BLACK
                and x.status is ListingStatus.ACTIVE
                and recognise(x, region, counted, on).recognised
            )
            change = restated(trigger, f"{cause}#intensified", now)
            deliveries += intensified_events(change, region, was, now_domains, ours, after, on)
    return deliveries
