"""Whether a restatement (``recognition.changed``) still says what its region recognises today,
asked just before it is sent: of a dead one a re-drive would queue (``FromTheLog.stands``), and
at each attempt of a queued one (``RecognitionToday``). Two re-evaluations of one region racing
may queue an older job's page, worked out on agreements superseded meanwhile, after the newer
job's (review 295): sent, it would have the last word with a standing no longer in force, and
nothing would correct it. Not sent, the newer job's restatement (or none, where nothing
changed) is the subscriber's last word."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from gateway.delivery.planning import Delivery
from gateway.delivery.reevaluation import same_recognition
from gateway.ports import ListingStore
from gateway.recognition import Agreement, remembered, rewards, yielded
from gateway_client.contract import Change, Recognition


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


def restatement_stands(
    delivery: Delivery, agreements: Sequence[Agreement], listings: ListingStore, today: date
) -> bool:
    """Whether the restatement's recognition is the region's today."""
    region = delivery.recognition.subscriber_region
    now = recognition_on(delivery.change, region, agreements, listings, today)
    return same_recognition(now, delivery.recognition)
