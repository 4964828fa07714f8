"""The feedback rate's deliveries, on the provisioned tables: a delivery telling of its
listing's end (a removal, an expiry, a purge's tombstone) asks no feedback — the route refuses
any about it — so neither the live count nor a rebuild's reading counts it, a batch's line or a
record of its own (review 202: the rate was held below what any subscriber could reach)."""

from __future__ import annotations

from typing import Any

from integration_support import ACCEPTED_AT, attempt, delivery_for, listing, stats_sources
from test_batch_receipts import SUB, batch_of, line
from test_batch_settling import delivered_count

from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from chalicelib.dynamodb.statistics import DynamoStatistics
from gateway.delivery import Delivery, DeliveryState
from gateway_client.contract import ListingStatus


def ended(delivery: Delivery) -> Delivery:
    """The same delivery, its change telling of the listing's revocation."""
    removed = delivery.change.listing.model_copy(update={"status": ListingStatus.REVOKED})
    change = delivery.change.model_copy(update={"listing": removed})
    return delivery.model_copy(update={"change": change})


def test_deliveries_telling_of_a_listing_s_end_are_not_counted_live_nor_rebuilt(aws: Any) -> None:
    statistics = DynamoStatistics(aws.dynamodb, aws.env["CG_BATCHES_TABLE"])
    log = DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"], statistics)
    lines = [line(1, 10), ended(line(2, 11)), line(3, 12)]
    log.delivered_batch(batch_of(lines, "e"), attempt(204), lines)
    in_force = delivery_for(SUB, listing(decision_number="(2026)单1号"))
    removal = ended(delivery_for(SUB, listing(decision_number="(2026)单2号")))
    for single in (in_force, removal):
        log.record(single, attempt(204), DeliveryState.DELIVERED)

    assert delivered_count(statistics) == 3
    sources = stats_sources(aws)
    found, _ = sources.delivered(ACCEPTED_AT.isoformat(), None, 100)
    counted = sorted(d.delivery_id for d, _ in found if d.asks_feedback)
    assert counted == sorted([lines[0].delivery_id, lines[2].delivery_id, in_force.delivery_id])
    # the others are scanned as arrivals all the same (review 286), marked as asking none
    arrivals = sorted(d.delivery_id for d, _ in found)
    assert arrivals == sorted(
        [*(x.delivery_id for x in lines), in_force.delivery_id, removal.delivery_id]
    )
