"""Monthly statistics routes: a region's report and the operator's recount of the counters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TypeVar

from chalice.app import Request, Response
from pydantic import Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.caller import int_param
from chalicelib.http_errors import json_response
from chalicelib.route_spec import REGION_CODE, Access, Operation, Param, Reply, Tag, count_param
from chalicelib.statistics_rebuild import RunSuperseded, Step, rebuild_page
from gateway.statistics import (
    NOW,
    FutureMonth,
    Month,
    MonthlyStats,
    MonthNotKept,
    UpwardShare,
    Usage,
    shipped_pilots,
    stats_from_counters,
    subscriptions_delivered,
    upward_from_counters,
)
from gateway_client.contract import (
    Frozen,
    RegionMismatch,
    SchemaError,
    check_existing_jurisdiction,
    china_date,
    errors,
    within,
)

T = TypeVar("T")


def stats(request: Request) -> Response:
    """Monthly statistics for a region's subtree: the operator, or that region's own platform."""
    signer = caller.operator_or_region(request)  # who asks, before what is asked
    region = _parsed("region", caller.query(request, "region"), check_existing_jurisdiction)
    now = container().clock.now()
    wanted = _parsed("month", caller.query(request, "month"), Month.parse)
    wanted = wanted.not_after(china_date(now), "month").still_kept(now, "month")
    if signer is not None and not within(region, signer):
        raise RegionMismatch(f"{signer} may read statistics of its own subtree only", path="region")
    caller.registered_source(region, "region")  # asked once who asks is known: no registry oracle
    c = container()
    months = c.statistics.read(region, str(wanted))
    subscribers = {
        sid: held
        for sid in sorted(subscriptions_delivered(months.values()))
        if (held := c.subscriptions.region_of(sid)) is not None
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
        "GET",
        "/v1/stats",
        "stats",
        Tag.STATS,
        "Monthly statistics for a region's subtree",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(MonthlyStats, "Pushes, active lists, objections, feedback, timeliness.")},
        (errors.SchemaError, errors.RegionMismatch, FutureMonth, MonthNotKept),
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
