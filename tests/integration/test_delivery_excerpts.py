"""The purge blanks the endpoint answers its listing's delivery records kept, and nothing else:
other listings' records, and every attempt's time and status, stay as they were."""

from __future__ import annotations

import pytest
from integration_support import attempt, delivery_for, listing

from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from chalicelib.dynamodb.delivery_excerpts import DeliveryExcerpts
from gateway.delivery.records import DeliveryState

ECHO = "黄某某 110105***********X"  # what a refusing endpoint answered, scrubbed


@pytest.fixture
def deliveries(aws) -> DynamoDeliveryLog:  # type: ignore[no-untyped-def]
    return DynamoDeliveryLog(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"])


def test_the_purged_listings_records_keep_their_attempts_but_no_answer(aws, deliveries) -> None:  # type: ignore[no-untyped-def]
    purged = delivery_for("sub_hn")
    other = delivery_for("sub_hn", listing(decision_number="(2026)湘01执2号"))
    refused = attempt(500).model_copy(update={"response_excerpt": ECHO})
    deliveries.record(purged, refused, DeliveryState.RETRYING)
    deliveries.record(purged, attempt(503, seconds=5), DeliveryState.DEAD)
    deliveries.record(other, refused, DeliveryState.DEAD)
    excerpts = DeliveryExcerpts(aws.dynamodb, aws.env["CG_DELIVERIES_TABLE"])

    blanked = excerpts.erase(purged.change.listing.listing_id)
    again = excerpts.erase(purged.change.listing.listing_id)

    assert (blanked, again) == (1, 0)
    view = deliveries.view(purged.delivery_id)
    assert view is not None
    assert [(a["status"], a["response_excerpt"]) for a in view["attempts"]] == [
        (500, ""),
        (503, ""),
    ]
    assert view["state"] == "dead"
    untouched = deliveries.view(other.delivery_id)
    assert untouched is not None
    assert [a["response_excerpt"] for a in untouched["attempts"]] == [ECHO]
