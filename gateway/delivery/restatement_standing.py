"""Whether a restatement (``recognition.changed``) still says what its region recognises today,
asked just before it is sent: of a dead one a re-drive would queue (``FromTheLog.stands``), and
at each attempt of a queued one (``RecognitionToday``). Two re-evaluations of one region racing
may queue an older job's page, worked out on agreements superseded meanwhile, after the newer
job's (review 295): sent, it would have the last word with a standing no longer in force, and
nothing would correct it. Not sent, the newer job's restatement (or none, where nothing
changed) is the subscriber's last word. Nor is a restatement sent of a version no longer
stored — revoked, corrected, expired or purged since — whose own logged change told the
subscriber after it (review 300: a resume sends logged changes first and restatements after,
so the restated active version was the last word on a revoked listing). A ``subject.intensified``
flag is judged the same way, on the subject as stored (``flag_stands``). Both find the listing
by the subject's code, which a delivery to a region that does not see a person's number carries
masked: that code is the one the log holds (``SubjectCode``; review 301: looked up masked,
nothing was found, and every masked restatement was settled superseded, never sent)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from gateway.delivery.planning import Delivery
from gateway.delivery.reevaluation import same_recognition
from gateway.ports import ListingStore
from gateway.recognition import Agreement, is_intensified, remembered, rewards, yielded
from gateway_client.contract import Change, Listing, Recognition

SubjectCode = Callable[[Listing], str | None]
"""The subject's code of a listing as a delivery carries it: its own, or where it is masked, the
one its logged changes hold (None: none is logged, or every one was erased)."""


def recognition_on(
    change: Change, region: str, agreements: Sequence[Agreement], listings: ListingStore, on: date
) -> Recognition:
    """The recognition a delivery of ``change`` to ``region`` carries on ``on``, as fan-out
    works it out: a red listing's incentives held back under a black one in force — as
    stored, as fan-out judges what to tell (review 297: judged as the tick will have them,
    a restatement held back under a black listing ended at midnight was dropped, and fan-out,
    judging as stored, never told it again)."""
    listing = change.listing
    recognition = remembered(agreements).of(listing, region, on)
    if not rewards(listing):
        return recognition
    code = listing.credit_code
    return yielded(recognition, listing, listings.subjects([code]).get(code, []))


def restates(delivery: Delivery) -> bool:
    """A restatement being sent as it was queued (a replay is sent as it was first sent)."""
    return delivery.type == "recognition.changed" and not delivery.replay


def flags(delivery: Delivery) -> bool:
    """A subject's intensified-punishment flag being sent as it was queued."""
    return delivery.type == "subject.intensified" and not delivery.replay


def judged_when_sent(delivery: Delivery) -> bool:
    """What is judged again just before it is sent (``stands_today``)."""
    return restates(delivery) or flags(delivery)


def stands_today(
    delivery: Delivery,
    agreements: Sequence[Agreement],
    listings: ListingStore,
    today: date,
    code_of: SubjectCode,
) -> bool:
    """A queued restatement or flag that still says what holds today; anything else. A flag
    whose subject cannot be found (not logged yet) goes as planned."""
    if restates(delivery):
        return restatement_stands(delivery, agreements, listings, today, code_of)
    if flags(delivery) and delivery.intensified is not None:
        code = code_of(delivery.change.listing)
        return code is None or flag_stands(code, delivery, agreements, listings, today)
    return True


def restatement_stands(
    delivery: Delivery,
    agreements: Sequence[Agreement],
    listings: ListingStore,
    today: date,
    code_of: SubjectCode,
) -> bool:
    """Whether the restatement's recognition is the region's today, of the version it
    restates, still the one stored (judged on it as stored: the one carried may be masked)."""
    carried = delivery.change.listing
    code = code_of(carried)
    stored = None if code is None else listings.current([(code, carried.listing_id)])
    held = None if stored is None else stored.get(carried.listing_id)
    if held is None or _version(held) != _version(carried):
        return False
    region = delivery.recognition.subscriber_region
    change = delivery.change.model_copy(update={"listing": held})
    now = recognition_on(change, region, agreements, listings, today)
    return same_recognition(now, delivery.recognition)


def flag_stands(
    code: str,
    delivery: Delivery,
    agreements: Sequence[Agreement],
    listings: ListingStore,
    today: date,
) -> bool:
    """Whether the subject ``code``'s flag for the delivery's region is today what the
    delivery says (raised or lowered): one superseded by a later flip stays unsent, or the
    subscriber would hear the subject is under intensified punishment again, or no longer,
    when it is not (reviews 281, 300)."""
    flag = delivery.intensified
    if flag is None:
        return True
    held = listings.subjects([code]).get(code, [])
    region = delivery.recognition.subscriber_region
    counted = remembered(agreements).counted(held, region, today)
    return is_intensified(frozenset(x.domain for x in counted)) == flag.intensified


def _version(listing: Listing) -> tuple[object, ...]:
    """What a later change of the listing moves: its entry, status or history."""
    return (listing.version, listing.status, listing.accepted_at, len(listing.history))
