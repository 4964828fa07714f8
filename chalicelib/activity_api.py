"""The console's overview: hourly pushes, delivery attempts, fan-out lag and the queue's backlog.

The counters are written where the work happens (``count_*`` below, called by the push route,
the ingest, the delivery and fan-out handlers) and read by ``GET /v1/activity``. Counting is
bookkeeping: a counter that cannot be written is logged and skipped, never the reason a push or
a delivery batch fails (a retried push would come back a duplicate).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping

from chalice.app import Request, Response

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.caller import int_param
from chalicelib.http_errors import json_response
from chalicelib.observability import logger
from chalicelib.route_spec import REGION_CODE, Access, Operation, Param, Reply, Tag, count_param
from gateway.delivery import DeliveryState
from gateway.statistics import (
    DEFAULT_HOURS,
    MAX_HOURS,
    Activity,
    Backlog,
    activity,
    province_of,
    tally,
    window,
)
from gateway_client.contract import NATION, RegionMismatch, errors, within


def count_pushes(region: str, counts: Mapping[str, int]) -> None:
    """A push's entries accepted / duplicate / removed / rejected for ``region`` (an upload's
    are counted as it is saved finished, with its month's: ``dynamodb.upload_counts``)."""
    _guarded(lambda: container().activity.add_pushes(region, counts, container().clock.now()))


def count_deliveries(by_region: Mapping[str, Counter[DeliveryState]]) -> None:
    """One delivery batch's attempt outcomes per subscriber region (the delivery service
    read each subscription already: nothing is read again here)."""
    entries = [
        (region, s.value, k) for region, counts in by_region.items() for s, k in counts.items()
    ]
    _guarded(lambda: _add(entries))


def count_lag(lag_ms: int) -> None:
    """A fan-out batch's lag: how long its oldest change waited in the stream."""
    _guarded(lambda: container().activity.add_lag(lag_ms, container().clock.now()))


def _add(entries: list[tuple[str, str, int]]) -> None:
    per_province = tally(entries)
    if per_province:
        container().activity.add(per_province, container().clock.now())


def _guarded(write: Callable[[], None]) -> None:
    try:
        write()
    except Exception:  # bookkeeping never fails the work it counts
        logger.warning("activity counters not written", exc_info=True)


def get_activity(request: Request) -> Response:
    """The operator sees every province (or any subtree it names) and the queue's backlog; a
    platform sees pushes of its own subtree and deliveries to its own subscriptions only."""
    signer = caller.operator_or_region(request)
    hours = int_param(request, "hours", DEFAULT_HOURS, 1, MAX_HOURS)
    wanted = caller.region_param(request, "region")
    if signer is not None and wanted is not None and not within(wanted, signer):
        raise RegionMismatch(f"{signer} may read activity of its own subtree only", path="region")
    caller.registered_source(wanted, "region")  # as statistics: not an empty report (review 250)
    root = wanted or signer
    c = container()
    span = window(c.clock.now(), hours)
    whole = root is None or root == NATION
    counters, lags = c.activity.read(span, None if whole else province_of(root or NATION))

    def pushes(region: str) -> bool:
        return root is None or within(region, root)

    def deliveries(region: str) -> bool:  # a platform: its own subscriptions', in the view
        return pushes(region) and (signer is None or region == signer)

    backlog = None if signer is not None else Backlog.of(*c.queue.backlog())
    report = activity(root, span, counters, lags, pushes, deliveries, backlog)
    return json_response(200, report.model_dump(mode="json"))


ROUTES: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/v1/activity",
        "get_activity",
        Tag.STATS,
        "Hourly pushes, delivery attempts and fan-out lag (the console's overview)",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(Activity, "One entry per Beijing hour, oldest first, zeros included.")},
        (errors.SchemaError, errors.RegionMismatch),
        query=(
            count_param("hours", DEFAULT_HOURS, MAX_HOURS),
            Param("region", REGION_CODE, "The subtree to show (default: the caller's own)."),
        ),
        description="Pushes count entries accepted / duplicate / rejected per pushing region "
        "(bulk uploads' lines too); deliveries count attempt outcomes per subscriber region. "
        "A platform may name its own region or one of its subtree, and sees deliveries to its "
        "own subscriptions only; the operator sees everything and the delivery queue's backlog "
        "(`null` for a platform). `by_region` totals the window per region that had activity "
        "(the operator's overview: per province). Fan-out lag is one global figure.",
        handler=get_activity,
    ),
)
