"""Lambda event handlers: listing-table stream → fan-out, delivery queue → webhook POSTs.

Each handler ``note``s what its batch did for the one closing log line
(``chalicelib.observability``) and emits its metrics: fan-out lag, deliveries delivered /
retried / dead per subscription, tick duration. The upload queue's handler is
``chalicelib.upload_events``.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from chalicelib.activity_api import count_deliveries, count_lag
from chalicelib.bootstrap import Container, container
from chalicelib.dynamodb.listing_doc import listing_from_item
from chalicelib.observability import correlate, emit, logger, note
from chalicelib.reevaluations import isolated_tick
from chalicelib.sqs_queue import message_expiry
from chalicelib.statistics_counting import log_counted
from chalicelib.tick_function import ROUTE_SOURCE
from gateway.delivery import (
    Batch,
    DeliveryState,
    Referenced,
    queued_from_json,
)
from gateway_client.contract import (
    Change,
    ChangeType,
    Listing,
    Recognition,
    change_between,
    purged,
)


def changes_in(records: Sequence[dict[str, Any]]) -> list[tuple[Change, Listing | None]]:
    """Stream records → (change, listing before it); provenance-only updates and deletions
    are not changes."""
    changes: list[tuple[Change, Listing | None]] = []
    for record in records:
        images = record.get("dynamodb", {})
        new, old = images.get("NewImage"), images.get("OldImage")
        if not new and old and "doc" in old:  # erased by retention: subscribers erase too
            gone = listing_from_item(old)
            changes.append((purged(gone, _event_time(record)), gone))
            continue
        if not new or "doc" not in new:  # a key-only image
            continue
        previous = listing_from_item(old) if old and "doc" in old else None
        change = change_between(listing_from_item(new), previous)
        if change is not None:
            changes.append((change, previous))
    return changes


def _event_time(record: dict[str, Any]) -> datetime:
    stamp = record.get("dynamodb", {}).get("ApproximateCreationDateTime")
    return datetime.fromtimestamp(float(stamp), UTC) if stamp else container().clock.now()


TICK_RESERVE_MS = 15_000
"""The tick stops taking due listings when its Lambda has this little time left: enough to
publish the checkpoint and answer; what is still due waits for the next run."""


_NAMED = 20  # listing ids the error names (each failure is logged with its own)


class ListingsNotActedOn(Exception):
    """Listings the tick could not expire or purge (each logged with its error); they stay due,
    and the next tick tries them again."""

    def __init__(self, listing_ids: Sequence[str]) -> None:
        named = ", ".join(listing_ids[:_NAMED])
        more = f" and {len(listing_ids) - _NAMED} more" if len(listing_ids) > _NAMED else ""
        super().__init__(f"{len(listing_ids)} listings not acted on: {named}{more}")


def tick(context: Any = None, source: str = "aws.events") -> dict[str, Any]:
    """The scheduled lifecycle run: expiry, retention purge, overdue objections, inside the
    Lambda ``context``'s remaining time when there is one; and the agreement re-evaluations of
    the day's dates and of any job whose start was lost. Asked by ``POST /v1/tick`` (its
    ``source``), listings that failed are in the report the route answers; on the schedule,
    the run fails at its end for the function's Errors alarm."""
    started = time.perf_counter()
    # First: the day's agreement jobs exist only if a tick of that day starts them, so a
    # failure further on must not cost them.
    reevaluations, failed = isolated_tick(container(), container().clock.now())
    spent = (lambda: context.get_remaining_time_in_millis() < TICK_RESERVE_MS) if context else None
    report = container().lifecycle.tick(spent)
    published = container().log_publisher.publish()
    report.checkpoint = published.sequence if published else None
    note(witnesses_cosigned=len(container().witnessing.cosign_latest()))  # chalicelib/witnessing
    emit({"TickDuration": (time.perf_counter() - started) * 1000}, MetricUnit.Milliseconds)
    note(
        expired=report.expired,
        purged=report.purged,
        overdue_objections=len(report.overdue_objections),
        more_due=report.more_due,
        failed=len(report.failed),
    )
    if failed is not None:
        raise failed
    if report.failed and source != ROUTE_SOURCE:  # the Errors alarm: the rest was done
        raise ListingsNotActedOn(report.failed)
    return {**report.__dict__, **reevaluations}


def fan_out(records: Sequence[dict[str, Any]]) -> None:
    """Queue one delivery per (change, matching subscription), and intensified flags that flip
    (``gateway.delivery.FanOut``).

    A failure raises, so Lambda retries the whole stream batch; deliveries have deterministic
    ids, so a repeat only produces copies the delivery handler recognises. The console's lag
    counter (two requests) is written once the deliveries are queued: measured when the batch
    came in, it waits behind nobody's webhook.
    """
    lag = _emit_lag(records)
    made = [(record, changes_in([record])) for record in records]
    changes = [step for _, steps in made for step in steps]
    note(changes=len(changes), deliveries=0)

    def log() -> dict[str, int]:
        # logged first, each record's delta to the monthly statistics' counters in the
        # transaction that logs its change (a retried batch, however split, skips both):
        # chalicelib/dynamodb/statistics.py; fan-out numbers its deliveries by these sequences
        counted, logged = log_counted(container(), [(r, [ch for ch, _ in s]) for r, s in made])
        note(stats_counted=counted)
        # 落实到人: the person index follows each step before any delivery (idempotent)
        steps = [(ch.listing, was) for ch, was in changes]
        indexed = container().person_indexer.follow(steps, container().exchange_log.purged)
        note(persons_indexed=len(indexed.puts), persons_unindexed=len(indexed.deletes))
        return logged

    # what planning needs is read while this logs; the subscriptions once it is logged
    # (gateway.delivery.FanOut.run)
    note(deliveries=container().fan_out.run(changes, log))
    for change, _ in changes:  # feedback kept while its purge ran (feedback_api._not_purged)
        if change.type is ChangeType.PURGED:
            container().feedback.erase(change.listing.listing_id)
    if lag is not None:
        count_lag(int(lag))  # and in the console's hourly activity


def _emit_lag(records: Sequence[dict[str, Any]]) -> float | None:
    """How long the oldest change of the batch waited in the stream before fan-out ran (ms)."""
    stamps = [
        float(stamp)
        for record in records
        if (stamp := record.get("dynamodb", {}).get("ApproximateCreationDateTime"))
    ]
    if not stamps:
        return None
    lag = max(0.0, time.time() - min(stamps)) * 1000
    emit({"FanOutLag": lag}, MetricUnit.Milliseconds)
    return lag


def deliver(
    records: Sequence[dict[str, Any]], context: Any = None
) -> dict[str, list[dict[str, str]]]:
    """Attempt each queued delivery; report the ones to retry as partial batch failures.

    Message groups (subscription, subject) are sent concurrently, one worker each, so a slow
    endpoint holds up only its own group; within a group, messages go one after another and,
    once one fails, the later ones are not attempted, so a subject's order always holds. The
    Lambda ``context``'s remaining time tells sending whether an attempt could be cut off.
    """
    c = container()
    c.recognition_today.renew()  # agreements as they stand now, read once for the batch
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        groups[record.get("attributes", {}).get("MessageGroupId", record["messageId"])].append(
            record
        )
    keys = logger.thread_safe_get_current_keys()  # the invocation's, for the workers' lines
    results: list[_GroupResult] = []
    if groups:
        with ThreadPoolExecutor(max_workers=len(groups)) as pool:
            results = list(
                pool.map(lambda group: _deliver_group(c, group, keys, context), groups.values())
            )
    failed = {m for result in results for m in result.failed}
    tally: dict[str, Counter[DeliveryState]] = defaultdict(Counter)
    by_region: dict[str, Counter[DeliveryState]] = defaultdict(Counter)
    for result in results:
        for subscription_id, counts in result.tally.items():
            tally[subscription_id] += counts
            by_region[result.regions[subscription_id]] += counts
    _emit_deliveries(tally)
    count_deliveries(by_region)
    note(
        delivery_ids=[d for result in results for d in result.attempted],
        subscription_ids=sorted(tally),
    )
    return {
        "batchItemFailures": [
            {"itemIdentifier": r["messageId"]} for r in records if r["messageId"] in failed
        ]
    }


@dataclass
class _GroupResult:
    failed: list[str] = field(default_factory=list)  # message ids
    attempted: list[str] = field(default_factory=list)  # delivery ids
    tally: dict[str, Counter[DeliveryState]] = field(default_factory=lambda: defaultdict(Counter))
    regions: dict[str, str] = field(default_factory=dict)  # subscription id → its region


def recognition_of(c: Container, referenced: Referenced) -> Recognition:
    """A queued delivery's recognition, kept apart before it was queued (``sqs_queue``)."""
    found = c.deliveries.recognitions.get(referenced.recognition_ref)
    if found is None:
        raise LookupError(f"recognition {referenced.recognition_ref} is not kept")
    return found


def _deliver_group(
    c: Container, records: Sequence[dict[str, Any]], keys: dict[str, Any], context: Any
) -> _GroupResult:
    """One message group's messages in order, in one worker thread."""
    logger.thread_safe_append_keys(**keys)
    result = _GroupResult()
    blocked = False
    for record in records:
        if blocked:
            c.queue.retry_later(record["receiptHandle"], timedelta(0))
            result.failed.append(record["messageId"])
            continue
        try:
            delivery = queued_from_json(record["body"])  # a single delivery, or a batch
        except ValidationError:
            # Not ours to parse: leave it to the queue's redrive policy (→ dead-letter queue).
            logger.error("unparsable delivery message %s", record.get("messageId"))
            result.failed.append(record["messageId"])
            blocked = True
            continue
        received = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
        correlate(delivery_id=delivery.delivery_id, subscription_id=delivery.subscription_id)
        try:
            if isinstance(delivery, Referenced):  # its recognition kept apart: read it back
                delivery = delivery.with_recognition(recognition_of(c, delivery))
            outcome = c.delivery_service.deliver(
                delivery, received, _seconds_left(context), message_expiry(record)
            )
        except Exception:
            # this group's fault, retried by the queue (its redrive policy at last): the other
            # groups' messages, sent already, are not failed with it (review 292: one record
            # grown past DynamoDB's item limit failed every event it was in)
            logger.exception("delivery failed: it and the rest of its group are retried")
            emit({"DeliveryErrors": 1})  # caught here, so no function error: its own alarm
            result.failed.append(record["messageId"])
            blocked = True
            correlate(delivery_id=None, subscription_id=None)
            continue
        if outcome.health is not None:
            c.announcer.announce(outcome.health, c.subscriptions.get(delivery.subscription_id))
        if outcome.state is DeliveryState.RETRYING:
            c.queue.retry_later(record["receiptHandle"], outcome.retry_after or timedelta(0))
            result.failed.append(record["messageId"])
            blocked = True
        elif outcome.state is DeliveryState.DEAD and not outcome.parked:
            c.queue.dead_letter(delivery)
            logger.warning(
                "delivery is dead: its attempts are exhausted, its endpoint is off, or its "
                "message would expire before its next retry"
            )
        if outcome.state is not None and not outcome.parked:  # a batch counts its lines
            weight = 1 if not isinstance(delivery, Batch) else delivery.count
            if outcome.lines is not None:  # as announced: its file may have lost lines since
                weight = outcome.lines
            result.tally[delivery.subscription_id][outcome.state] += weight
            result.regions[delivery.subscription_id] = outcome.region or ""
        result.attempted.append(delivery.delivery_id)
        correlate(delivery_id=None, subscription_id=None)
    logger.thread_safe_clear_keys()
    return result


_DELIVERY_METRICS = {
    DeliveryState.DELIVERED: "DeliveriesDelivered",
    DeliveryState.RETRYING: "DeliveriesRetried",
    DeliveryState.DEAD: "DeliveriesDead",
}


def _emit_deliveries(tally: dict[str, Counter[DeliveryState]]) -> None:
    """Per subscription, one EMF document; the batch's totals go on its log line."""
    totals: Counter[DeliveryState] = Counter()
    for subscription_id, counts in tally.items():
        totals += counts
        emit(
            {name: counts[state] for state, name in _DELIVERY_METRICS.items()},
            subscription=subscription_id,
        )
    note(**{state.value: totals[state] for state in _DELIVERY_METRICS})


def _seconds_left(context: Any) -> float | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return None if remaining is None else remaining() / 1000
