"""Fan-out planning: exactly one delivery per (change, matching subscription), each carrying
the recognition outcome for *that* subscriber (intensified-punishment flags:
``gateway.delivery.intensified``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date
from typing import NamedTuple

from pydantic import Field

from gateway.assembly import copied, defaults_of, instance
from gateway.delivery.audience import audience
from gateway.delivery.subscription import Subscription
from gateway.recognition import (
    Agreement,
    remembered,
    rewards,
    yielded,
)
from gateway_client.contract import (
    Change,
    DeliveryPayload,
    EventType,
    Frozen,
    Intensified,
    Listing,
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
    # a replay's record of its own (``replay_record_id``); left out of a message without one,
    # which the release before it reads
    record_id: str | None = Field(default=None, exclude_if=lambda value: value is None)

    @property
    def record_key(self) -> str:
        """Where the delivery log keeps this delivery's attempts."""
        return self.record_id or self.delivery_id

    def recorded_apart(self) -> Delivery:
        """The delivery as it is attempted: a replay queued by the release before replays had
        records of their own is given one (its ``sequence`` is its queueing's own)."""
        if not self.replay or self.record_id is not None:
            return self
        record_id = replay_record_id(self.delivery_id, f"queued-as:{self.sequence}")
        return copied(self, {"record_id": record_id})

    def original(self) -> Delivery:
        """The delivery a replay sends again, as the log records it under its webhook id."""
        return copied(self, {"replay": False, "record_id": None})


def delivery_id(change_id: str, subscription_id: str, event: EventType = "listing.changed") -> str:
    seed = f"{change_id}>{subscription_id}" + ("" if event == "listing.changed" else f">{event}")
    return "msg_" + hashlib.sha256(seed.encode()).hexdigest()[:32]


def replay_record_id(delivery_id: str, replay_token: str) -> str:
    """A replayed delivery's record: its own, so that a replay held back, retried or dead is
    kept, counted and re-driven as itself (its original may be delivered long ago), shaped as
    a delivery id so that the subscription's pages list it (``delivery_pages``)."""
    return "msg_" + hashlib.sha256(f"{delivery_id}>replay>{replay_token}".encode()).hexdigest()[:32]


_PLANNED = frozenset({"delivery_id", "subscription_id", "type", "change", "recognition"})
_STAMPED = _PLANNED | {"log_sequence", "sequence"}
_INTENSIFIED, _REPLAY = defaults_of(Delivery)["intensified"], defaults_of(Delivery)["replay"]
_RECORD_ID = defaults_of(Delivery)["record_id"]


class Planned(NamedTuple):
    """A delivery decided but not yet built: a fan-out plans ten or thirty per change and
    needs the ``Delivery`` model only when it numbers and queues them (``stamped``), so it is
    built there once, already numbered, instead of built here and copied there.
    ``tests/unit/test_delivery_building.py`` proves what is built equal, field for field and in
    its JSON, to the delivery built directly."""

    subscription_id: str
    change: Change
    recognition: Recognition
    type: EventType

    def built(self) -> Delivery:
        """The ``Delivery``, as planning used to return it."""
        return self._assembled(None, None, _PLANNED)

    def numbered(self, log_sequence: int | None, sequence: int) -> Delivery:
        """The ``Delivery`` ``stamped`` makes of it: ``built()`` with these two set."""
        return self._assembled(log_sequence, sequence, _STAMPED)

    def _assembled(
        self, log_sequence: int | None, sequence: int | None, given: frozenset[str]
    ) -> Delivery:
        """Built without validating again what is validated already (the change and the
        recognition are frozen models, the ids the gateway's own)."""
        fields = {
            "delivery_id": delivery_id(self.change.change_id, self.subscription_id, self.type),
            "subscription_id": self.subscription_id,
            "type": self.type,
            "change": self.change,
            "recognition": self.recognition,
            "intensified": _INTENSIFIED,
            "log_sequence": log_sequence,
            "sequence": sequence,
            "replay": _REPLAY,
            "record_id": _RECORD_ID,
        }
        return instance(Delivery, fields, given)


_new = tuple.__new__


def for_subscriber(change: Change, recognition: Recognition) -> Change:
    """A region that does not recognise a listing has no need of the ID numbers in it."""
    if recognition.recognised:
        return change
    return copied(change, {"listing": masked(change.listing)})


def plan_deliveries(
    change: Change,
    subscriptions: Iterable[Subscription],
    agreements: Sequence[Agreement],
    event: EventType = "listing.changed",
    subject: Sequence[Listing] = (),
    received: Collection[str] = frozenset(),
) -> list[Delivery]:
    """The deliveries ``planned_deliveries`` decides, built."""
    decided = planned_deliveries(change, subscriptions, agreements, event, subject, received)
    return [x.built() for x in decided]


def planned_deliveries(
    change: Change,
    subscriptions: Iterable[Subscription],
    agreements: Sequence[Agreement],
    event: EventType = "listing.changed",
    subject: Sequence[Listing] = (),
    received: Collection[str] = frozenset(),
    on: date | None = None,
) -> list[Planned]:
    """Deliveries for every subscription whose filters match the changed listing, or that was
    delivered the listing before (``received``: it hears how the listing ends even if its
    filters changed since); a disabled one's are parked as dead, so re-enabling it delivers
    what it missed.

    A ``recognised_only`` subscription skips a newly listed subject it does not recognise, but
    still hears updates, so it learns when a listing it knew stops being recognised. A red
    listing's incentives are held back while ``subject`` (all the subject's listings, as this
    change leaves them) has a black listing in force. Recognised as of ``on`` (the change's
    day by default; fan-out's, when later: ``FanOut``).
    """
    on = on or china_date(change.occurred_at)
    listing = change.listing
    heard: Iterable[tuple[Subscription, Recognition]]
    if received:  # past recipients hear it too, whatever their filters say now
        recognitions = remembered(agreements)
        heard = [
            (sub, recognitions.of(listing, sub.region, on))
            for sub in subscriptions
            if sub.filters.matches(listing) or sub.subscription_id in received
        ]
    else:  # the common case: worked out once per listing facts and day (``audience``)
        heard = audience(subscriptions, agreements).of(listing, on)
    red, listed = rewards(listing), change.type == "listed"
    deliveries: list[Planned] = []
    unrecognised: Change | None = None  # masked once, however many regions do not recognise it
    for sub, outcome in heard:
        recognition = yielded(outcome, listing, subject) if red else outcome
        if recognition.recognised:
            shown = change
        elif sub.recognised_only and listed:
            continue
        else:
            if unrecognised is None:
                unrecognised = for_subscriber(change, recognition)
            shown = unrecognised
        # ``Planned(…)`` without its generated ``__new__``'s Python frame: ten or thirty a change
        deliveries.append(_new(Planned, (sub.subscription_id, shown, recognition, event)))
    return deliveries


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
    deliveries: Sequence[Delivery | Planned],
    log_sequences: Mapping[str, int],
    allocate: Callable[[str, int], int],
) -> list[Delivery]:
    """Give each delivery its change's log sequence and its subscription's next sequence
    number, in order (``allocate(subscription_id, count)`` reserves a block, returns its first);
    a ``Planned`` one is built here, numbered."""
    counts: dict[str, int] = {}
    for delivery in deliveries:
        counts[delivery.subscription_id] = counts.get(delivery.subscription_id, 0) + 1
    next_of = {sub: allocate(sub, count) for sub, count in counts.items()}
    out: list[Delivery] = []
    for delivery in deliveries:
        sequence = next_of[delivery.subscription_id]
        next_of[delivery.subscription_id] = sequence + 1
        log_sequence = log_sequences.get(delivery.change.change_id)
        if isinstance(delivery, Planned):
            out.append(delivery.numbered(log_sequence, sequence))
        else:
            out.append(copied(delivery, {"log_sequence": log_sequence, "sequence": sequence}))
    return out
