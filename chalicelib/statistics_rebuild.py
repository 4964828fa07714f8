"""The operator's repair of the monthly statistics' counters, a page a call.

The stream and the handlers keep the counters (``chalicelib.statistics_counting``); this
recounts them from the tables, for data stored before they existed, after a change of what
they are counted by (the catalogue's removal limits, ``CG_UPWARD_REPORTING``), or after a
counter was lost. A run is a series of calls, each one Scan page of one step, resumed from the
sealed ``next`` the last call answered, so each call fits in a Lambda's (and API Gateway's)
time whatever the size of the tables:

1. ``clear``: every counter item is emptied, but for deliveries and feedback of the months
   before ``since`` (those are not recounted: their counts stay as kept);
2. ``listings``, ``batches``, ``uploads``: every listing, finished push batch and finished
   bulk upload (``upload_tally``), counted afresh;
3. ``deliveries``, ``feedback``: those settled or submitted from ``since`` on; a delivery to
   an upward-reporting target also has its arrival noted on the listing (for a target named
   after it was delivered), which the stream then counts.

Each page's counts are added once, whatever a retried call repeats (one marker per page and
counter item, as the stream's records have: ``DynamoStatistics.add_once``), so calling with
the same ``next`` again is harmless. With nothing else counted meanwhile, a run ends with
exactly the counters counting everything afresh would give.

**Racing the live counting** (the chosen semantics): the stream and handlers keep adding
while a run goes on, and a run does not stop them. A change counted before its counter item
is cleared is recounted from the tables (nothing lost); one counted after its page was read
is added to what the page counted (exact). One counted between the two — after the clearing
read its item and before the recount read its listing, batch, delivery or report — is
counted twice (the clearing removes the counters it read by name, never a count made
since). So reports read during a run are partial, and a run is exact only for what
was quiet while it ran: run it with pushes and deliveries paused, or again when they are;
every run starts from zero, so a second quiet run repairs whatever the first one raced. Runs
never overlap (a second run's clearing would undo the first's counting): a run begun
supersedes the one before, whose later pages are refused (``RunSuperseded``), so a first call
sent twice, or a run left unfinished, costs only starting again. A run must end within a day
(its markers are kept for two).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, ValidationError

from chalicelib.bootstrap import Container
from chalicelib.dynamodb.batches import RETENTION as LEDGER_RETENTION
from chalicelib.dynamodb.statistics import Superseded
from chalicelib.dynamodb.stats_sources import Item, StatsSources
from chalicelib.dynamodb.upward_arrivals import keyed, note_arrival
from chalicelib.statistics_counting import item_tally, reported_delivery
from gateway.delivery import NOTICE, DeliveryRecord
from gateway.statistics import (
    ANSWERED,
    CASE,
    DELIVERED,
    NOW,
    PUSHES,
    Key,
    Month,
    Tally,
    delivered_key,
    feedback_tally,
    month_of,
    push_tally,
    upload_tally,
)
from gateway_client.contract import Conflict, Frozen, SchemaError, within

Step = Literal["clear", "listings", "batches", "uploads", "deliveries", "feedback"]
STEPS: tuple[Step, ...] = ("clear", "listings", "batches", "uploads", "deliveries", "feedback")
_RUN_LIMIT = timedelta(days=1)  # page markers are kept two days
_KEPT_BEFORE_SINCE = {DELIVERED, ANSWERED, CASE}


class RunSuperseded(Conflict):
    """A page of a rebuild run after another run began: it would count into the counters
    the later run cleared, so the later run goes on alone."""

    code = "stats_rebuild_superseded"
    default_path = "after"


class Cursor(Frozen):
    """A ``next`` token's content (sealed: it may hold a listing's key, a credit code)."""

    run: str
    began: AwareDatetime
    since: str
    step: Step
    page: int
    key: dict[str, dict[str, str]] | None
    limit: int = 500  # the run's page size: a page's markers name it, so it never changes


@dataclass(frozen=True)
class Rebuilt:
    step: Step
    read: int
    items: int
    next: str | None


def rebuild_page(
    c: Container, since: Month | None, after: str | None, limit: int | None
) -> Rebuilt:
    """One page of a run: the first call names ``since`` (and the page size ``limit``), the
    next ones pass ``after``. A page repeated with another size would find its markers and
    skip what the first size did not reach: the size is the run's, fixed at its start."""
    now = c.clock.now()
    cursor = _opened(c, since, after, now, limit)
    limit = cursor.limit
    sources = StatsSources(
        c.aws_clients["dynamodb"],
        listings=c.settings.listings_table,
        batches=c.settings.batches_table,
        deliveries=c.settings.deliveries_table,
        feedback=c.settings.feedback_table,
        uploads=c.settings.uploads_table,
    )
    read, tally, last = _STEPS[cursor.step](c, sources, cursor, limit)
    try:
        items = c.statistics.add_once(_changes(cursor, tally), now, run=cursor.run)
    except Superseded:  # a later run began while this page read: it counted nothing
        raise _superseded() from None
    if last is not None:
        following: Cursor | None = cursor.model_copy(update={"page": cursor.page + 1, "key": last})
    elif cursor.step != STEPS[-1]:
        step = STEPS[STEPS.index(cursor.step) + 1]
        following = cursor.model_copy(update={"step": step, "page": 0, "key": None})
        c.statistics.reach_step(cursor.run, step, now)
    else:
        following = None
    token = c.rebuild_tokens.seal(following.model_dump(mode="json")) if following else None
    return Rebuilt(cursor.step, read, items, token)


def _opened(
    c: Container, since: Month | None, after: str | None, now: datetime, limit: int | None
) -> Cursor:
    if after is None:
        if since is None:
            raise SchemaError("since: a run starts with the first month to recount", path="since")
        run = os.urandom(8).hex()
        c.statistics.begin_run(run, now)
        return Cursor(
            run=run,
            began=now,
            since=str(since),
            step="clear",
            page=0,
            key=None,
            **({"limit": limit} if limit is not None else {}),
        )
    try:
        cursor = Cursor.model_validate(c.rebuild_tokens.open(after))
    except (ValueError, ValidationError):
        raise SchemaError("after must be a `next` this route answered", path="after") from None
    if since is not None and str(since) != cursor.since:
        raise SchemaError(f"since: this run recounts from {cursor.since}", path="since")
    if limit is not None and limit != cursor.limit:
        raise SchemaError(f"limit: this run's pages hold {cursor.limit}", path="limit")
    if cursor.step == "clear" and c.statistics.run_step(cursor.run) is not None:
        # a clear page again once counting began would empty what was recounted
        raise SchemaError(
            "this run has finished clearing: go on from its latest `next`", path="after"
        )
    if now - cursor.began > _RUN_LIMIT:
        raise SchemaError("this run began over a day ago: start again with `since`", path="after")
    if c.statistics.current_run() != cursor.run:
        raise _superseded()
    return cursor


def _superseded() -> RunSuperseded:
    return RunSuperseded(
        "another run began after this one, which stopped there: that run goes on alone "
        "(or start again with `since`)",
        path="after",
    )


def _changes(cursor: Cursor, tally: Tally) -> list[tuple[str, dict[Key, int]]]:
    """The page's counts, one change per counter item, named by the run, page and item; none
    for a month ``clear`` kept (a report submitted since answers a delivery made before)."""
    grouped: dict[tuple[str, str], dict[Key, int]] = {}
    for key, count in tally.items():
        if count and not _kept(cursor, key[1], key[2]):
            grouped.setdefault((key[0], key[1]), {})[key] = count
    name = f"rebuild#{cursor.run}#{cursor.step}#{cursor.page}"
    return [(f"{name}#{region}#{bucket}", delta) for (region, bucket), delta in grouped.items()]


Counted = tuple[int, Tally, dict[str, Any] | None]  # (source items read, counts, next key)


def _clear(c: Container, sources: StatsSources, cursor: Cursor, limit: int) -> Counted:
    def kept(region: str, bucket: str, attribute: str) -> bool:
        return _kept(cursor, bucket, attribute)

    page = sources.counters(_start(cursor), limit)
    try:
        cleared = c.statistics.clear(page.items, kept, cursor.run)
    except Superseded:  # a later run began while this page read: it clears nothing more
        raise _superseded() from None
    return cleared, Counter(), page.last


def _kept(cursor: Cursor, bucket: str, attribute: str) -> bool:
    """Kept as counted: a counter of deliveries, answers or cases in a month before ``since``;
    a month's pushes once the batch ledger may no longer hold all of that month's batches by
    the time the run ends (it keeps them ``LEDGER_RETENTION``, a run lasts ``_RUN_LIMIT`` at
    most: reviews 202, 203 — a rebuild zeroed every older month's pushes)."""
    if bucket == NOW:
        return False
    kind = attribute.split("#", 1)[0]
    if kind == PUSHES:
        return bucket <= month_of(cursor.began + _RUN_LIMIT - LEDGER_RETENTION)
    return bucket < cursor.since and kind in _KEPT_BEFORE_SINCE


def _listings(c: Container, sources: StatsSources, cursor: Cursor, limit: int) -> Counted:
    rules = c.settings.upward_reporting.rules
    page = sources.listings(_start(cursor), limit)
    tally: Tally = Counter()
    for item in page.items:
        tally.update(item_tally(item, rules))
    return len(page.items), tally, page.last


def _batches(c: Container, sources: StatsSources, cursor: Cursor, limit: int) -> Counted:
    results, last = sources.batches(_start(cursor), limit)
    tally: Tally = Counter()
    for result in results:
        counted = push_tally(result)
        tally.update({k: n for k, n in counted.items() if not _kept(cursor, k[1], k[2])})
    return len(results), tally, last


def _uploads(c: Container, sources: StatsSources, cursor: Cursor, limit: int) -> Counted:
    """Finished bulk uploads, each one batch of pushes in its manifest's month (the months
    ``_kept`` keeps, as their batches, are left as counted)."""
    uploads, last = sources.uploads(_start(cursor), limit)
    tally: Tally = Counter()
    for upload in uploads:
        tally.update(upload_tally(upload))
    return len(uploads), tally, last


def _deliveries(c: Container, sources: StatsSources, cursor: Cursor, limit: int) -> Counted:
    """Each delivery counted; and, with upward-reporting rules, its arrival at a rule target
    noted on the listing (``note_arrival``: the stream counts it, after the listings step)."""
    found, last = sources.delivered(_from(cursor), _start(cursor), limit)
    targets = frozenset(rule.target for rule in c.settings.upward_reporting.rules)
    regions: dict[str, str | None] = {}
    tally: Tally = Counter()
    arrived: list[tuple[DeliveryRecord, int | None, str, datetime]] = []
    for d, line_log in found:
        at = datetime.fromisoformat(d.updated_at)
        if d.asks_feedback:  # the feedback rate's deliveries; every one is an arrival
            tally[delivered_key(d.delivery_id, d.origin_region, d.subscription_id, at)] += 1
        if d.subscription_id not in regions:  # a deleted one's too (review 286)
            regions[d.subscription_id] = c.subscriptions.region_of(d.subscription_id)
        region = regions[d.subscription_id]
        above = region is not None and region != d.origin_region and within(d.origin_region, region)
        if region is not None and region in targets and above:  # an arrival (``reaches``)
            arrived.append((d, line_log, region, at))
    _note(c, arrived, targets)
    return len(found), tally, last


def _note(
    c: Container,
    arrived: Sequence[tuple[DeliveryRecord, int | None, str, datetime]],
    targets: frozenset[str],
) -> None:
    """Each arrival noted with the listing as its delivery carried it, keyed in full (as
    acknowledged live, ``upward_arrivals``): a batch's line (its log sequence given) carried
    its logged change; the page's logged changes are read together."""
    lines = c.resending.logged_all([x for _, x, _, _ in arrived if x is not None])
    client, table = c.aws_clients["dynamodb"], c.settings.listings_table
    for d, line_log, region, at in arrived:
        if line_log is not None:
            change = lines.get(line_log)
            listing = change.listing if change is not None else None
        else:
            rebuilt = c.resending.rebuilt(d.delivery_id)
            noted = rebuilt is not None and rebuilt.type != NOTICE
            listing = keyed([rebuilt], c.resending.logged_all)[0] if rebuilt and noted else None
        if listing is not None:
            note_arrival(client, table, targets, listing, region, at)


def _feedback(c: Container, sources: StatsSources, cursor: Cursor, limit: int) -> Counted:
    reports, last = sources.feedback(_from(cursor), _start(cursor), limit)
    tally: Tally = Counter()
    for report in reports:
        tally.update(feedback_tally(report, *reported_delivery(c, report)))
    return len(reports), tally, last


def _start(cursor: Cursor) -> Item | None:
    return dict(cursor.key) if cursor.key else None


def _from(cursor: Cursor) -> str:
    return Month.parse(cursor.since).utc_range()[0]


_STEPS: dict[Step, Callable[[Container, StatsSources, Cursor, int], Counted]] = {
    "clear": _clear,
    "listings": _listings,
    "batches": _batches,
    "uploads": _uploads,
    "deliveries": _deliveries,
    "feedback": _feedback,
}
