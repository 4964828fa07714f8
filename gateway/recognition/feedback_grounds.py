"""Whether a measure reported executed had a ground on its day: the listing in force, and a
ground of the delivery's recognition (its own subtree, a national source, an agreement in
effect) that gave the measure then. Apart from ``feedback`` so the report's checks read as a
list and these day-by-day judgements stand by themselves."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from gateway.recognition.agreement import Agreement
from gateway.recognition.matching import NATIONAL_SOURCE, OWN_SUBTREE, recognise
from gateway.recognition.measures import default_measures
from gateway_client.contract import (
    CHINA,
    IN_FORCE,
    Listing,
    ListingStatus,
    NotRecognised,
    Recognition,
    china_date,
    effective_valid_until,
)


def out_of_force(day: date, delivered: Listing | None, held: Listing | None) -> str | None:
    """Why neither the listing's period nor its status had it in force at any moment of
    ``day`` (Beijing), or None. The period is the widest the two versions give (an update may
    have moved it since), ending on its end day (``effective_valid_until``); the status, the
    held one's history: every listing starts in force, and each step records the status it
    left (a repair at noon leaves that day in force)."""
    versions = [x for x in (delivered, held) if x is not None]
    if not versions:
        return None
    took_effect = min(x.valid_from for x in versions)
    if day < took_effect:
        return f"it took effect on {took_effect}"
    # ended from the first moment of its end day, as the tick and lookups judge it (review
    # 126: the end day counted), and at its default end where it gave none
    ends = [effective_valid_until(x) for x in versions]
    if None not in ends and day >= (until := max(x for x in ends if x is not None)):
        return f"its period ended on {until}"
    start = datetime.combine(day, time(), CHINA)
    end = start + timedelta(days=1)
    steps = versions[-1].history
    bounds = [None, *(step.at for step in steps)]
    statuses = [ListingStatus.ACTIVE, *(step.status for step in steps)]
    for since, left, status in zip(bounds, [*bounds[1:], None], statuses, strict=True):
        began, lasted = since is None or since < end, left is None or left > start
        if status in IN_FORCE and began and lasted:
            return None
    last = next(s for s in reversed(steps) if s.at < end)  # a step took it out before the day
    return f"it was {last.status.value} ({last.event} {china_date(last.at)})"


def no_ground_that_day(
    recognition: Recognition | None,
    agreements: Mapping[str, Agreement] | None,
    day: date,
    measure_id: str,
    listing: Listing | None,
    delivered_at: datetime | None = None,
) -> str | None:
    """Why none of the grounds the delivery's recognition named gave ``measure_id`` on ``day``,
    if none did: the region's own subtree and a national source's list give their default
    measures always, an agreement its own measures while in effect — its end day included, as
    an end during the day leaves the morning in effect (review 167) — as stored now: a start
    revised after ``delivered_at`` is not judged (a renewal from a later day), an end always is
    (review 169); one no longer stored, or a delivery's listing no longer known, is not
    judged."""
    if recognition is None or agreements is None or not recognition.basis:
        return None
    why = []
    for ground in recognition.basis:
        agreement = agreements.get(ground)
        if ground in (OWN_SUBTREE, NATIONAL_SOURCE):
            if listing is None or any(
                m.measure_id == measure_id for m in default_measures(listing)
            ):
                return None
            continue
        if agreement is None:
            return None
        out = agreement.exclusion_on(day)
        if out is NotRecognised.NO_LONGER_EFFECTIVE and day == agreement.effective_until:
            out = None
        # a start moved since the delivery (a renewal from a later day) leaves the days from
        # the delivery on unjudged; an end is judged, and so is a day before the delivery: a
        # revision of the title let a case from before the agreement began count (review 187)
        # (from the delivery until the revision that moved it: after it, the new terms govern,
        # and a day in a renewal's gap had no ground: review 189; a later revision of other
        # terms does not widen that: review 190 F5)
        moved = agreement.start_revised_at
        revised = (
            delivered_at is not None
            and moved > delivered_at
            and china_date(delivered_at) <= day <= china_date(moved)
        )
        if out is NotRecognised.NOT_YET_EFFECTIVE and revised:
            out = None
        narrowed = uncovered(agreement, listing, day, measure_id) if out is None else None
        if out is None and narrowed is None and agreement.gave(measure_id, day, delivered_at):
            return None
        why.append(f"{ground} {out or narrowed or f'gives no {measure_id}'}")
    if not why:
        return f"the delivery's grounds give no {measure_id}"
    if listing is not None and given_that_day(
        listing, recognition, agreements, day, measure_id, delivered_at
    ):
        return None
    return "no agreement the delivery recognised it by gave it that day: " + "; ".join(why)


_DATES = frozenset({NotRecognised.NOT_YET_EFFECTIVE, NotRecognised.NO_LONGER_EFFECTIVE})


def uncovered(
    agreement: Agreement, listing: Listing | None, day: date, measure_id: str
) -> str | None:
    """Why the agreement's terms as stored now leave the delivered listing out, judged for a
    day after the revision that set what they cover (its source, kind, domain, severity or
    grade no longer covered: review 271; the measure, written out, no longer applying to it:
    review 310), or None. A day up to that revision is not judged: the terms before it are not
    kept, and they recognised the listing when it was delivered; a later revision of other
    terms does not move that day (review 400: a title changed after a narrowing grounded the
    days between)."""
    if listing is None or day <= china_date(agreement.coverage_revised_at):
        return None
    if not agreement.covers_source(listing):
        return f"no longer covers {listing.origin_region}'s lists"
    why = agreement.exclusion(listing, day)
    if why is not None and why not in _DATES:
        return f"no longer covers it ({why.value})"
    written = next((m for m in agreement.measures if m.measure_id == measure_id), None)
    if written is not None and not written.applies_to(listing):
        return f"its {measure_id} no longer applies to it"
    return None


def given_that_day(
    listing: Listing,
    recognition: Recognition,
    agreements: Mapping[str, Agreement],
    day: date,
    measure_id: str,
    delivered_at: datetime | None,
) -> bool:
    """Whether the region's agreements as stored now gave ``measure_id`` on ``day``: a renewal
    (another agreement signed, the delivery's ended) grounds it though the delivery named the
    one before (review 187) — each judged by what it gave that day, its gaps too (review 222:
    a measure given again now grounded a day it was not given)."""
    now = recognise(listing, recognition.subscriber_region, agreements.values(), day)
    if not now.recognised:
        return False
    for ground in now.basis:
        agreement = agreements.get(ground)
        if agreement is None:  # its own subtree, a national source: their measures always
            if any(m.measure_id == measure_id for m in default_measures(listing)):
                return True
        elif agreement.gave(measure_id, day, delivered_at) and (
            day <= china_date(agreement.coverage_revised_at)  # the terms before: not kept
            or any(m.measure_id == measure_id for m in now.measures)  # applies to it: 310
        ):
            return True
    return False


def no_ground(recognition: Recognition | None, measure_id: str) -> str | None:
    """Why the delivery gave no ground to execute the measure, if it gave none."""
    if recognition is None:
        return None
    if not recognition.recognised:
        return f"did not recognise the listing ({', '.join(recognition.reasons)})"
    if any(m.measure_id == measure_id for m in recognition.suspended_measures):
        return f"held {measure_id} back ({recognition.suspended_because})"
    if all(m.measure_id != measure_id for m in recognition.measures):
        return f"did not ask for {measure_id}"
    return None
