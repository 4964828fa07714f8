"""The index query behind a subscription's delivery list (``delivery_listing``), and the
``Place`` a list stopped at, which its ``next`` gives back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalicelib.dynamodb.base import s
from chalicelib.dynamodb.delivery_pages import MOST_PER_PAGE
from chalicelib.dynamodb.due_index import decode_cursor, encode_cursor
from gateway.delivery import DeliveryState
from gateway_client.contract import SchemaError

_ENTRY = re.compile(r"(msg_|bat_|page#)[0-9a-f]{32}")
ENTRIES_A_QUERY = 100
"""Index entries a query request reads at least: most yield a delivery or more, and fewer
would make a filtered list of one ask once per entry it passes over."""


@dataclass(frozen=True)
class Place:
    """Where a list stopped: its entry's time and id, and how many of the entry's deliveries
    (a page's ids, newest first; a batch's lines) it had passed."""

    at: str
    entry: str
    passed: int

    def cursor(self) -> str:
        return encode_cursor({"at": self.at, "entry": self.entry, "passed": self.passed})

    @classmethod
    def of(cls, cursor: str) -> Place:
        """A ``next`` given back (400 ``invalid_schema`` at ``after`` for anything else)."""
        found = decode_cursor(cursor)
        at, entry, passed = found.get("at"), found.get("entry"), found.get("passed")
        if not (
            isinstance(at, str)
            and _is_instant(at)
            and isinstance(entry, str)
            and _ENTRY.fullmatch(entry)
            and isinstance(passed, int)
            and 0 <= passed <= MOST_PER_PAGE
        ):
            raise SchemaError("after is the next value of a previous page", path="after")
        return cls(at, entry, passed)

    def key(self) -> tuple[str, str]:
        return self.at, self.entry


def list_query(
    table: str,
    state: DeliveryState | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    after: Place | None,
) -> dict[str, Any] | None:
    """The index query, its shard still to be named (None: an empty range): dead or retrying
    entries are filtered in the index (a page has no state, and a record delivered at once is
    on a page only)."""
    bounds = {":since": since, ":until": until}
    values = {name: s(at.astimezone(UTC).isoformat()) for name, at in bounds.items() if at}
    if after is not None and (":until" not in values or after.at < values[":until"]["S"]):
        values[":until"] = s(after.at)  # the entry it stopped in, and older ones
    if ":since" in values and ":until" in values and values[":until"]["S"] < values[":since"]["S"]:
        return None  # DynamoDB refuses a BETWEEN whose bounds are reversed
    return index_query(table, state, values, limit, False)


def index_query(
    table: str,
    state: DeliveryState | None,
    values: dict[str, Any],
    limit: int,
    oldest_first: bool,
) -> dict[str, Any]:
    """The query of the entries listed within the bounds ``values`` holds (``:since``,
    ``:until``), in one state, in the order asked."""
    condition = (
        "subscription_shard = :shard"
        + {
            (True, True): " AND updated_at BETWEEN :since AND :until",
            (True, False): " AND updated_at >= :since",
            (False, True): " AND updated_at <= :until",
            (False, False): "",
        }[":since" in values, ":until" in values]
    )
    args: dict[str, Any] = {
        "TableName": table,
        "IndexName": "by_subscription_shard",
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": oldest_first,
        "Limit": max(limit, ENTRIES_A_QUERY),
    }
    if state is not None:
        delivered = state is DeliveryState.DELIVERED
        args["FilterExpression"] = (
            "attribute_not_exists(#state) OR #state = :state" if delivered else "#state = :state"
        )
        args["ExpressionAttributeNames"] = {"#state": "state"}
        args["ExpressionAttributeValues"][":state"] = s(state.value)
    return args


def _is_instant(raw: str) -> bool:
    try:
        return datetime.fromisoformat(raw).tzinfo is not None
    except ValueError:
        return False
