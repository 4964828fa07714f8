"""Overdue objections and commitments, a page at a time from the listings' overdue index, and
the one-off backfill of the due-date indexes (``gateway.lifecycle.due``).

The lists read the ``by_late`` index, never the whole table: a page is at most ``limit``
listings whose first overdue day has come, with ``next`` where the following page starts. A
page may hold fewer entries than ``limit`` (a listing may have several late steps, or none of
the caller's region): follow ``next`` until it is null.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from chalice.app import Request, Response
from pydantic import AwareDatetime, Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.caller import int_param
from chalicelib.console_masking import OVERDUE_TEXT, for_console
from chalicelib.http_errors import json_response
from chalicelib.route_spec import REGION_CODE, Access, Operation, Param, Reply, Tag, count_param
from gateway.lifecycle import INDEX_PAGE as PAGE
from gateway_client.contract import (
    CommitmentKind,
    Frozen,
    RegionMismatch,
    SchemaError,
    errors,
    within,
)

_MAX_PAGE = 1000
_BACKFILL_PAGE = 500  # a Scan page and its updates inside API Gateway's 29 s


def _page(request: Request, default: int = PAGE) -> tuple[str | None, int]:
    """``after`` (the adapter refuses one it did not make: 400, path ``after``) and ``limit``."""
    return caller.query(request, "after"), int_param(request, "limit", default, 1, _MAX_PAGE)


def _sealed_page(request: Request, of: list[str]) -> tuple[str | None, int]:
    """The overdue lists walk every region's listings and keep the caller's: the index's
    cursor names the last listing read, which may be another region's, so the caller only
    ever holds it sealed (``overdue_tokens``), and bound to the list it came from (``of``:
    the route and the region read; review 168: one opened the other list, or another
    region's)."""
    after, limit = _page(request)
    if after is None:
        return None, limit
    try:
        opened = container().overdue_tokens.open(after)
    except ValueError:
        opened = None
    if not isinstance(opened, list) or opened[:-1] != of or not isinstance(opened[-1], str):
        raise SchemaError("after is the next value of a previous page", path="after")
    return opened[-1], limit


def _listed(request: Request, late: object, following: str | None, of: list[str]) -> Response:
    sealed = None if following is None else container().overdue_tokens.seal([*of, following])
    return json_response(200, {"overdue": for_console(request, late, OVERDUE_TEXT), "next": sealed})


def overdue_objections(request: Request) -> Response:
    caller.require_operator(request)
    of = ["objections"]
    after, limit = _sealed_page(request, of)
    return _listed(request, *container().overdue.objections(after, limit), of)


def overdue_commitments(request: Request) -> Response:
    """Open commitments past their deadline: a region's platform reads its own subtree's (its
    own code unless ``region`` names a region inside it); the operator any region's, or all."""
    signer = caller.operator_or_region(request)
    region = caller.region_param(request, "region") or signer
    if signer is not None and region is not None and not within(region, signer):
        raise RegionMismatch(f"{signer} reads its own subtree's commitments only", path="region")
    caller.registered_source(region, "region")  # not an empty list for none (review 250)
    of = ["commitments", region or ""]
    after, limit = _sealed_page(request, of)
    return _listed(request, *container().overdue.commitments(region, after, limit), of)


def backfill(request: Request) -> Response:
    """The operator dates listings stored before the due-date indexes existed, a page a call."""
    caller.require_operator(request)
    after, limit = _page(request, _BACKFILL_PAGE)
    c = container()
    updated, following = c.listings.backfill_due(c.backfill_tokens, after, limit)
    return json_response(200, {"updated": updated, "next": following})


class OverdueObjection(Frozen):
    listing_id: str
    origin_region: str
    objection_id: str
    step: Literal["notice", "forwarded", "verified", "replied", "decision"] = Field(
        description="`notice`: the owner has not acknowledged the objection a week after it was "
        "filed (no working endpoint); a late step (seed 002 §六(三)); or `decision`: the "
        "deadline itself"
    )
    deadline: date
    filed_at: AwareDatetime


_NEXT = Field(description="where the next page starts (pass it as `after`); null: no more")


class OverdueObjections(Frozen):
    overdue: tuple[OverdueObjection, ...]
    next: str | None = _NEXT


class OverdueCommitment(Frozen):
    listing_id: str
    origin_region: str
    kind: CommitmentKind
    deadline: date
    deciding_authority: str = Field(description="the department that accepted it")
    decision_number: str


class OverdueCommitments(Frozen):
    overdue: tuple[OverdueCommitment, ...]
    next: str | None = _NEXT


class Backfilled(Frozen):
    updated: int = Field(description="listings of this page whose due dates were stored")
    next: str | None = _NEXT


_AFTER = Param("after", {"type": "string"}, "The `next` of the previous page.")
_PAGED = "At most `limit` listings are read; a page may hold fewer entries: follow `next`."

ROUTES: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/v1/objections/overdue",
        "overdue_objections",
        Tag.LIFE,
        "Objections past their deadline, per step",
        Access.OPERATOR,
        {
            200: Reply(
                OverdueObjections,
                "One entry per late step of an open objection (forwarded, verified, replied) "
                "and per passed deadline (`decision`).",
            )
        },
        (errors.SchemaError,),
        query=(count_param("limit", PAGE, _MAX_PAGE), _AFTER),
        description=_PAGED,
        handler=overdue_objections,
    ),
    Operation(
        "GET",
        "/v1/commitments/overdue",
        "overdue_commitments",
        Tag.LIFE,
        "Commitments (信用承诺) past their deadline with no outcome reported",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(OverdueCommitments, "Open commitments whose deadline has passed.")},
        (errors.SchemaError, errors.RegionMismatch),
        query=(
            Param("region", REGION_CODE, "A region's subtree (a platform: inside its own)."),
            count_param("limit", PAGE, _MAX_PAGE),
            _AFTER,
        ),
        description="A region's platform reads its own subtree's (403 `region_mismatch` for "
        "another region); the operator any region's, or every region's without `region`. " + _PAGED,
        handler=overdue_commitments,
    ),
    Operation(
        "POST",
        "/v1/listings/due/backfill",
        "due_backfill",
        Tag.LIFE,
        "Date the listings stored before the due-date indexes (once, after an upgrade)",
        Access.OPERATOR,
        {200: Reply(Backfilled, "How many listings of the page were dated, and `next`.")},
        (errors.SchemaError,),
        query=(count_param("limit", _BACKFILL_PAGE, _MAX_PAGE), _AFTER),
        description="Expiry, retention and the overdue lists read indexes every listing write "
        "dates; a listing written before they existed is in neither until this dates it. "
        "A one-off (again only after changing `CG_RETENTION_YEARS` or the evidence window, or "
        "upgrading to a version whose notes say so): "
        "it scans the listings table, a page a call — call it with each `next` until null. "
        "Running it again writes only what differs.",
        handler=backfill,
    ),
)
