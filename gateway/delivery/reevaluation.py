"""Agreement changes reach existing listings: re-run recognition before/after for one region.

The comparison is made one subject at a time (``subject_changes``), so a job can walk the
listings page by page and hold only the page's subjects; ``recognition_changes`` is the same
comparison over a whole table at once, and the two give the same deliveries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from gateway.delivery.holders import Received, holders
from gateway.delivery.intensified import Flip, intensified_events
from gateway.delivery.planning import Delivery, delivery_id, for_subscriber
from gateway.delivery.subscription import Subscription
from gateway.recognition import (
    Agreement,
    countable,
    counted,
    is_intensified,
    recognise,
    remembered,
    yielded,
)
from gateway_client.contract import (
    Frozen,
    Listing,
    ListingStatus,
    Recognition,
    china_date,
    restated,
)


class DatedBefore(Frozen):
    """An agreement the before side holds as it stood on ``stood`` (it began or ended since),
    with the end it really has (``until``)."""

    agreement_id: str
    stood: date
    until: date | None


@dataclass(frozen=True)
class Comparison:
    """What one re-evaluation compares: ``region``'s recognition under the agreements
    ``before`` and ``after``, both on the day ``on``. ``cause`` (agreement id and revision, or
    a date) keeps the delivery ids of two different changes apart; ``at`` stamps the restated
    changes, so the same comparison run twice makes the same deliveries. ``dated``: the
    agreements of ``before`` held as they stood on a day before ``on`` (``before_for``)."""

    region: str
    before: Sequence[Agreement]
    after: Sequence[Agreement]
    on: date
    cause: str
    at: datetime
    dated: Sequence[DatedBefore] = ()
    _told: dict[date, tuple[Agreement, ...]] = field(default_factory=dict, compare=False)

    def before_for(self, listing: Listing) -> Sequence[Agreement]:
        """The agreements ``listing`` was last told under: ``before``, but each dated one as in
        effect on the day the listing was last told of where that is after the day it stood — its
        last fan-out recognised it so (review 271: an agreement ended on its first morning,
        before the day's tick, told nothing to what was listed that morning in full)."""
        if not self.dated:
            return self.before
        # its last fan-out: of the version accepted, or of a step since (each one is told)
        last_told = max([listing.accepted_at, *(step.at for step in listing.history[-1:])])
        day = min(china_date(last_told), self.on)
        if day not in self._told:
            dated = {d.agreement_id: d for d in self.dated}
            self._told[day] = tuple(
                _as_told(a, dated.get(a.agreement_id), day) for a in self.before
            )
        return self._told[day]


def as_it_stood(agreement: Agreement, day: date) -> Agreement:
    """``agreement`` with its dates replaced so that, on any later day, it is in effect exactly
    when it was on ``day``: yesterday's agreement, recognised today."""
    in_effect = agreement.effective_from <= day and (
        agreement.effective_until is None or day < agreement.effective_until
    )
    until = None if in_effect else agreement.effective_from  # an empty window: never
    return agreement.model_copy(update={"effective_until": until})


def _as_told(agreement: Agreement, dated: DatedBefore | None, day: date) -> Agreement:
    if dated is None or day <= dated.stood:
        return agreement
    return as_it_stood(agreement.model_copy(update={"effective_until": dated.until}), day)


def same_recognition(a: Recognition, b: Recognition) -> bool:
    """The same standing for a subscriber: recognised or not, and the measures it applies."""
    return (a.recognised, a.measures, a.suspended_measures) == (
        b.recognised,
        b.measures,
        b.suspended_measures,
    )


def _every(_: Listing) -> bool:
    return True


def subject_changes(
    listings: Sequence[Listing],
    comparison: Comparison,
    subscriptions: Sequence[Subscription],
    listed: Callable[[Listing], bool] = _every,
    flags: bool = True,
    received: Received | None = None,
) -> list[Delivery]:
    """Deliveries to the comparison's region only, for the subject's active listings whose
    recognition or measures differ (of those ``listed`` says to report) and, with ``flags``,
    for its intensified flag when it flips. A listing recognised no longer, or with a measure
    fewer, is told so also to the region's subscriptions that hold it though their filters
    leave it out now (``received``): they hold it as recognised, with its measures, as fan-out
    owes a listing's end to every subscription it went to (reviews 271, 390); so is the flag.

    ``listings`` are all the subject's listings (red measures yield to a black listing in
    force, and the flag counts the subject's domains), even when only some are reported.
    """
    c = comparison
    ours = [s for s in subscriptions if s.region == c.region]
    deliveries: list[Delivery] = []
    for listing in listings:
        if listing.status is not ListingStatus.ACTIVE or not listed(listing):
            continue
        old = yielded(recognise(listing, c.region, c.before_for(listing), c.on), listing, listings)
        new = yielded(recognise(listing, c.region, c.after, c.on), listing, listings)
        if same_recognition(old, new):
            continue
        change = restated(listing, c.cause, c.at)
        told = [sub for sub in ours if sub.filters.matches(listing)]
        if _ends_measures(old, new):
            # an end, masked when unrecognised (review 273: not a listing in full its filters
            # leave out)
            left_out = [sub for sub in ours if sub not in told]
            told += holders(received, listing.listing_id, left_out)
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
            for sub in told
            if not (sub.recognised_only and not old.recognised and not new.recognised)
        ]
    if not flags:
        return deliveries
    # each listing as it was last told (``before_for``), as its own recognition is compared
    was = [
        x
        for x in listings
        if countable(x) and recognise(x, c.region, c.before_for(x), c.on).recognised
    ]
    now = counted(listings, c.region, c.after, c.on)
    raised = is_intensified(frozenset(x.domain for x in now))
    if is_intensified(frozenset(x.domain for x in was)) != raised:
        # Name the flip after the first listing counted where the flag is raised.
        change = restated((now if raised else was)[0], f"{c.cause}#intensified", c.at)
        flip = Flip(change, was, now, listings)
        recognitions = remembered(c.after)
        deliveries += intensified_events(flip, c.region, ours, recognitions, c.on, received)
    return deliveries


def _ends_measures(old: Recognition, new: Recognition) -> bool:
    """Whether the listing's recognition ends, or a measure applied under it does or changes
    (review 399: one kept but no longer aimed at the responsible persons went on being applied
    to them, their ID numbers with it)."""
    return old.recognised and (
        not new.recognised or any(m not in new.measures for m in old.measures)
    )


def recognition_changes(
    subjects: Iterable[Sequence[Listing]],
    region: str,
    before: Sequence[Agreement],
    after: Sequence[Agreement],
    subscriptions: Sequence[Subscription],
    cause: str,
    now: datetime,
    received: Received | None = None,
) -> list[Delivery]:
    """``subject_changes`` over every subject at once, on ``now``'s day in Beijing: the
    whole-table form that a paged job (``gateway.delivery.reevaluation_job``) must equal.

    ``subjects`` yields all listings of one subject at a time.
    """
    comparison = Comparison(region, before, after, china_date(now), cause, now)
    return [
        d
        for listings in subjects
        for d in subject_changes(listings, comparison, subscriptions, received=received)
    ]
