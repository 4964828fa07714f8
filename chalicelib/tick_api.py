"""The lifecycle tick run on request (``POST /v1/tick``): on AWS it invokes the lifecycle function;
the local stack runs it in process, at a clock it may set, as the scheduled event does."""

from __future__ import annotations

from chalice.app import Request, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib import caller
from chalicelib.bootstrap import container, lifecycle_at
from chalicelib.http_errors import json_response
from chalicelib.overdue_api import OverdueCommitment, OverdueObjection
from chalicelib.reevaluations import isolated_tick
from chalicelib.route_spec import Access, Operation, Reply, Tag
from chalicelib.tick_function import run_tick
from gateway.validation import parse_request
from gateway_client.contract import BadRequest, FixedClock, Frozen, Moment, errors


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
    started, failed = isolated_tick(c, wanted.at or c.clock.now())  # first, as events.tick
    service = lifecycle_at(FixedClock(wanted.at)) if wanted.at else c.lifecycle
    report = service.tick()
    published = container().log_publisher.publish()
    report.checkpoint = published.sequence if published else None
    container().witnessing.cosign_latest()  # as the scheduled tick does (chalicelib/events.py)
    if failed is not None:
        raise failed
    return json_response(200, {**report.__dict__, **started})


class TickResult(Frozen):
    """``lifecycle_service.TickReport`` with the checkpoint the same run published."""

    expired: int
    purged: int
    purged_by_region: dict[str, int]
    overdue_objections: tuple[OverdueObjection, ...] = Field(
        description="of the first 100 overdue listings (`more_overdue`: the routes page on)"
    )
    overdue_commitments: tuple[OverdueCommitment, ...] = Field(
        description="of the first 100 overdue listings, as `overdue_objections`"
    )
    broken_commitments_listed: int = Field(
        description="black listings made from broken commitments by their owners' policies"
    )
    broken_commitments_unlisted: int = Field(
        description="those black listings revoked because their broken commitment was revoked "
        "or corrected"
    )
    failed: tuple[str, ...] = Field(
        description="listings (ids) whose expiry or purge failed: they stay due, and the next "
        "tick tries them again; the run went on with the rest"
    )
    checkpoint: int | None
    reevaluations_started: int = Field(
        description="agreement re-evaluations started for agreements beginning or ending today"
    )
    reevaluations_triggered: int = Field(
        description="unfinished re-evaluations (re)started, in case their trigger was lost"
    )
    zero_counters_dropped: int = Field(
        description="statistics counters of the present (open commitments and objections by "
        "deadline, lists in force) that had fallen to 0, removed so that their items stay small"
    )
    more_due: bool = Field(
        description="the run's time ran out with listings still due: the next run goes on"
    )
    more_overdue: bool = Field(
        description="more overdue entries than listed here: page through the overdue routes"
    )


ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/tick",
        "run_tick",
        Tag.LIFE,
        "Run the hourly lifecycle tick now (expiry, retention, checkpoint)",
        Access.OPERATOR,
        {200: Reply(TickResult, "What the tick did.")},
        (errors.BadRequest, errors.Conflict),
        body=_TickBody,
        body_required=False,
        description="Only the local stack may pass `at` (400 `bad_request` elsewhere). On AWS "
        "the lifecycle function runs it: 409 `conflict` while a tick is already running.",
        handler=tick,
    ),
)
