"""The operator's corrections of a listing: given to the region that made its decision
(``gateway.lifecycle.reassignment``); its day performed corrected
(``gateway.lifecycle.performance_correction``)."""

from __future__ import annotations

from chalice.app import Request, Response

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.lifecycle_api import ListingChange, listing_reply, today
from chalicelib.query_api import addressed_code
from chalicelib.route_spec import Access, Operation, Reply, Tag
from gateway.lifecycle import (
    CommitmentSettled,
    FutureVersion,
    HeldAlready,
    HistoryFull,
    ListingChanged,
    NationNotGiven,
    NotInForce,
    ObjectionOpen,
    PerformanceCorrection,
    PeriodEnded,
    PurgeUnderWay,
    Reassignment,
)
from gateway.national import DomainNotPermitted
from gateway.validation import parse_request
from gateway_client.contract import errors


def reassign(request: Request, credit_code: str, listing_id: str) -> Response:
    caller.require_operator(request)
    wanted = parse_request(Reassignment, caller.body(request), today())
    code = addressed_code(request, credit_code, listing_id, container().clock.now())
    listing, changed = container().lifecycle.reassign(code, listing_id, wanted)
    return listing_reply(request, listing, changed)


def correct_performance(request: Request, credit_code: str, listing_id: str) -> Response:
    caller.require_operator(request)
    wanted = parse_request(PerformanceCorrection, caller.body(request), today())
    code = addressed_code(request, credit_code, listing_id, container().clock.now())
    listing, changed = container().lifecycle.correct_performance(code, listing_id, wanted)
    return listing_reply(request, listing, changed)


ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/subjects/{credit_code}/listings/{listing_id}/reassignment",
        "reassign_listing",
        Tag.LIFE,
        "Give a listing to the region that made its decision, its entry in force",
        Access.OPERATOR,
        {
            200: Reply(
                ListingChange,
                "The listing, now the named region's, with `changed: true`; the same "
                "reassignment again: unchanged, with `changed: false`.",
            )
        },
        (
            errors.BadRequest,
            FutureVersion,
            errors.FutureDate,
            PeriodEnded,
            errors.NotFound,
            errors.UnknownRegion,
            DomainNotPermitted,
            NationNotGiven,
            ObjectionOpen,
            HeldAlready,
            PurgeUnderWay,
            CommitmentSettled,
            HistoryFull,
            ListingChanged,
        ),
        body=Reassignment,
        description="The remedy for a decision pushed first by a region with no right to it "
        "(a listing's id derives from the decision, not from who pushed it, so the deciding "
        "region's pushes are 403 `not_listing_owner`): in force or ended (revoked, expired, "
        "repaired, performed…), the listing becomes `corrected_entry.origin_region`'s — "
        "registered (403 `unknown_region`), and for a national source within its domains (403 "
        "`domain_not_permitted`) — holding `corrected_entry` `active`: the same listing (400 at "
        "the identity field that differs), checked as a push is (400 `future_version`, "
        "`future_date`, `period_ended` at its field: an expired listing is reassigned with a "
        "period still running). The content keeps the entry's own stamp where it is later than "
        "the listing's version, else the gateway stamps it just after that version: nothing "
        "made before the reassignment acts on it afterwards, nothing the previous owner stamped "
        "refuses it, and the new owner stamps its later messages after it. A `reassigned` step "
        "in the history carries `note` (not blank). Subscribers receive it as any step "
        "(`reinstated` where it had ended, `updated` where it was in force), and so does every "
        "subscription whose filters admitted the listing before the move or that was delivered "
        "it (a replay: where its filters admitted it before the move); from then on the "
        "previous owner's pushes are `not_listing_owner` (unless it relays for the new owner). "
        "An open objection is decided first (409 "
        "`objection_open`: the operator may decide it, and its `corrected` decision may give "
        "the listing away itself); a listing retention is erasing is 409 `listing_purged` (one "
        "whose purge starts meanwhile is purged all the same); changing a settled commitment's "
        "outcome is 409 `commitment_settled`. The same reassignment again (the same region and "
        "content, in force) is a replay; to the region holding it already with other content, "
        "or ended since, 409 `listing_held_already` (that region pushes its changes). A broken "
        "commitment's black listing (made by the tick under its owner's policy) is a listing of "
        "its own: reassign it too, or end it. A listing whose history holds 96 KiB of steps "
        "is 409 `history_full` (its history is sent whole with every change).",
        handler=reassign,
    ),
    Operation(
        "POST",
        "/v1/subjects/{credit_code}/listings/{listing_id}/performance",
        "correct_performance",
        Tag.LIFE,
        "Correct the day a performed listing's obligation was performed (`performed_on`)",
        Access.OPERATOR,
        {
            200: Reply(
                ListingChange,
                "The listing with the day corrected, `changed: true`; the day it holds "
                "already: unchanged, with `changed: false`.",
            )
        },
        (
            errors.BadRequest,
            errors.DatesOutOfOrder,
            errors.NotFound,
            NotInForce,
            PeriodEnded,
            PurgeUnderWay,
            HistoryFull,
            ListingChanged,
        ),
        body=PerformanceCorrection,
        description="No removal moves the day a listing holds (409 `listing_not_in_force` at "
        "`performed_on` for one naming another: an owner could make a late removal look on "
        "time), so the owner asks the operator, who corrects it here: on a `performed` listing "
        "only (409 `listing_not_in_force` otherwise), not after today (400 `invalid_schema`, "
        "`future_date` at `performed_on`), "
        "nor before `decided_on` or after the day the listing was removed (400 "
        "`dates_out_of_order` at `performed_on`). The step is a `removed` one by the "
        "operator, its reason naming both days, `note` (not blank) kept as its note and "
        "withheld where the listing is shown masked; subscribers receive it as `updated`. The "
        "monthly figures judge the removal again against the corrected day, in the month it "
        "was removed. A listing retention is erasing is 409 `listing_purged`; one involving an "
        "individual whose retention is over, though its purge has not come yet, 400 "
        "`period_ended` at `listing_id` (its data is sent to no one again). A correction "
        "that would take the listing's history past 96 KiB is 409 `history_full`.",
        handler=correct_performance,
    ),
)
