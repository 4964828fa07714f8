"""The exchange log's publisher state, one item of its table (``chalicelib.log_publishing``
moves it): how far tiles and checkpoints are published, the tree's right edge there, the
latest checkpoints' sizes, and the cut-overs every checkpoint states, each fixed once: salting
(``gateway_client.contract.salting``) and moves named in leaves (``…contract.moves``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.dynamodb.base import Item, n, s
from gateway_client.tlog import Frontier

PUBLISHED = "published"
PUBLISHED_KEY: Item = {"pk": s(PUBLISHED)}

CUT_OVERS = ("salted_since", "moves_since")  # the attributes, in ``Published``'s order
RECENT_CHECKPOINTS = 256
"""How many of the latest checkpoints' sizes the publisher's state keeps: what
``GET /v1/log/checkpoints`` lists, without listing the bucket."""


@dataclass(frozen=True)
class Published:
    frontier: Frontier  # the tree as far as it is published (its size, its right edge)
    recent: tuple[int, ...]  # the latest checkpoints' sizes, oldest first
    salted_since: datetime | None = None  # None until the first publisher that states it
    moves_since: datetime | None = None  # likewise

    @property
    def size(self) -> int:
        return self.frontier.size


def published_of(item: Mapping[str, Any] | None) -> Published:
    """The state its item holds (none yet: nothing published)."""
    salted, moves = (_instant(item, name) for name in CUT_OVERS)
    if item is None or "frontier" not in item:  # nothing published (the cut-overs may be fixed)
        return Published(Frontier.empty(), (), salted, moves)
    recent = tuple(int(x["N"]) for x in item.get("recent", {}).get("L", []))
    return Published(Frontier.from_bytes(bytes(item["frontier"]["B"])), recent, salted, moves)


def _instant(item: Mapping[str, Any] | None, name: str) -> datetime | None:
    value = item.get(name) if item is not None else None
    return datetime.fromisoformat(value["S"]) if value is not None else None


def cut_over_update(table: str, at: datetime) -> dict[str, Any]:
    """The UpdateItem fixing each cut-over at ``at`` unless it is fixed already; it returns
    the ones that hold, so publishers racing to fix them all state the same."""
    fixed = ", ".join(f"{name} = if_not_exists({name}, :at)" for name in CUT_OVERS)
    return {
        "TableName": table,
        "Key": PUBLISHED_KEY,
        "UpdateExpression": f"SET {fixed}",
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
    for name, at in zip(CUT_OVERS, (before.salted_since, before.moves_since), strict=True):
        if at is not None:  # the whole item is put: the cut-overs stay
            item[name] = s(at.isoformat())
    return {
        "TableName": table,
        "Item": item,
        "ConditionExpression": "attribute_not_exists(#size) AND :before = :zero OR #size = :before",
        "ExpressionAttributeNames": {"#size": "size"},
        "ExpressionAttributeValues": {":before": n(before.size), ":zero": n(0)},
    }
