"""Feedback (执行反馈) and monthly statistics routes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TypeVar

from chalice.app import Request, Response
from pydantic import Field

from chalicelib import caller
from chalicelib.bootstrap import Container, container
from chalicelib.dynamodb.feedback import CasesMoved
from chalicelib.http_errors import json_response
from chalicelib.log_api import int_param
from chalicelib.query_api import addressed_code
from chalicelib.recipients import recipient_region
from chalicelib.route_spec import REGION_CODE, Access, Operation, Param, Reply, Tag, count_param
from chalicelib.statistics_counting import count_feedback
from chalicelib.statistics_rebuild import RunSuperseded, Step, rebuild_page
from gateway.delivery import DeliveryRecord, DeliveryState
from gateway.ownership import NotListingOwner
from gateway.recognition import (
    FEEDBACK_REFUSALS,
    Feedback,
    FeedbackReport,
    check_report,
    reported_cases,
)
from gateway.statistics import (
    NOW,
    FutureMonth,
    Month,
    MonthlyStats,
    UpwardShare,
    Usage,
    shipped_pilots,
    stats_from_counters,
    subscriptions_delivered,
    upward_from_counters,
)
from gateway.validation import parse_request
from gateway_client.contract import (
    Conflict,
    ForbiddenError,
    Frozen,
    Listing,
    NotFound,
    Recognition,
    RegionMismatch,
    SchemaError,
    check_existing_jurisdiction,
    china_date,
    errors,
    within,
)

T = TypeVar("T")


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
        check_report(report, listing, china_date(c.clock.now()), recognition, reported, held)
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
        raise NotFound(
            f"no line {report.delivery_id} in a delivered batch {report.batch_id}",
            path="delivery_id",
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
    reports = c.feedback.for_listing(listing_id)
    return json_response(200, {"feedback": [f.model_dump(mode="json") for f in reports]})


def stats(request: Request) -> Response:
    """Monthly statistics for a region's subtree: the operator, or that region's own platform."""
    region = _parsed("region", caller.query(request, "region"), check_existing_jurisdiction)
    today = china_date(container().clock.now())
    wanted = _parsed("month", caller.query(request, "month"), Month.parse).not_after(today, "month")
    signer = caller.operator_or_region(request)
    if signer is not None and not within(region, signer):
        raise RegionMismatch(f"{signer} may read statistics of its own subtree only", path="region")
    caller.registered_source(region, "region")  # asked once who asks is known: no registry oracle
    c = container()
    months = c.statistics.read(region, str(wanted))
    subscribers = {
        sid: s.region
        for sid in sorted(subscriptions_delivered(months.values()))
        if (s := c.subscriptions.get(sid)) is not None
    }
    report = stats_from_counters(
        region,
        wanted,
        months,
        c.statistics.read(region, NOW),
        subscribers,
        china_date(c.clock.now()),
        usage=Usage.model_validate(c.usage.read(region, str(wanted))),
        pilots=c.settings.pilot_targets or shipped_pilots(),
        upward=_upward(region, wanted, months),
    )
    return json_response(200, report.model_dump(mode="json"))


def _upward(
    region: str, month: Month, months: dict[str, dict[str, int]]
) -> tuple[UpwardShare, ...]:
    """Upward reporting's shares from the month's counters (``gateway.statistics.upward_counts``);
    only when the deployment configures rules (none by default). Whether a rule's target has a
    subscription is read from the subscriptions table, which is small and read whole by every
    fan-out anyway."""
    c = container()
    rules = c.settings.upward_reporting.rules
    if not rules:
        return ()
    subscribed = {s.region for s in c.subscriptions.all()}
    return upward_from_counters(rules, region, str(month), months, subscribed, c.clock.now())


def _parsed(name: str, value: str | None, parse: Callable[[str], T]) -> T:
    try:
        return parse(value or "")
    except ValueError as exc:
        raise SchemaError(f"{name}: {exc}", path=name) from exc


class FeedbackList(Frozen):
    feedback: tuple[Feedback, ...]


class StatsRebuilt(Frozen):
    step: Step = Field(
        description="what this call did: emptied counter items, or recounted a page of a table"
    )
    read: int = Field(description="counter items emptied, or the table's items counted")
    items: int = Field(description="counter items this call's counts were added to")
    next: str | None = Field(description="pass it as `after` for the run's next page; null: done")


_REBUILD_PAGE, _MAX_PAGE = 500, 1000  # a Scan page and its writes inside API Gateway's 29 s


def rebuild_stats(request: Request) -> Response:
    """The operator recounts the statistics' counters from the tables, a page a call
    (``chalicelib.statistics_rebuild``): a repair, never on a schedule."""
    caller.require_operator(request)
    after = caller.query(request, "after")
    given = caller.query(request, "since")
    since = _parsed("since", given, Month.parse) if given is not None else None
    if since is not None:
        since.not_after(china_date(container().clock.now()), "since")
    limit = int_param(request, "limit", _REBUILD_PAGE, 1, _MAX_PAGE)
    asked = caller.query(request, "limit") is not None or after is None
    page = rebuild_page(container(), since, after, limit if asked else None)
    return json_response(200, StatsRebuilt(**asdict(page)).model_dump(mode="json"))


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
        {200: Reply(FeedbackList, "Feedback reports for the listing.")},
        (errors.BadRequest, errors.NotFound, NotListingOwner),
        handler=listing_feedback,
    ),
    Operation(
        "GET",
        "/v1/stats",
        "stats",
        Tag.STATS,
        "Monthly statistics for a region's subtree",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(MonthlyStats, "Pushes, active lists, objections, feedback, timeliness.")},
        (errors.SchemaError, errors.RegionMismatch, FutureMonth),
        query=(
            Param("region", REGION_CODE, "The subtree's root.", required=True),
            Param(
                "month",
                {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                "YYYY-MM, in Beijing time; not after this month.",
                required=True,
            ),
        ),
        description="A platform may read its own subtree only. `upward` has one line per "
        "upward-reporting rule (CG_UPWARD_REPORTING, 向上报送) whose target's subtree meets the "
        "region's: listings first accepted this month that had to reach the target, and how "
        "many did on time, late, not at all (`missing`: past the deadline, or the target has no "
        "subscription) or may still (`pending`); `share` is on time over what is settled.",
        handler=stats,
    ),
    Operation(
        "POST",
        "/v1/stats/rebuild",
        "stats_rebuild",
        Tag.STATS,
        "Recount the statistics' counters from the tables, a page a call",
        Access.OPERATOR,
        {200: Reply(StatsRebuilt, "What this call did, and `next`.")},
        (errors.SchemaError, FutureMonth, RunSuperseded),
        query=(
            Param(
                "since",
                {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                "The first month (YYYY-MM) whose deliveries and feedback are recounted: "
                "required to start a run; with `after`, the run's own or nothing.",
            ),
            Param("after", {"type": "string"}, "The `next` of the run's previous call."),
            count_param("limit", _REBUILD_PAGE, _MAX_PAGE),
        ),
        description="Monthly statistics are counters kept by the listings stream and by the "
        "handlers that push, deliver and keep feedback. This repair recounts them (for data "
        "stored before they existed, after changing `CG_UPWARD_REPORTING` or the catalogue's "
        "removal limits, or after a lost count): it empties every counter item (keeping "
        "deliveries and feedback of the months before `since`), then scans the listings, the "
        "push ledger, and the deliveries and feedback from `since` on, one page a call. Call it "
        "with `since`, then with each `next` as `after` until `next` is null; repeating a call "
        "is harmless. Reports read during a run are partial, and changes counted while it "
        "runs may be counted twice: run it while pushes and deliveries are paused (or run it "
        "again). A run must end within a day. Runs never overlap: a run begun supersedes the "
        "one before, whose later calls are refused (409 `stats_rebuild_superseded`), so a "
        "first call sent twice, or a run left unfinished, costs only starting again.",
        handler=rebuild_stats,
    ),
)
