"""Where the monthly statistics' counters are kept up from the stream and the handlers.

The listings stream sees every listing change with its old and new image: each record's delta
(``gateway.statistics.tallies``) is applied once, in the exchange log's transaction that logs
the record's change (``log_counted``: the change's index entry is the guard, no item of its
own), or, for a record that logs nothing, guarded by a marker per stream record
(``DynamoStatistics.add_once``). Push batches are counted as the ledger finishes them, deliveries
as the log settles them delivered, feedback reports as they are kept (see those adapters and
``feedback_api.post_feedback``). The rebuild (``chalicelib.statistics_rebuild``) recounts them
from the tables.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import Any

from chalicelib.bootstrap import Container
from chalicelib.dynamodb.listing_doc import listing_from_item
from chalicelib.dynamodb.log_transaction import ALONE
from chalicelib.dynamodb.statistics import kept
from chalicelib.dynamodb.upward_arrivals import arrivals_of
from chalicelib.observability import logger
from gateway.delivery import DeliveryRecord
from gateway.lifecycle import WorkdayCalendar
from gateway.national import UpwardRule
from gateway.recognition import Feedback
from gateway.statistics import (
    Key,
    Tally,
    difference,
    feedback_tally,
    listing_tally,
    upward_tally,
)
from gateway_client.contract import Change, Listing


@cache
def calendar() -> WorkdayCalendar:
    return WorkdayCalendar()


def stream_deltas(
    records: Sequence[dict[str, Any]], rules: Sequence[UpwardRule] = ()
) -> list[tuple[str, dict[Key, int]]]:
    """Each stream record's delta with the record's id (deltas of nothing left out)."""
    deltas = []
    for record in records:
        images = record.get("dynamodb", {})
        new, old = images.get("NewImage"), images.get("OldImage")
        delta = difference(item_tally(new, rules), item_tally(old, rules))
        if delta:
            deltas.append((_event_id(record), delta))
    return deltas


def item_tally(item: dict[str, Any] | None, rules: Sequence[UpwardRule]) -> Tally:
    """What a listing item (or a stream image of one) adds to the counters: its listing's
    tally and upward reporting's (``chalicelib.dynamodb.upward_arrivals``)."""
    if not item or "doc" not in item:
        return Counter()
    listing = listing_from_item(item)
    return listing_tally(listing, calendar()) + upward_tally(listing, arrivals_of(item), rules)


def _event_id(record: dict[str, Any]) -> str:
    """Lambda's ``eventID`` (unique per stream record); else the sequence number; else (a
    hand-made record) a digest of the record itself."""
    found = record.get("eventID") or record.get("dynamodb", {}).get("SequenceNumber")
    if found:
        return str(found)
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:40]


def log_counted(
    c: Container, records: Sequence[tuple[dict[str, Any], list[Change]]]
) -> tuple[int, dict[str, int]]:
    """Log the batch's changes (each record with the changes it makes, at most one), each
    with its record's delta in the transaction that logs it; the deltas of records that log
    nothing, or whose change was logged before the log had chunks, by their own markers. How
    many records' deltas are counted: with their change (now or by an earlier attempt), or by
    marker now; and every change's sequence number (what fan-out numbers its deliveries by)."""
    now = c.clock.now()
    rules = c.settings.upward_reporting.rules
    tallies: dict[str, tuple[str, dict[Key, int]]] = {}
    rest: list[tuple[str, dict[Key, int]]] = []
    changes: list[Change] = []
    for record, made in records:
        changes += made
        for event_id, delta in stream_deltas([record], rules):
            counted = kept(delta, now)  # what is written: the size of the transaction
            if made and len({(region, bucket) for region, bucket, _ in counted}) <= ALONE:
                tallies[made[0].change_id] = (event_id, counted)
            else:  # a move of years of history fills a transaction alone (review 358)
                rest.append((event_id, delta))
    logged, settled = c.exchange_log.append_with_counts(
        changes,
        {change_id: delta for change_id, (_, delta) in tallies.items()},
        lambda summed: c.statistics.updates(summed, now),
    )
    rest += [pair for change_id, pair in tallies.items() if change_id not in settled]
    return len(settled & set(tallies)) + c.statistics.add_once(rest, now), logged


def count_feedback(
    c: Container,
    report: Feedback,
    replaced: Feedback | None,
    delivery: DeliveryRecord,
    listing: Listing | None,
) -> None:
    """A report kept (and the one it replaced taken back); ``listing`` as its delivery carried
    it (kind and domain: what a case is counted by). Bookkeeping: a counter that cannot be
    written is logged, never the reason a report is refused."""
    try:
        new = feedback_tally(report, delivery, listing)
        c.statistics.add(
            difference(new, feedback_tally(replaced, delivery, listing)), report.submitted_at
        )
    except Exception:
        logger.warning("feedback not counted in the monthly statistics", exc_info=True)


def reported_delivery(
    c: Container, report: Feedback
) -> tuple[DeliveryRecord | None, Listing | None]:
    """The delivery a kept report is about and its listing as delivered: a single one's record
    and its change rebuilt; a batch's line (no record of its own) as its batch holds it, and
    the change logged at its sequence. What the rebuild counts a report by, as it was counted
    when kept."""
    if report.batch_id is None:
        rebuilt = c.resending.rebuilt(report.delivery_id)
        listing = rebuilt.change.listing if rebuilt is not None else None
        return c.deliveries.get(report.delivery_id), listing
    found = c.deliveries.line(report.batch_id, report.delivery_id)
    if found is None:
        return None, None
    record, log_sequence, _ = found
    change = c.resending.logged(log_sequence)
    return record, change.listing if change is not None else None
