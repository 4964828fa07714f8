"""Red lists yield to black ones (seed 001 二(四)3): when a subject's first black listing comes
into force, or its last one ends, every region that recognises one of its red listings hears
that the incentives are held back, or apply again, as a ``recognition.changed`` delivery."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from gateway.delivery.holders import Received, audience_of
from gateway.delivery.planning import Delivery, delivery_id
from gateway.delivery.subscription import Subscription
from gateway.recognition import Agreement, black_in_force, recognise, rewards, yielded
from gateway_client.contract import Change, Listing, ListingStatus, restated


def plan_yield(
    trigger: Change,
    before: Sequence[Listing],
    after: Sequence[Listing],
    planned: Collection[tuple[str, str]],
    subscriptions: Sequence[Subscription],
    agreements: Sequence[Agreement],
    on: date,
    received: Received | None = None,
) -> list[Delivery]:
    """Deliveries for the subject's red listings in force when ``trigger`` flips its black
    standing (``before`` and ``after``: all its listings either side), to the subscriptions
    whose filters take each or that hold it (``received``: ``gateway.delivery.holders``). A
    subscription a red listing's own change in the same batch reaches (``planned``: listing
    and subscription) has the new standing with it and is skipped — only that one (review 399:
    a holder the update did not reach was told nothing); a region that does not recognise a
    red listing had no incentives to lose and hears nothing.
    """
    if black_in_force(before) == black_in_force(after):
        return []
    deliveries: list[Delivery] = []
    for red in after:
        if not rewards(red) or red.status is not ListingStatus.ACTIVE:
            continue
        change = restated(red, f"{trigger.change_id}#yield", trigger.occurred_at)
        for sub in audience_of(red, subscriptions, received):
            if (red.listing_id, sub.subscription_id) in planned:
                continue
            recognition = yielded(recognise(red, sub.region, agreements, on), red, after)
            if not (recognition.measures or recognition.suspended_measures):
                continue
            deliveries.append(
                Delivery(
                    delivery_id=delivery_id(
                        change.change_id, sub.subscription_id, "recognition.changed"
                    ),
                    subscription_id=sub.subscription_id,
                    type="recognition.changed",
                    change=change,
                    recognition=recognition,
                )
            )
    return deliveries
