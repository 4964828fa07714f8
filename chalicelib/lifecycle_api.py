"""Lifecycle routes: objections, decisions, credit repair (overdue lists: ``overdue_api``; the
tick run on request: ``tick_api``)."""

from __future__ import annotations

from datetime import date

from chalice.app import Request, Response
from pydantic import Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.http_errors import json_response
from chalicelib.query_api import addressed_code
from chalicelib.route_spec import Access, Operation, Reply, Tag
from gateway.lifecycle import (
    CommitmentSettled,
    DecidedRecently,
    FutureVersion,
    HeldAlready,
    HistoryFull,
    ListingChanged,
    NationNotGiven,
    NotARecipient,
    NotInForce,
    NotRepairable,
    ObjectionDecided,
    ObjectionDecision,
    ObjectionFiling,
    ObjectionIdReused,
    ObjectionOpen,
    ObjectionVerified,
    PeriodEnded,
    PeriodLengthened,
    PeriodRestarted,
    PurgeUnderWay,
    RepairRequest,
    RepairTooEarly,
    StaleAction,
    VerificationReport,
)
from gateway.national import DomainNotPermitted
from gateway.ownership import NotListingOwner
from gateway.recognition import Disclosure, disclosure, is_natural_person, shown
from gateway.validation import parse_request
from gateway_client.contract import (
    Frozen,
    FutureDate,
    Listing,
    NotFound,
    china_date,
    errors,
)


def _code(request: Request, credit_code: str, listing_id: str) -> str:
    """The code in the path; a region's try at a person's listing it does not own counts as a
    lookup of one person (``query_api.addressed_code``)."""
    return addressed_code(request, credit_code, listing_id, container().clock.now())


def today() -> date:
    return china_date(container().clock.now())


def listing_reply(
    request: Request, listing: Listing, changed: bool, created: int = 200
) -> Response:
    """The listing as the caller may see it (``disclosure``): its owner and the operator in
    full; a region it was delivered to masked, without its ``id_salt``, unless it recognises
    the listing — a filer is answered with no more than its delivery carried; one that may not
    see it now (it ended: its owner's and the operator's to read), as the public sees one, with
    no history or objection (review 184: a filing sent again showed who ended it, and why)."""
    viewer = caller.viewer(request)
    how = Disclosure.FULL
    if not viewer.owns(listing.origin_region):
        agreements = container().agreements.all()
        how = disclosure(listing, viewer, agreements, today()) or Disclosure.PUBLIC
    return json_response(
        created if changed else 200,
        {"changed": changed, "listing": shown(listing, how).model_dump(mode="json")},
    )


def file_objection(request: Request, credit_code: str, listing_id: str) -> Response:
    """By the listing's owner, a region its subscription delivered it to (signed), or the
    operator on the subject's request."""
    region = caller.operator_or_region(request)
    filing = parse_request(ObjectionFiling, caller.body(request))
    code = _code(request, credit_code, listing_id)
    if not container().lifecycle.filed_before(code, listing_id, filing, region):
        _shown_in_full(request, code, listing_id)
    listing, changed = container().lifecycle.file_objection(code, listing_id, filing, region)
    return listing_reply(request, listing, changed, 201)


def _shown_in_full(request: Request, code: str, listing_id: str) -> None:
    """A person's listing is objected to only by a region that sees the person in full (its
    owner, a region recognising it) or the operator: one delivered it masked could otherwise
    complete the number by filing with candidates (accepted for the right one, 404 for the
    rest), and has no need of it — the subject objects through the owner or the operator.
    Refused exactly as a wrong code is."""
    if not is_natural_person(code):
        return
    viewer = caller.viewer(request)
    held = container().lifecycle.listing(code, listing_id)
    if viewer.operator or viewer.owns(held.origin_region):
        return
    how = disclosure(held, viewer, container().agreements.all(), today())
    if how is not Disclosure.FULL:
        raise NotFound(f"no listing {listing_id} for this credit code", path="listing_id")


def report_verified(
    request: Request, credit_code: str, listing_id: str, objection_id: str
) -> Response:
    region = caller.operator_or_region(request)  # the owner's step; the operator as remedy
    report = parse_request(VerificationReport, caller.body(request), today())
    listing, changed = container().lifecycle.report_verified(
        _code(request, credit_code, listing_id), listing_id, objection_id, report, region
    )
    return listing_reply(request, listing, changed)


def decide_objection(
    request: Request, credit_code: str, listing_id: str, objection_id: str
) -> Response:
    region = caller.operator_or_region(request)  # the operator: any listing (a remedy)
    decision = parse_request(ObjectionDecision, caller.body(request), today())
    listing, changed = container().lifecycle.decide_objection(
        _code(request, credit_code, listing_id), listing_id, objection_id, decision, region
    )
    return listing_reply(request, listing, changed)


def repair(request: Request, credit_code: str, listing_id: str) -> Response:
    region = caller.operator_or_region(request)
    wanted = parse_request(RepairRequest, caller.body(request))
    listing, changed = container().lifecycle.repair(
        _code(request, credit_code, listing_id), listing_id, wanted, region
    )
    return listing_reply(request, listing, changed)


class ListingChange(Frozen):
    changed: bool = Field(description="false: a replay of what is already in force")
    listing: Listing


_LISTING = "/v1/subjects/{credit_code}/listings/{listing_id}"
_STEPPED = "The listing after the step."
_REPLAYED = "Already done (a replay): the listing, unchanged, with `changed: false`."
# a national source acting on its listing in a domain since taken from it: 403 too
# every listing route here: a region's try at a person's listing it does not own counts as a
# lookup of one person, and is refused 429 over the limit (``_code``, review 236)
_REFUSED = (
    errors.BadRequest,
    errors.NotFound,
    NotListingOwner,
    DomainNotPermitted,
    errors.RateLimited,
)

ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        _LISTING + "/objections",
        "file_objection",
        Tag.LIFE,
        "File an objection (异议) against a listing",
        Access.OPERATOR_OR_PLATFORM,
        {201: Reply(ListingChange, "Filed."), 200: Reply(ListingChange, _REPLAYED)},
        (
            *_REFUSED,
            NotARecipient,
            ObjectionOpen,
            ObjectionIdReused,
            DecidedRecently,
            NotInForce,
            HistoryFull,
            ListingChanged,
        ),
        body=ObjectionFiling,
        description="By the listing's owner region (or a region relaying for it); by a region "
        "one of whose subscriptions was delivered the listing, for the subject or from its own "
        "verification (`on_behalf`; 403 `listing_not_received` for any other region); or by "
        "the operator on the subject's request. The owner's policy (its region's, for the "
        "listing's domain) decides the deadline and whether measures are suspended meanwhile. "
        "Filed by anyone but the owner, the objection is sent to the owner's subscriptions as "
        "an `objection.filed` event and shows `awaiting_notice` until one acknowledges it; a "
        "deadline counted from the notice (收到核查通知之日) starts that day. The same filing "
        "again, by whoever filed it, is a replay (200); its id with other content, or from "
        "anyone else whatever it says, is 409 `objection_id_reused`. A region whose own "
        "objection was decided may object again 30 days later (409 "
        "`objection_decided_recently`, however many other objections were decided since). "
        "A listing whose history holds 64 KiB of steps takes no new objection (409 "
        "`history_full`; the operator's filing has 32 KiB more): the history is sent whole "
        "with every change.",
        handler=file_objection,
    ),
    Operation(
        "POST",
        _LISTING + "/objections/{objection_id}/verified",
        "report_objection_verified",
        Tag.LIFE,
        "Report that the objected record has been checked (核实), before deciding",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(ListingChange, f"{_STEPPED} {_REPLAYED}")},
        (*_REFUSED, FutureVersion, NotInForce, ObjectionVerified, StaleAction, ListingChanged),
        body=VerificationReport,
        description="The owner's `verified` step (seed 002 新郑 §六(三)): the `replied` step's "
        "deadline counts from it. Reporting also counts as receiving the notice. The note is "
        "kept as the objection's `verification_note`, withheld where the listing is shown "
        "masked, as its reason is. The same report again is a replay; a later one with "
        "another note is 409 `objection_verified`.",
        handler=report_verified,
    ),
    Operation(
        "POST",
        _LISTING + "/objections/{objection_id}/decision",
        "decide_objection",
        Tag.LIFE,
        "Decide an open objection: upheld, corrected or revoked",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(ListingChange, f"{_STEPPED} {_REPLAYED}")},
        (
            *_REFUSED,
            FutureVersion,
            FutureDate,  # a corrected entry's
            PeriodEnded,
            NotInForce,
            ObjectionDecided,
            PeriodRestarted,
            PeriodLengthened,
            StaleAction,
            CommitmentSettled,
            ListingChanged,
            errors.UnknownRegion,
            HeldAlready,  # the operator's correction giving a person's listing away
            NationNotGiven,
            PurgeUnderWay,
        ),
        body=ObjectionDecision,
        description="A decision stamped (`source_updated_at`) before content the owner has "
        "pushed since is refused with 409 `stale_version`: it would act on, or put back, older "
        "content (a step of the gateway's since, such as the filing, does not count). "
        "The same decision again is a replay; a later one saying something else (outcome, note "
        "or corrected content) is 409 `objection_decided`. A platform's correction keeps the "
        "listing's `origin_region` (400 at `corrected_entry.origin_region`); the operator's may "
        "give the listing to the registered region that made the decision (a listing pushed first "
        "by a region with no right to it; 403 `unknown_region` for one not registered, "
        "`domain_not_permitted` for a national source outside its domains), which "
        "then owns it. A correction keeps its commitment's recorded "
        "outcome (409 `commitment_settled`). A "
        "listing that has ended keeps its status: its objection closes with the outcome "
        "recorded, and a correction is 409 `listing_not_in_force` (`corrected_entry`).",
        handler=decide_objection,
    ),
    Operation(
        "POST",
        _LISTING + "/repair",
        "repair",
        Tag.LIFE,
        "Credit repair (信用修复) of a bad credit record: a black listing or a poor grade",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(ListingChange, f"{_STEPPED} {_REPLAYED}")},
        (
            *_REFUSED,
            FutureVersion,
            NotRepairable,
            NotInForce,
            RepairTooEarly,
            StaleAction,
            ListingChanged,
        ),
        body=RepairRequest,
        description="Refused with 409 `repair_too_early` (and `earliest`) before the minimum "
        "publicity period, and with 409 `stale_version` when stamped before content the owner "
        "has pushed since.",
        handler=repair,
    ),
)
