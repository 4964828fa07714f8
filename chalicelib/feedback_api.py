"""Feedback (执行反馈) routes: a subscriber reports the measures it executed for a delivery; the
listing's owner reads them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalice.app import Request, Response
from pydantic import Field

from chalicelib import caller
from chalicelib.bootstrap import Container, container
from chalicelib.caller import int_param
from chalicelib.dynamodb.feedback import CasesMoved
from chalicelib.http_errors import json_response
from chalicelib.query_api import addressed_code
from chalicelib.recipients import recipient_region
from chalicelib.route_spec import Access, Operation, Param, Reply, Tag, count_param
from chalicelib.statistics_counting import count_feedback
from gateway.delivery import INTENSIFIED, NOTICE, DeliveryRecord, DeliveryState
from gateway.ownership import NotListingOwner
from gateway.recognition import (
    FEEDBACK_REFUSALS,
    Feedback,
    FeedbackReport,
    NoticeDelivery,
    check_report,
    disclosure,
    reported_cases,
    rewards,
)
from gateway.validation import parse_request
from gateway_client.contract import (
    Conflict,
    ForbiddenError,
    Frozen,
    Listing,
    NotFound,
    Recognition,
    SchemaError,
    china_date,
    errors,
    values_masked,
)


class NotYourDelivery(ForbiddenError):
    """Feedback comes from the region the delivery went to."""

    code = "not_your_delivery"


_RACES = 5  # tries of one report while the region's other reports about the listing land


class ListingPurged(errors.Gone):
    """The delivery's listing was purged at the end of its retention: a report about it (its
    note is about the person) would be kept after the one erasure that covers it."""

    code = "listing_purged"


def post_feedback(request: Request) -> Response:
    """A subscriber reports the measures it executed for one delivery it received."""
    region = caller.signed_region(request)
    report = parse_request(FeedbackReport, caller.body(request))
    c = container()
    record, line = _delivered(c, report)
    if recipient_region(c, record.subscription_id, report.batch_id or report.delivery_id) != region:
        raise NotYourDelivery(
            f"delivery {report.delivery_id} did not go to {region}", path="delivery_id"
        )
    if record.state is not DeliveryState.DELIVERED:
        raise Conflict("feedback is for delivered deliveries", path="delivery_id")
    _not_purged(c, record.listing_id, report.delivery_id)
    # the listing and recognition the delivery carried, rebuilt from the log (its record keeps
    # the masked code only, which no longer finds a person's listing)
    listing, recognition = _as_delivered(c, report.delivery_id, line, region)
    earlier = [
        f for f in c.feedback.for_listing(record.listing_id) if f.subscriber_region == region
    ]
    same = _sent_before(report, earlier)
    if same is not None:  # a retry: nothing to replace, nor a month to move its counts to
        return json_response(200, same.model_dump(mode="json"))
    held = _held_now(c, listing, record)
    # an incentive yields to the subject's black listings (``feedback_yield``): read for those
    subject = c.listings.subject(held.credit_code) if held is not None and rewards(held) else []
    agreements = {a.agreement_id: a for a in c.agreements.all() if a.subscriber_region == region}
    # a refusal names only the black listings the region may see now (review 272)
    viewer, today = caller.viewer(request), china_date(c.clock.now())
    seen = {x.listing_id for x in subject if disclosure(x, viewer, [*agreements.values()], today)}
    delivered_at = datetime.fromisoformat(record.updated_at)  # a start revised since: unjudged
    feedback = Feedback(
        **report.model_dump(),
        subscription_id=record.subscription_id,
        subscriber_region=region,
        listing_id=record.listing_id,
        credit_code=record.credit_code,
        # credited to the listing's owner now, not at delivery: a listing reassigned since (or
        # a correction that gave it away) is the deciding region's, whose figure counts it
        origin_region=held.origin_region if held is not None else record.origin_region,
        submitted_at=c.clock.now(),
    )
    for _ in range(_RACES):  # another report of the region about the listing kept meanwhile
        cases = c.feedback.cases(feedback)
        reported = reported_cases(earlier, cases.claimed)
        check_report(
            report,
            listing,
            china_date(c.clock.now()),
            recognition,
            reported,
            held,
            agreements,
            delivered_at,
            subject,
            seen,
        )
        try:
            replaced = c.feedback.put(feedback, cases)
            break
        except CasesMoved:
            continue
    else:
        raise errors.Busy(
            "other reports of this region about the listing kept arriving: nothing was "
            "written; send the report again (a signed one under a new webhook-id)",
            retry_after=1,
        )
    try:
        _not_purged(c, record.listing_id, report.delivery_id)
    except ListingPurged:  # purged meanwhile: its erasure of feedback may be past
        c.feedback.take_back(feedback)
        raise
    count_feedback(c, feedback, replaced, record, listing)
    return json_response(201, feedback.model_dump(mode="json"))


def _sent_before(report: FeedbackReport, earlier: list[Feedback]) -> Feedback | None:
    """The region's report kept for the same delivery, if it says exactly what ``report``
    says."""
    return next(
        (
            f
            for f in earlier
            if all(
                getattr(f, name) == getattr(report, name) for name in FeedbackReport.model_fields
            )
        ),
        None,
    )


_Line = tuple[int, Recognition | None]  # a batch line's log sequence and kept recognition


def _delivered(c: Container, report: FeedbackReport) -> tuple[DeliveryRecord, _Line | None]:
    """The delivery's record; for a line of a batch, the line's, with its log sequence and the
    recognition it kept."""
    if report.batch_id is None:
        record = c.deliveries.get(report.delivery_id)
        if record is None:
            raise NotFound(f"no delivery {report.delivery_id}", path="delivery_id")
        return record, None
    found = c.deliveries.line(report.batch_id, report.delivery_id)
    if found is None:
        held = c.deliveries.is_batch(report.batch_id)  # else the batch is what is wrong
        raise NotFound(
            f"no line {report.delivery_id} in a delivered batch {report.batch_id}",
            path="delivery_id" if held else "batch_id",
        )
    record, log_sequence, recognition = found
    return record, (log_sequence, recognition)


def _as_delivered(
    c: Container, delivery_id: str, line: _Line | None, region: str
) -> tuple[Listing | None, Recognition | None]:
    """The listing and recognition a delivery carried: a single one rebuilt from its record;
    a batch line's listing from the log, with the recognition it kept (lines stored before
    they kept one: worked out again for the region, whatever its filters say now)."""
    if line is None:
        delivered = c.resending.rebuilt(delivery_id)
        if delivered is not None and delivered.type == NOTICE:  # never in a batch
            raise NoticeDelivery(
                f"delivery {delivery_id} was an objection notice, asking to verify the "
                "objection: measures are reported against a delivery of the listing"
            )
        if delivered is not None and delivered.type == INTENSIFIED:
            # a report on it answered nothing, and barred the listing's own (review 347)
            raise NoticeDelivery(
                f"delivery {delivery_id} was the intensified-punishment flag, carrying a change "
                "delivered as listing.changed: measures are reported against that delivery"
            )
        return (delivered.change.listing, delivered.recognition) if delivered else (None, None)
    log_sequence, kept = line
    change = c.resending.logged(log_sequence)
    if change is None:
        return None, kept
    return change.listing, kept or c.resending.recognition_for(change, region)


def _held_now(c: Container, delivered: Listing | None, record: DeliveryRecord) -> Listing | None:
    """The delivery's listing as held now (its owner and the steps taken since), if held."""
    if delivered is None:
        return None
    return c.listings.current([(delivered.credit_code, record.listing_id)]).get(record.listing_id)


def _not_purged(c: Container, listing_id: str, delivery_id: str) -> None:
    """410 ``listing_purged`` once a purge has begun erasing the listing (the exchange log's
    mark is its first step). Asked before the report is kept and again after, when a report
    the purge's erasure of feedback may have missed is taken back; should its query of the
    lagging index miss one written just before the mark, the tombstone's fan-out erases the
    listing's feedback again (``chalicelib.events.fan_out``)."""
    if c.exchange_log.erased(listing_id):
        raise ListingPurged(
            f"the listing delivery {delivery_id} was about has been purged at the end of its "
            "retention: no feedback about it is kept",
            path="delivery_id",
        )


def listing_feedback(request: Request, credit_code: str, listing_id: str) -> Response:
    """The owner region (or the operator) reads what subscribers did about its listing."""
    region = caller.operator_or_region(request)
    c = container()
    code = addressed_code(request, credit_code, listing_id, c.clock.now())
    c.lifecycle.owned_listing(code, listing_id, region)
    limit = int_param(request, "limit", _PAGE, 1, _PAGE)
    after = caller.query(request, "after")
    start = None if after is None else _opened(c, after, listing_id)
    reports, following = c.feedback.page(listing_id, start, limit)
    sealed = None if following is None else c.feedback_tokens.seal([listing_id, following])
    # a note kept before input refused ID numbers in text, shown masked (review 308)
    body = {"feedback": [values_masked(f.model_dump(mode="json")) for f in reports], "next": sealed}
    return json_response(200, body)


def _opened(c: Container, after: str, listing_id: str) -> dict[str, Any]:
    """The key a page starts after, from the ``next`` this listing's previous page gave."""
    try:
        opened = c.feedback_tokens.open(after)
    except ValueError:
        opened = None
    if not isinstance(opened, list) or len(opened) != 2 or opened[0] != listing_id:
        raise SchemaError("after is the next value of this listing's previous page", path="after")
    if not isinstance(opened[1], dict):
        raise SchemaError("after is the next value of this listing's previous page", path="after")
    return opened[1]


_PAGE = 10  # reports a page at most: one holds up to 384 KB, a reply at most 6 MB (review 292)


class FeedbackList(Frozen):
    feedback: tuple[Feedback, ...]
    next: str | None = Field(
        default=None, description="where the next page starts (`after`); none: the last page"
    )


ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/feedback",
        "post_feedback",
        Tag.SUBS,
        "Report the measures executed for a delivery (执行反馈)",
        Access.PLATFORM,
        {
            201: Reply(Feedback, "The report as kept."),
            200: Reply(Feedback, "The same report sent again: the one kept, unchanged."),
        },
        (
            errors.NotFound,
            NotYourDelivery,
            errors.Conflict,
            ListingPurged,
            errors.Busy,
            *FEEDBACK_REFUSALS,
        ),
        body=FeedbackReport,
        handler=post_feedback,
    ),
    Operation(
        "GET",
        "/v1/subjects/{credit_code}/listings/{listing_id}/feedback",
        "listing_feedback",
        Tag.SUBS,
        "What subscribers did about a listing",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(FeedbackList, "Feedback reports for the listing, a page at a time.")},
        (
            errors.BadRequest,
            errors.SchemaError,
            errors.NotFound,
            NotListingOwner,
            errors.RateLimited,
        ),
        query=(
            count_param("limit", _PAGE, _PAGE),
            Param("after", {"type": "string"}, "The `next` of the previous page."),
        ),
        description="At most `limit` reports a page (a report may hold up to 384 KB): follow "
        "`next` until it is null.",
        handler=listing_feedback,
    ),
)
