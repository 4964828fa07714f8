"""Where the monthly statistics' counters are kept up, and their one-off rebuild.

The listings stream sees every listing change with its old and new image: each record's delta
(``gateway.statistics.tallies``) is applied once, in the exchange log's transaction that logs
the record's change (``log_counted``: the change's index entry is the guard, no item of its
own), or, for a record that logs nothing, guarded by a marker per stream record
(``DynamoStatistics.add_once``). Push batches are counted as the ledger finishes them, deliveries
as the log settles them delivered, feedback reports as they are kept (see those adapters and
``reports_api.post_feedback``). The rebuild fills the counters from the tables, for data stored
before the counters existed.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from chalicelib.bootstrap import Container
from chalicelib.dynamodb.listings import listing_from_item
from chalicelib.observability import logger
from gateway.delivery import DeliveryRecord, DeliveryState
from gateway.lifecycle import WorkdayCalendar
from gateway.recognition import Feedback
from gateway.statistics import (
    Key,
    Month,
    Tally,
    delivered_key,
    difference,
    feedback_tally,
    listing_tally,
    push_tally,
)
from gateway_client.contract import LATEST_YEAR, Change, Listing, china_date


@cache
def calendar() -> WorkdayCalendar:
    return WorkdayCalendar()


def stream_deltas(records: Sequence[dict[str, Any]]) -> list[tuple[str, dict[Key, int]]]:
    """Each stream record's delta with the record's id (deltas of nothing left out)."""
    deltas = []
    for record in records:
        images = record.get("dynamodb", {})
        new, old = images.get("NewImage"), images.get("OldImage")
        after = listing_from_item(new) if new and "doc" in new else None
        before = listing_from_item(old) if old and "doc" in old else None
        delta = difference(listing_tally(after, calendar()), listing_tally(before, calendar()))
        if delta:
            deltas.append((_event_id(record), delta))
    return deltas


def _event_id(record: dict[str, Any]) -> str:
    """Lambda's ``eventID`` (unique per stream record); else the sequence number; else (a
    hand-made record) a digest of the record itself."""
    found = record.get("eventID") or record.get("dynamodb", {}).get("SequenceNumber")
    if found:
        return str(found)
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:40]


def log_counted(c: Container, records: Sequence[tuple[dict[str, Any], list[Change]]]) -> int:
    """Log the batch's changes (each record with the changes it makes, at most one), each
    with its record's delta in the transaction that logs it; the deltas of records that log
    nothing, or whose change was logged before the log had chunks, by their own markers. How
    many records' deltas are counted: with their change (now or by an earlier attempt), or by
    marker now."""
    now = c.clock.now()
    tallies: dict[str, tuple[str, dict[Key, int]]] = {}
    rest: list[tuple[str, dict[Key, int]]] = []
    changes: list[Change] = []
    for record, made in records:
        changes += made
        for event_id, delta in stream_deltas([record]):
            if made:
                tallies[made[0].change_id] = (event_id, delta)
            else:
                rest.append((event_id, delta))
    settled = c.exchange_log.append_counted(
        changes,
        {change_id: delta for change_id, (_, delta) in tallies.items()},
        lambda summed: c.statistics.updates(summed, now),
    )
    rest += [pair for change_id, pair in tallies.items() if change_id not in settled]
    return len(settled & set(tallies)) + c.statistics.add_once(rest, now)


def rebuild(c: Container, since: Month) -> int:
    """Every counter computed afresh from the tables and put (a scan of each: once, after an
    upgrade, not on a schedule); deliveries and feedback from ``since`` on. How many items."""
    held = {x.listing_id: x for group in c.listings.by_subject() for x in group}
    tally: Tally = Counter()
    for listing in held.values():
        tally.update(listing_tally(listing, calendar()))
    for result in c.batches.finished():
        tally.update(push_tally(result))
    for month in _months(since, china_date(c.clock.now())):
        tally.update(_month_of_deliveries(c, month, held))
    return c.statistics.replace(+tally, c.clock.now())


def _month_of_deliveries(c: Container, month: Month, held: dict[str, Listing]) -> Tally:
    tally: Tally = Counter()
    logged: dict[str, DeliveryRecord] = {}
    for d in c.deliveries.updated_in(month):
        logged[d.delivery_id] = d
        if d.state is DeliveryState.DELIVERED:
            at = datetime.fromisoformat(d.updated_at)
            tally[delivered_key(d.delivery_id, d.origin_region, d.subscription_id, at)] += 1
    for report in c.feedback.submitted_in(month):
        delivery = logged.get(report.delivery_id) or c.deliveries.get(report.delivery_id)
        tally.update(feedback_tally(report, delivery, held.get(report.listing_id)))
    return tally


def _months(since: Month, today: date) -> Iterable[Month]:
    year, month = since.year, since.month
    while (year, month) <= (today.year, today.month) and year <= LATEST_YEAR:
        yield Month(year, month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def count_feedback(
    c: Container, report: Feedback, replaced: Feedback | None, delivery: DeliveryRecord
) -> None:
    """A report kept (and the one it replaced taken back); the listing it is about as its
    delivery carried it (kind and domain: what a case is counted by). Bookkeeping: a counter
    that cannot be written is logged, never the reason a report is refused."""
    try:
        rebuilt = c.resending.rebuilt(delivery.delivery_id)
        listing = rebuilt.change.listing if rebuilt is not None else None
        new = feedback_tally(report, delivery, listing)
        c.statistics.add(
            difference(new, feedback_tally(replaced, delivery, listing)), report.submitted_at
        )
    except Exception:
        logger.warning("feedback not counted in the monthly statistics", exc_info=True)
