"""The listings table's due-date indexes: what the tick and the overdue lists read instead of a
scan (``gateway.lifecycle.due`` says what the dates mean).

Every listing write stores ``due_on`` (the tick's next action) and ``late_on`` (first overdue
day), each ``<ISO date>#<listing id>`` and only while it has one: both indexes are sparse,
keyed by ``due_shard`` (``DUE_SHARDS`` partitions by listing id, so one busy day is not one hot
partition) and that value, projecting keys only. A page is read shard after shard; its cursor
names the shard and the last value read, so a caller holds one page, and learns no more from a
cursor than a day and a listing id.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import date
from typing import TYPE_CHECKING, Any

from chalicelib.dynamodb.base import Item, s, text
from chalicelib.dynamodb.sealed_tokens import Sealer
from gateway.lifecycle import DueDates, late_on
from gateway_client.contract import Listing, SchemaError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_TABLE_KEY = {"credit_code", "listing_id"}
DUE_INDEX = "by_due"
LATE_INDEX = "by_late"
DUE_SHARDS = 16
INDEX_OF = {"due_on": DUE_INDEX, "late_on": LATE_INDEX}


def due_shard(listing_id: str) -> str:
    return f"{int(listing_id[-2:], 16) % DUE_SHARDS:02d}"


_CURSOR_CHARS = 1024  # a cursor this gateway writes is a few hundred characters


def due_value(on: date, listing: Listing) -> str:
    """An index sort key: the date, then the listing id (unique, and what cursors carry)."""
    return f"{on.isoformat()}#{listing.listing_id}"


def due_attributes(dates: DueDates, listing: Listing) -> dict[str, str | None]:
    """The index attributes of ``listing``'s item; ``None``: the attribute is removed."""
    due, late = dates.act_on(listing), late_on(listing)
    return {
        "due_shard": due_shard(listing.listing_id),
        "due_on": due_value(due, listing) if due else None,
        "late_on": due_value(late, listing) if late else None,
    }


def due_clauses(attributes: dict[str, str | None]) -> tuple[list[str], list[str], dict[str, Any]]:
    """An update's ``SET`` assignments and ``REMOVE`` names for ``attributes``, and its values."""
    present = {name: value for name, value in attributes.items() if value is not None}
    sets = [f"{name} = :{name}" for name in present]
    removed = [name for name, value in attributes.items() if value is None]
    return sets, removed, {f":{name}": s(value) for name, value in present.items()}


def page_keys(
    client: DynamoDBClient, table: str, date_name: str, today: date, after: str | None, limit: int
) -> tuple[list[tuple[str, str]], str | None]:
    """Up to ``limit`` (credit code, listing id) keys whose ``date_name`` is on or before
    ``today``, from the cursor ``after``, and the cursor of what follows (``None``: no more).

    The sort key is unique (``date#listing id``), so a cursor is a shard and the last value
    read — never a ``LastEvaluatedKey``, whose credit code may be a person's ID number of
    another region's listing: a page goes on from the value with ``BETWEEN`` and skips it."""
    shard, start = _decode(after)
    until = f"{today.isoformat()}$"  # after every "today#…": '$' sorts after '#'
    keys: list[tuple[str, str]] = []
    while shard < DUE_SHARDS and len(keys) < limit:
        if start is not None and start >= until:  # a cursor from a later day: shard done
            shard, start = shard + 1, None
            continue
        values = {":shard": s(f"{shard:02d}"), ":until": s(until)}
        if start is not None:
            values[":from"] = s(start)
        reply = client.query(
            TableName=table,
            IndexName=INDEX_OF[date_name],
            KeyConditionExpression="due_shard = :shard AND "
            + ("#due <= :until" if start is None else "#due BETWEEN :from AND :until"),
            ExpressionAttributeNames={"#due": date_name},
            ExpressionAttributeValues=values,
            Limit=limit - len(keys) + (start is not None),  # the start value comes again
        )
        fresh = [x for x in reply.get("Items", []) if text(x, date_name) != start]
        taken = fresh[: limit - len(keys)]
        keys += [(text(x, "credit_code"), text(x, "listing_id")) for x in taken]
        if len(taken) < len(fresh) or reply.get("LastEvaluatedKey"):
            start = text(taken[-1], date_name)
        else:
            shard, start = shard + 1, None
    if shard >= DUE_SHARDS:
        return keys, None
    return keys, encode_cursor({"shard": shard, "from": start})


_SORT_VALUE = re.compile(r"\d{4}-\d{2}-\d{2}#[A-Za-z0-9_]{1,64}")
_NOT_A_CURSOR = "after is the next value of a previous page"


def _decode(cursor: str | None) -> tuple[int, str | None]:
    if cursor is None:
        return 0, None
    found = decode_cursor(cursor)
    shard, start = found.get("shard"), found.get("from")
    if (
        type(shard) is not int
        or not 0 <= shard < DUE_SHARDS
        or not (start is None or (isinstance(start, str) and _SORT_VALUE.fullmatch(start)))
    ):
        raise SchemaError(_NOT_A_CURSOR, path="after")
    return shard, start


def plain_key(start: Item | None) -> dict[str, str]:
    return {name: str(value["S"]) for name, value in (start or {}).items()}


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    """A cursor back to what ``encode_cursor`` took; anything else a client sent is a 400
    (a long one before it is decoded: nested JSON that deep would exhaust the parser)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found = json.loads(raw) if len(cursor) <= _CURSOR_CHARS else None
    except (ValueError, binascii.Error, RecursionError):
        found = None
    if not isinstance(found, dict):
        raise SchemaError(_NOT_A_CURSOR, path="after")
    return found


def sealed_start(sealer: Sealer, after: str, names: set[str]) -> Item | None:
    """A scan's ``next`` sealed by ``sealer`` (a backfill's) as its ``ExclusiveStartKey``:
    one this route did not answer is a 400, never a start somewhere else in the table."""
    try:
        opened = sealer.open(after)
    except ValueError:
        raise SchemaError("after must be a `next` this route answered", path="after") from None
    return start_key({"key": opened}, names)


def sealed_scan(
    client: DynamoDBClient, table: str, sealer: Sealer, after: str | None, limit: int
) -> tuple[list[Item], str | None]:
    """One strongly consistent Scan page of the listings table from ``after`` (a ``next``
    ``sealer`` sealed) and its own ``next``, sealed: the one-off walks an upgrade asks for go a
    page a call, never holding the table."""
    args: dict[str, Any] = {"TableName": table, "Limit": limit, "ConsistentRead": True}
    if after is not None and (start := sealed_start(sealer, after, _TABLE_KEY)) is not None:
        args["ExclusiveStartKey"] = start
    reply = client.scan(**args)
    following = reply.get("LastEvaluatedKey")
    return reply.get("Items", []), (sealer.seal(plain_key(following)) if following else None)


def start_key(position: dict[str, Any], names: set[str]) -> Item | None:
    """The ``key`` of a decoded cursor as an ``ExclusiveStartKey`` (``None``: from the start)."""
    key = position.get("key")
    if (
        not isinstance(key, dict)
        or (key and set(key) != names)
        or not all(isinstance(value, str) and 0 < len(value) <= 200 for value in key.values())
    ):
        raise SchemaError(_NOT_A_CURSOR, path="after")
    return {name: s(value) for name, value in key.items()} or None
