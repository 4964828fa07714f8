"""Lifecycle routes: objections, decisions, credit repair, overdue objections, the tick."""

from __future__ import annotations

from datetime import date

from chalice.app import Request, Response
from pydantic import BaseModel, ConfigDict

from chalicelib import caller
from chalicelib.bootstrap import container, lifecycle_at
from chalicelib.http_errors import json_response
from chalicelib.log_api import publish_checkpoint
from chalicelib.tick_function import run_tick
from gateway.lifecycle import ObjectionDecision, ObjectionFiling, RepairRequest
from gateway.validation import parse_request
from gateway_client.contract import (
    BadRequest,
    FixedClock,
    Listing,
    Moment,
    china_date,
    requested_code,
)


def _code(credit_code: str) -> str:
    return requested_code(credit_code, _today())


def _today() -> date:
    return china_date(container().clock.now())


def _reply(listing: Listing, changed: bool, created: int = 200) -> Response:
    return json_response(
        created if changed else 200,
        {"changed": changed, "listing": listing.model_dump(mode="json")},
    )


def file_objection(request: Request, credit_code: str, listing_id: str) -> Response:
    """By the listing's source platform (signed) or the operator."""
    region = caller.operator_or_region(request)
    filing = parse_request(ObjectionFiling, caller.body(request))
    listing, changed = container().lifecycle.file_objection(
        _code(credit_code), listing_id, filing, region
    )
    return _reply(listing, changed, 201)


def decide_objection(
    request: Request, credit_code: str, listing_id: str, objection_id: str
) -> Response:
    region = caller.operator_or_region(request)  # the operator: any listing (a remedy)
    decision = parse_request(ObjectionDecision, caller.body(request), _today())
    listing, changed = container().lifecycle.decide_objection(
        _code(credit_code), listing_id, objection_id, decision, region
    )
    return _reply(listing, changed)


def repair(request: Request, credit_code: str, listing_id: str) -> Response:
    region = caller.operator_or_region(request)
    wanted = parse_request(RepairRequest, caller.body(request))
    listing, changed = container().lifecycle.repair(_code(credit_code), listing_id, wanted, region)
    return _reply(listing, changed)


def overdue_objections(request: Request) -> Response:
    caller.require_operator(request)
    return json_response(200, {"overdue": container().lifecycle.overdue_objections()})


class _TickBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: Moment | None = None


def tick(request: Request) -> Response:
    """Run the scheduled lifecycle handler now; the local stage may set the clock (``at``)."""
    caller.require_operator(request)
    wanted = parse_request(_TickBody, caller.body(request) or b"{}")
    c = container()
    if wanted.at is not None and not c.settings.local:
        raise BadRequest("only the local stack may run the tick at another time", path="at")
    if c.settings.lifecycle_function:  # on AWS: only the lifecycle function may erase
        return json_response(200, run_tick(c.settings))
    service = lifecycle_at(FixedClock(wanted.at)) if wanted.at else c.lifecycle
    report = service.tick()
    published = publish_checkpoint()
    report.checkpoint = published.sequence if published else None
    return json_response(200, report.__dict__)
