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

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.dynamodb.base import n, s, write_if
from gateway.delivery import NOTICE, Delivery, Subscription
from gateway_client.contract import Change, Listing, within

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ARRIVED = "reached#"
Logged = Callable[[Sequence[int]], dict[int, Change]]
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
        """``logged``: logged changes by their log sequences (the listings' keys in full)."""
        self._client = client
        self._table = listings_table
        self._subscription = subscription
        self._targets = targets
        self._then = then
        self._logged = logged

    def acknowledged(self, delivery: Delivery, at: datetime) -> None:
        """Before the log calls the delivery delivered: should this write fail, the delivery
        is tried again (the earliest arrival kept either way)."""
        self.acknowledged_lines([delivery], at)

    def acknowledged_lines(self, lines: Sequence[Delivery], at: datetime) -> None:
        """Each line as ``acknowledged``; the logged changes of those shown masked read
        together (a batch's lines share their chunks: review 153)."""
        for line in lines:
            self._then(line, at)
        reported = [x for x in lines if x.type != NOTICE]  # a notice reports nothing up
        found = self._subscription(reported[0].subscription_id) if reported else None
        if found is None:
            return
        region = found.region  # a batch's lines are one subscription's
        due = [x for x in reported if reaches(self._targets, x.change.listing, region)]
        for listing in keyed(due, self._logged):
            note_arrival(self._client, self._table, self._targets, listing, region, at)


def reaches(targets: frozenset[str], listing: Listing, region: str) -> bool:
    """Whether ``listing`` arriving at ``region`` is an arrival at a rule target above it."""
    return (
        region in targets
        and listing.origin_region != region
        and within(listing.origin_region, region)
    )


def keyed(deliveries: Sequence[Delivery], logged: Logged) -> list[Listing]:
    """The delivered listings with their keys: a person's listing sent masked to a region that
    does not recognise it carries a masked code, which keys no item; its logged change holds
    the code in full (review 152: such arrivals were never noted), read for all at once."""
    masked = [
        x.log_sequence
        for x in deliveries
        if "*" in x.change.listing.credit_code and x.log_sequence is not None
    ]
    full = logged(masked) if masked else {}
    return [
        full[x.log_sequence].listing if x.log_sequence in full else x.change.listing
        for x in deliveries
    ]


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
    if not reaches(targets, listing, region):
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
