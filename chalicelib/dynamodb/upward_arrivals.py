"""When a listing first reached each upward-reporting target, kept on the listing's item.

Upward reporting's shares (``gateway.statistics.upward_counts``) judge each listing by the
first delivery of it to any subscription of a rule's target. That time is written on the
listing item itself (``reached#{target}``, epoch microseconds), only ever moved earlier by a
conditional update, as the subscriber acknowledges the delivery: so the listings stream sees
the arrival in the same record as the listing, and the statistics stay a pure function of the
item, counted once per record, taken back with a purge. The update leaves the document and
its version alone: fan-out sees no change in it.

Only for targets some rule names (none by default: then nothing is written), and only when
the listing lies below the target. Costs one listing write per listing and target at first
arrival, and a refused conditional write (charged by the item's size too) for each later
delivery of the listing to that target. An acknowledgement whose delivery is then recorded
only at a later attempt keeps the first acknowledgement's time. The statistics' rebuild notes
the arrivals of the deliveries it recounts the same way (a target named after they were
delivered).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.dynamodb.base import n, s, write_if
from gateway.delivery import NOTICE, Delivery, Subscription
from gateway_client.contract import Change, Listing, within

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ARRIVED = "reached#"
Logged = Callable[[int], Change | None]
_EPOCH, _MICRO = datetime(1970, 1, 1, tzinfo=UTC), timedelta(microseconds=1)


def arrivals_of(item: Mapping[str, Any]) -> dict[str, datetime]:
    """A listing item's (or stream image's) first arrivals, by target region."""
    return {
        name[len(ARRIVED) :]: _EPOCH + int(value["N"]) * _MICRO
        for name, value in item.items()
        if name.startswith(ARRIVED) and "N" in value
    }


def _micros(at: datetime) -> int:
    return (at - _EPOCH) // _MICRO


class UpwardArrivals:
    """``Acknowledgements`` (``gateway.delivery.ports``): tells ``then`` (the objection
    notices), then notes an acknowledged delivery's arrival at a rule target."""

    def __init__(
        self,
        client: DynamoDBClient,
        listings_table: str,
        subscription: Callable[[str], Subscription | None],
        targets: frozenset[str],
        then: Callable[[Delivery, datetime], None],
        logged: Logged,
    ) -> None:
        """``logged``: a logged change by its log sequence (the listing's key in full)."""
        self._client = client
        self._table = listings_table
        self._subscription = subscription
        self._targets = targets
        self._then = then
        self._logged = logged

    def acknowledged(self, delivery: Delivery, at: datetime) -> None:
        """Before the log calls the delivery delivered: should this write fail, the delivery
        is tried again (the earliest arrival kept either way)."""
        self._then(delivery, at)
        if delivery.type == NOTICE:  # to whoever acts for the owner: no listing reported up
            return
        found = self._subscription(delivery.subscription_id)
        if found is not None:
            listing = keyed(delivery, self._logged)
            note_arrival(self._client, self._table, self._targets, listing, found.region, at)


def keyed(delivery: Delivery, logged: Logged) -> Listing:
    """The delivered listing with its key: a person's listing sent masked to a region that does
    not recognise it carries a masked code, which keys no item; its logged change holds the
    code in full (review 152: such arrivals were never noted)."""
    listing = delivery.change.listing
    if "*" in listing.credit_code and delivery.log_sequence is not None:
        change = logged(delivery.log_sequence)
        return change.listing if change is not None else listing
    return listing


def note_arrival(
    client: DynamoDBClient,
    table: str,
    targets: frozenset[str],
    listing: Listing,
    region: str,
    at: datetime,
) -> bool:
    """``listing`` reached a subscription of ``region`` at ``at``: kept on its item if
    ``region`` is a rule target above the listing and ``at`` earlier than what the item holds.
    Whether it was."""
    if region not in targets or listing.origin_region == region:
        return False
    if not within(listing.origin_region, region):
        return False
    return write_if(
        client.update_item,
        TableName=table,
        Key={"credit_code": s(listing.credit_code), "listing_id": s(listing.listing_id)},
        UpdateExpression="SET #at = :at",
        ConditionExpression="attribute_exists(version) "
        "AND (attribute_not_exists(#at) OR #at > :at)",
        ExpressionAttributeNames={"#at": f"{ARRIVED}{region}"},
        ExpressionAttributeValues={":at": n(_micros(at))},
    )
