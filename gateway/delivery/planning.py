"""Fan-out planning: exactly one delivery per (change, matching subscription), each carrying
the recognition outcome for *that* subscriber, plus intensified-punishment flags."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date

from gateway.delivery.subscription import Subscription
from gateway.recognition import (
    Agreement,
    intensified_domains,
    is_intensified,
    recognise,
    yielded,
)
from gateway_client.contract import (
    Change,
    DeliveryPayload,
    EventType,
    Frozen,
    Intensified,
    Listing,
    ListKind,
    Recognition,
    china_date,
    masked,
    person_measures,
    roles_in,
)


class Delivery(Frozen):
    """One event for one subscriber. ``delivery_id`` is the webhook-id, stable across retries."""

    delivery_id: str
    subscription_id: str
    type: EventType = "listing.changed"
    change: Change
    recognition: Recognition
    intensified: Intensified | None = None
    log_sequence: int | None = None  # the change's place in the exchange log
    sequence: int | None = None  # per subscription: increases with every delivery it is sent
    replay: bool = False  # sent again on request: deliver even if delivered before


def delivery_id(change_id: str, subscription_id: str, event: EventType = "listing.changed") -> str:
    seed = f"{change_id}>{subscription_id}" + ("" if event == "listing.changed" else f">{event}")
    return "msg_" + hashlib.sha256(seed.encode()).hexdigest()[:32]


def for_subscriber(change: Change, recognition: Recognition) -> Change:
    """A region that does not recognise a listing has no need of the ID numbers in it."""
    if recognition.recognised:
        return change
    return change.model_copy(update={"listing": masked(change.listing)})


def plan_deliveries(
    change: Change,
    subscriptions: Iterable[Subscription],
    agreements: Sequence[Agreement],
    event: EventType = "listing.changed",
    subject: Sequence[Listing] = (),
    received: Collection[str] = frozenset(),
) -> list[Delivery]:
    """Deliveries for every subscription whose filters match the changed listing, or that was
    delivered the listing before (``received``: it hears how the listing ends even if its
    filters changed since); a disabled one's are parked as dead, so re-enabling it delivers
    what it missed.

    A ``recognised_only`` subscription skips a newly listed subject it does not recognise, but
    still hears updates, so it learns when a listing it knew stops being recognised. A red
    listing's incentives are held back while ``subject`` (all the subject's listings, as this
    change leaves them) has a black listing in force.
    """
    on = china_date(change.occurred_at)
    deliveries: list[Delivery] = []
    unrecognised: Change | None = None  # masked once, however many regions do not recognise it
    for sub in subscriptions:
        if not sub.filters.matches(change.listing) and sub.subscription_id not in received:
            continue
        recognition = yielded(
            recognise(change.listing, sub.region, agreements, on), change.listing, subject
        )
        if sub.recognised_only and not recognition.recognised and change.type == "listed":
            continue
        if not recognition.recognised and unrecognised is None:
            unrecognised = for_subscriber(change, recognition)
        deliveries.append(
            Delivery(
                delivery_id=delivery_id(change.change_id, sub.subscription_id, event),
                subscription_id=sub.subscription_id,
                type=event,
                change=change if recognition.recognised else unrecognised,
                recognition=recognition,
            )
        )
    return deliveries


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
        was = intensified_domains(before, region, agreements, on)
        now = intensified_domains(after, region, agreements, on)
        deliveries += intensified_events(trigger, region, was, now, subscriptions, agreements, on)
    return deliveries


def intensified_events(
    trigger: Change,
    region: str,
    was: frozenset[str],
    now: frozenset[str],
    subscriptions: Sequence[Subscription],
    agreements: Sequence[Agreement],
    on: date,
) -> list[Delivery]:
    """Deliveries to ``region``'s black-list subscriptions when its intensified flag flips."""
    if is_intensified(was) == is_intensified(now):
        return []
    recognition = recognise(trigger.listing, region, agreements, on)
    shown = for_subscriber(trigger, recognition)
    flag = Intensified(
        credit_code=shown.listing.credit_code,
        intensified=is_intensified(now),
        domains=tuple(sorted(now)),
    )
    return [
        Delivery(
            delivery_id=delivery_id(trigger.change_id, sub.subscription_id, "subject.intensified"),
            subscription_id=sub.subscription_id,
            type="subject.intensified",
            change=shown,
            recognition=recognition,
            intensified=flag,
        )
        for sub in subscriptions
        if sub.region == region and (not sub.filters.kinds or ListKind.BLACK in sub.filters.kinds)
    ]


def payload_for(delivery: Delivery, *, subscriber_region: str) -> DeliveryPayload:
    """The body sent for ``delivery``; the region comes from the subscription at send time."""
    return DeliveryPayload(
        type=delivery.type,
        timestamp=delivery.change.occurred_at,
        delivery_id=delivery.delivery_id,
        subscription_id=delivery.subscription_id,
        subscriber_region=subscriber_region,
        data=delivery.change,
        recognition=delivery.recognition,
        intensified=delivery.intensified,
        log_sequence=delivery.log_sequence,
        sequence=delivery.sequence,
        # 落实到人: derived here, from what the delivery already holds, so every path that
        # sends (fan-out, re-evaluation, replays, re-drives) carries it alike
        person_measures=person_measures(
            delivery.recognition.measures, roles_in(delivery.change.listing)
        ),
    )


def replace_listings(
    listings: Sequence[Listing], replacements: Mapping[str, Listing | None]
) -> list[Listing]:
    """``listings`` with some swapped for another version (or dropped, for ``None``)."""
    kept = [x for x in listings if x.listing_id not in replacements]
    return kept + [x for x in replacements.values() if x is not None]


def stamped(
    deliveries: Sequence[Delivery],
    log_sequences: Mapping[str, int],
    allocate: Callable[[str, int], int],
) -> list[Delivery]:
    """Give each delivery its change's log sequence and its subscription's next sequence
    number, in order (``allocate(subscription_id, count)`` reserves a block, returns its first)."""
    counts: dict[str, int] = {}
    for delivery in deliveries:
        counts[delivery.subscription_id] = counts.get(delivery.subscription_id, 0) + 1
    next_of = {sub: allocate(sub, count) for sub, count in counts.items()}
    out: list[Delivery] = []
    for delivery in deliveries:
        sequence = next_of[delivery.subscription_id]
        next_of[delivery.subscription_id] = sequence + 1
        log_sequence = log_sequences.get(delivery.change.change_id)
        out.append(delivery.model_copy(update={"log_sequence": log_sequence, "sequence": sequence}))
    return out
