"""The exchange log's publisher state, one item of its table (``chalicelib.log_publishing``
moves it): how far tiles and checkpoints are published, the tree's right edge there, the
latest checkpoints' sizes, and the salting cut-over every checkpoint states
(``gateway_client.contract.salting``), fixed once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.dynamodb.base import Item, n, s
from gateway_client.tlog import Frontier

PUBLISHED = "published"
PUBLISHED_KEY: Item = {"pk": s(PUBLISHED)}

RECENT_CHECKPOINTS = 256
"""How many of the latest checkpoints' sizes the publisher's state keeps: what
``GET /v1/log/checkpoints`` lists, without listing the bucket."""


@dataclass(frozen=True)
class Published:
    frontier: Frontier  # the tree as far as it is published (its size, its right edge)
    recent: tuple[int, ...]  # the latest checkpoints' sizes, oldest first
    salted_since: datetime | None = None  # None until the first publisher that states it

    @property
    def size(self) -> int:
        return self.frontier.size


def published_of(item: Mapping[str, Any] | None) -> Published:
    """The state its item holds (none yet: nothing published)."""
    since = item.get("salted_since") if item is not None else None
    salted = datetime.fromisoformat(since["S"]) if since is not None else None
    if item is None or "frontier" not in item:  # nothing published (the cut-over may be fixed)
        return Published(Frontier.empty(), (), salted)
    recent = tuple(int(x["N"]) for x in item.get("recent", {}).get("L", []))
    return Published(Frontier.from_bytes(bytes(item["frontier"]["B"])), recent, salted)


def salting_update(table: str, at: datetime) -> dict[str, Any]:
    """The UpdateItem fixing the salting cut-over at ``at`` unless one is fixed already; it
    returns the one that holds, so publishers racing to fix it all state the same."""
    return {
        "TableName": table,
        "Key": PUBLISHED_KEY,
        "UpdateExpression": "SET salted_since = if_not_exists(salted_since, :at)",
        "ExpressionAttributeValues": {":at": s(at.isoformat())},
        "ReturnValues": "ALL_NEW",
    }


def advance_put(table: str, before: Published, frontier: Frontier) -> dict[str, Any]:
    """The conditional PutItem recording publication up to ``frontier.size``: made only while
    the stored state is still ``before`` (another publisher may have moved it first)."""
    recent = [*before.recent, frontier.size][-RECENT_CHECKPOINTS:]
    item = {
        **PUBLISHED_KEY,
        "size": n(frontier.size),
        "frontier": {"B": frontier.to_bytes()},
        "recent": {"L": [n(x) for x in recent]},
    }
    if before.salted_since is not None:  # the whole item is put: the cut-over stays
        item["salted_since"] = s(before.salted_since.isoformat())
    return {
        "TableName": table,
        "Item": item,
        "ConditionExpression": "attribute_not_exists(#size) AND :before = :zero OR #size = :before",
        "ExpressionAttributeNames": {"#size": "size"},
        "ExpressionAttributeValues": {":before": n(before.size), ":zero": n(0)},
    }
