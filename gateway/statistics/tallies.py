"""What each event adds to the monthly statistics' counters (``gateway.statistics.rollup``).

The monthly report used to be recomputed from every listing, batch, delivery and feedback
report; at national scale that is a scan of millions of items per request. Instead each figure
is kept as counters, per origin region and bucket, added to where the event happens:

- a bucket is a Beijing month (``YYYY-MM``: what happened that month) or ``now`` (what holds
  at present: lists in force, open objections and commitments by their deadlines);
- a listing's counters are a pure function of the listing (``listing_tally``), so a stream
  record's change is ``listing_tally(new) - listing_tally(old)`` (``difference``): the same
  counts whatever order or batching the changes come in, and a purged listing takes its
  counts with it, as it left the scanned report;
- figures "as of" a day (overdue objections and commitments) are counted by their deadline
  day in ``now`` and compared with the day when the report is read.

Where the counted report may differ from the scanned one (``monthly_stats``), by design:

- cases and answered deliveries stay counted after retention purges the listing (its feedback
  reports are erased with it; the counts hold nothing personal), where the scan lost them;
- a case's side (incentive / punishment) and sector are the listing's as its delivery carried
  it, not as it is held when the report is read (a re-graded evaluation keeps its old side);
- the catalogue's performed-removal limits are applied when the removal is counted (the
  severity policy is still applied when the report is read); after a change, rebuild;
- a delivery or a feedback report is counted after it is stored: should that one write fail,
  it is logged and the count lost (a retry could count it twice). Push batches (the ledger's
  own transaction) and stream changes (a marker per record) are counted exactly once.

Counters are plain ``(region, bucket, attribute) → int`` (a region may carry a ``#`` shard
suffix: the reader sums a region's shards); attribute names are ``#``-joined parts that
``rollup`` reads back.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime

from gateway.delivery import DeliveryRecord, DeliveryState
from gateway.intake import PushResult, Upload, UploadStatus
from gateway.lifecycle import WorkdayCalendar, late_after
from gateway.recognition import Feedback
from gateway.statistics.cases import side_of
from gateway_client.contract import (
    IN_FORCE,
    Listing,
    ListingStatus,
    ListKind,
    Transition,
    china_date,
    load_catalogue,
    outcome_counted,
    stopped_applying,
)

NOW = "now"
Key = tuple[str, str, str]  # (region, bucket, attribute)
Tally = Counter[Key]
_Add = Callable[[str, str], None]  # (bucket, attribute): one more

PUSHES = "push"  # push#batches, push#accepted, …
HISTORY_EVENTS = {
    "objection_filed": "objection#opened",
    "objection_decided": "objection#decided",
    "repaired": "repairs",
    "expired": "expiries",
}
PUBLICATION = "publication"  # publication#{working days}: one per listing first accepted
PERFORMED, PERFORMED_LATE = "performed#removed", "performed#late"
MADE = "commitment#made"  # commitment#{outcome} for settled ones, by outcome_on
IN_FORCE_BLACK = "black"  # now: black#{domain}#{severity}
IN_FORCE_RED = "red"  # now: red#{domain}
OPEN_OBJECTION = "open_objection"  # now: open_objection#{month filed}#{deadline}
OPEN_COMMITMENT = "open_commitment"  # now: open_commitment#{deadline}
DELIVERED = "delivered"  # delivered#{subscription id}, in the delivery's origin region
ANSWERED = "answered"  # answered#{subscription id}: delivered and answered that month
CASE = "case"  # case#{executing region}#{origin region}#{side}#{domain}
DELIVERED_SHARDS = 8


def month_of(moment: datetime | date) -> str:
    """The Beijing month of a moment (or a day) as ``YYYY-MM``."""
    day = china_date(moment) if isinstance(moment, datetime) else moment
    return f"{day.year:04d}-{day.month:02d}"


def publishes_a_decision(x: Listing) -> bool:
    """A black or red listing a platform pushed: a licence or penalty decision whose
    publication the 7 working days measure (双公示). Not a commitment or an evaluation result
    (no such decision), nor a listing the gateway makes itself (a broken commitment's, dated
    when the tick ran, not when the region published)."""
    if x.kind not in (ListKind.BLACK, ListKind.RED):
        return False
    domain = load_catalogue().domain(x.domain)
    return domain is None or not domain.gateway_listed


def listing_tally(x: Listing | None, workdays: WorkdayCalendar) -> Tally:
    """Everything the listing adds to its origin region's counters (nothing if ``None``)."""
    tally: Tally = Counter()
    if x is None:
        return tally
    region = x.origin_region

    def add(bucket: str, attribute: str) -> None:
        tally[(region, bucket, attribute)] += 1

    first = x.listed_at or x.accepted_at
    if publishes_a_decision(x):
        delay = workdays.workdays_between(x.decided_on, china_date(first))
        add(month_of(first), f"{PUBLICATION}#{delay}")
    for step in x.history:
        if (counted := counted_event(step)) in HISTORY_EVENTS:
            add(month_of(step.at), HISTORY_EVENTS[counted])
    _performed(x, workdays, add)
    in_force = x.status in IN_FORCE
    if x.commitment is not None:
        add(month_of(first), MADE)
        outcome, on = outcome_counted(x), x.commitment.outcome_on
        if outcome is not None and on is not None:
            add(month_of(on), f"commitment#{outcome.value}")
        if x.commitment.open and x.commitment.deadline is not None and in_force:
            add(NOW, f"{OPEN_COMMITMENT}#{x.commitment.deadline.isoformat()}")
    if in_force and x.kind is ListKind.BLACK and x.severity is not None:
        add(NOW, f"{IN_FORCE_BLACK}#{x.domain}#{x.severity.value}")
    if in_force and x.kind is ListKind.RED:
        add(NOW, f"{IN_FORCE_RED}#{x.domain}")
    objection = x.objection
    late = late_after(objection) if objection is not None and objection.open else None
    if objection is not None and late is not None:
        add(NOW, f"{OPEN_OBJECTION}#{month_of(objection.filed_at)}#{late.isoformat()}")
    return tally


def counted_event(step: Transition) -> str:
    """What a step counts as: its event, but for a removal that ends the listing as repaired
    or expired, which is a repair or an expiry as much as the routes' steps are (an owner's
    removal with that reason: review 125)."""
    if step.event == "removed" and step.status in _REMOVED_AS:
        return _REMOVED_AS[step.status]
    return step.event


_REMOVED_AS = {ListingStatus.REPAIRED: "repaired", ListingStatus.EXPIRED: "expired"}


def _performed(x: Listing, workdays: WorkdayCalendar, add: _Add) -> None:
    """A removal because the obligation was performed, judged against its domain's limit
    (``gateway.statistics.records``: the month of the step that ended the listing)."""
    at = stopped_applying(x)  # the removal's day: a later step on the ended listing moves nothing
    if x.status is not ListingStatus.PERFORMED or x.performed_on is None or at is None:
        return
    add(month_of(at), PERFORMED)
    domain = load_catalogue().domain(x.domain)
    allowed = domain.performed_removal_working_days if domain is not None else None
    if allowed is not None and at > workdays.add_workdays(x.performed_on, allowed)[0]:
        add(month_of(at), PERFORMED_LATE)


def difference(new: Tally, old: Tally) -> dict[Key, int]:
    """``new - old`` with negative counts kept and zeros left out: one change's delta."""
    delta = {key: count - old.get(key, 0) for key, count in new.items()}
    delta.update({key: -count for key, count in old.items() if key not in new})
    return {key: count for key, count in delta.items() if count}


def total(deltas: Iterable[Mapping[Key, int]]) -> dict[Key, int]:
    """Several deltas summed (one write per counter for a whole batch), zeros left out."""
    summed: Counter[Key] = Counter()
    for delta in deltas:
        summed.update(delta)
    return {key: count for key, count in summed.items() if count}


def push_tally(result: PushResult) -> Tally:
    """A finished push batch, in its region's month."""
    return _pushed(result.region, result.received_at, result)


def upload_tally(upload: Upload) -> Tally:
    """A bulk upload's lines, counted as one batch of pushes once it finished, in the month
    its manifest was signed (it never moves: a rebuild counts it there again): completed, or
    refused after it stored lines or removed listings (its key revoked meanwhile: reviews 208,
    225). A check pushes nothing, nor does an upload refused before changing anything (review
    202: uploads were counted only in the console's activity)."""
    stored = upload.status is UploadStatus.COMPLETED or (
        upload.status is UploadStatus.REFUSED and (upload.lines > 0 or upload.removed > 0)
    )
    if not stored or upload.manifest.mode == "check":
        return Counter()
    return _pushed(upload.manifest.region, upload.created_at, upload)


def _pushed(region: str, at: datetime, counts: PushResult | Upload) -> Tally:
    named = {
        "batches": 1,
        "accepted": counts.accepted,
        "duplicate": counts.duplicate,
        "removed": counts.removed,
        "rejected": counts.rejected,
    }
    bucket = month_of(at)
    return Counter({(region, bucket, f"{PUSHES}#{name}"): n for name, n in named.items() if n})


def delivered_key(delivery_id: str, origin_region: str, subscription_id: str, at: datetime) -> Key:
    """A delivery settled as delivered at ``at`` (counted once: the log never reopens it).

    Deliveries are the most frequent event: they are spread over ``DELIVERED_SHARDS`` items
    of their origin region (``{region}#d{n}``, summed when read), so that no one item takes
    every delivery of a region's month (DynamoDB writes one item at most ~1,000 times a
    second)."""
    shard = zlib.crc32(delivery_id.encode()) % DELIVERED_SHARDS
    return (f"{origin_region}#d{shard}", month_of(at), f"{DELIVERED}#{subscription_id}")


def feedback_tally(
    report: Feedback | None, delivery: DeliveryRecord | None, listing: Listing | None
) -> Tally:
    """A feedback report as kept (one per delivery): its delivery (as the log holds it)
    answered, in the month it was delivered (the feedback rate is that month's deliveries'
    share answered, whenever the answer came: one delivered on the 30th and answered on the
    3rd counts), and each measure executed as a case (联合奖惩案例), in the report's month.

    A case involves two regions, the executing one and the listing's origin: it is counted in
    both regions' items under the same attribute, and ``rollup`` counts each attribute once."""
    tally: Tally = Counter()
    if report is None:
        return tally
    bucket = month_of(report.submitted_at)
    if (
        delivery is not None
        and delivery.state is DeliveryState.DELIVERED
        and delivery.asks_feedback  # in the rate's deliveries: else a case only (review 276)
    ):
        delivered = month_of(datetime.fromisoformat(delivery.updated_at))
        tally[(delivery.origin_region, delivered, f"{ANSWERED}#{delivery.subscription_id}")] += 1
    executed = sum(1 for m in report.measures if m.result == "executed")
    if executed:
        side = side_of(listing) or ""
        domain = listing.domain if listing is not None else ""
        attribute = f"{CASE}#{report.subscriber_region}#{report.origin_region}#{side}#{domain}"
        for region in {report.subscriber_region, report.origin_region}:
            tally[(region, bucket, attribute)] += executed
    return tally
