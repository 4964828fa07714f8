"""The one-off backfill of the due-date indexes, for listings stored before they existed.

Every write sets ``due_on``/``late_on`` from then on; a listing written earlier has none and
no tick would ever see it. The operator runs ``POST /v1/listings/due/backfill`` once after the
upgrade (and again after changing the retention settings, which move purge dates, or after an
upgrade whose notes say so: it also sets the provenances of a listing given to another region
before moves did to its new owner's, ``chain``), following
``next`` until it is null. It scans the table, a page a call, so it is not a periodic path;
running it again writes only what differs. ``next`` names a table key, a credit code in it: it
is sealed (``sealed_tokens``), so the operator's address bar and logs never hold an ID number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.dynamodb.base import s, write_if
from chalicelib.dynamodb.due_index import due_attributes, due_clauses, sealed_scan
from chalicelib.dynamodb.listing_doc import provenances_as_read
from chalicelib.dynamodb.sealed_tokens import Sealer
from gateway.lifecycle import DueDates, former_owners, rehomed
from gateway_client.contract import Listing, in_chain

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_NAMES = ("due_shard", "due_on", "late_on")
Reader = Callable[[dict[str, Any]], Listing]


def backfill_page(
    client: DynamoDBClient,
    table: str,
    dates: DueDates,
    read: Reader,
    sealer: Sealer,
    after: str | None,
    limit: int,
) -> tuple[int, str | None]:
    """Up to ``limit`` listings from ``after``: how many got new index dates, and the cursor."""
    items, following = sealed_scan(client, table, sealer, after, limit)
    return sum(_refresh(client, table, dates, read(x), x) for x in items if "doc" in x), following


def chain(listing: Listing) -> set[str]:
    """Its provenances within its owner's chain (or the owner alone), and the owner's as well
    for a listing the operator gave to another region — as a move sets them now: one moved
    before kept the old chain's, and its new owner's resync, which finds what it holds by
    them, never saw it (reviews 141, 146); and none of a region it was given away from, which
    listed it in its own name, and whose resync then ended it (review 392)."""
    kept = in_chain(listing.provenances, listing.origin_region) - set(former_owners(listing))
    return kept | {listing.origin_region} if rehomed(listing) or not kept else kept


def _refresh(
    client: DynamoDBClient, table: str, dates: DueDates, listing: Listing, item: dict[str, Any]
) -> bool:
    """Store the listing's index dates unless they are stored already, and its provenances
    within its owner's chain (``chain``), if it is still the version read (a newer write set
    its own)."""
    wanted = due_attributes(dates, listing)
    provenances = chain(listing)
    moved = provenances != set(listing.provenances)
    if not moved and all(item.get(name, {}).get("S") == wanted[name] for name in _NAMES):
        return False
    sets, removed, values = due_clauses(wanted)
    condition = "version = :v"
    if moved:  # and still as read (review 143)
        sets.append("provenances = :chain")
        values[":chain"] = {"SS": sorted(provenances)}
        as_read, read_values = provenances_as_read(listing.provenances)
        condition += f" AND {as_read}"
        values.update(read_values)
    update = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removed) if removed else "")
    return write_if(
        client.update_item,
        TableName=table,
        Key={"credit_code": item["credit_code"], "listing_id": item["listing_id"]},
        UpdateExpression=update,
        ConditionExpression=condition,
        ExpressionAttributeValues={**values, ":v": s(item["version"]["S"])},
    )
