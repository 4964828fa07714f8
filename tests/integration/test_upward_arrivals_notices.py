"""An objection notice reaches the regions acting for a listing's owner — a relaying province
among them — but it reports no listing upward: its acknowledgement is no arrival of the listing
at an upward-reporting target (review 127), whereas the listing's own delivery is."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from builders import CITY, change, listing, subscription

from chalicelib.dynamodb.upward_arrivals import UpwardArrivals
from gateway.delivery import NOTICE, Delivery
from gateway.delivery.planning import plan_deliveries

PROVINCE = "440000"  # above CITY (441800)
AT = datetime(2026, 12, 1, 2, tzinfo=UTC)


class Recording:
    """The DynamoDB client's ``update_item``, recorded: what the arrivals would write."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []

    def update_item(self, **request: Any) -> dict[str, Any]:
        self.updates.append(request)
        return {}


def acknowledged(event: str) -> list[dict[str, Any]]:
    client = Recording()
    target = subscription("sub-gd", region=PROVINCE)
    told: list[str] = []
    arrivals = UpwardArrivals(
        client,  # type: ignore[arg-type]
        "listings",
        lambda _: target,
        frozenset({PROVINCE}),
        lambda delivery, _at: told.append(delivery.type),
        lambda _sequence: None,  # no masked listing here: the log is not read
    )
    [planned] = plan_deliveries(change(listing(region=CITY)), [target], [], event)
    delivery: Delivery = planned
    arrivals.acknowledged(delivery, AT)
    assert told == [event]  # the notice's receipt is still told (the owner's deadline)
    return client.updates


def test_a_notice_is_no_arrival_but_the_listing_s_delivery_is() -> None:
    assert acknowledged(NOTICE) == []
    [noted] = acknowledged("listing.changed")
    assert noted["ExpressionAttributeNames"] == {"#at": f"reached#{PROVINCE}"}
