"""Lambda event handlers: listing-table stream → fan-out, delivery queue → webhook POSTs."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from chalicelib.bootstrap import container
from chalicelib.dynamodb.listings import listing_from_item
from gateway.change import Change, change_between
from gateway.delivery import DeliveryState
from gateway.fanout import Delivery, plan_deliveries

log = logging.getLogger("credit_gateway.events")


def changes_in(records: Sequence[dict[str, Any]]) -> list[Change]:
    """Stream records → changes; provenance-only updates and deletions are not changes."""
    changes: list[Change] = []
    for record in records:
        images = record.get("dynamodb", {})
        new, old = images.get("NewImage"), images.get("OldImage")
        if not new or "doc" not in new:  # a deletion, or a key-only image
            continue
        previous = listing_from_item(old) if old and "doc" in old else None
        change = change_between(listing_from_item(new), previous)
        if change is not None:
            changes.append(change)
    return changes


def fan_out(records: Sequence[dict[str, Any]]) -> None:
    """Queue one delivery per (change, matching subscription).

    A failure raises, so Lambda retries the whole stream batch; deliveries have deterministic
    ids, so a repeat only produces copies the delivery handler recognises.
    """
    changes = changes_in(records)
    if not changes:
        return
    c = container()
    subscriptions = c.subscriptions.all()
    deliveries = [d for change in changes for d in plan_deliveries(change, subscriptions)]
    c.queue.enqueue(deliveries)
    log.info("fan-out: %d changes, %d deliveries", len(changes), len(deliveries))


def deliver(records: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """Attempt each queued delivery; report the ones to retry as partial batch failures."""
    c = container()
    failures: list[dict[str, str]] = []
    for record in records:
        try:
            delivery = Delivery.model_validate_json(record["body"])
        except ValidationError:
            # Not ours to parse: leave it to the queue's redrive policy (→ dead-letter queue).
            log.error("unparsable delivery message %s", record.get("messageId"))
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        attempt = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
        outcome = c.delivery_service.deliver(delivery, attempt)
        if outcome.state is DeliveryState.RETRYING:
            c.queue.retry_later(record["receiptHandle"], outcome.retry_after or timedelta(0))
            failures.append({"itemIdentifier": record["messageId"]})
        elif outcome.state is DeliveryState.DEAD:
            c.queue.dead_letter(delivery)
            log.warning("delivery %s dead after %d attempts", delivery.delivery_id, attempt)
    return {"batchItemFailures": failures}
