"""The exchange log's publisher state, one item of its table (``chalicelib.log_publishing``
moves it): how far tiles and checkpoints are published, the tree's right edge there, and the
latest checkpoints' sizes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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

    @property
    def size(self) -> int:
        return self.frontier.size


def published_of(item: Mapping[str, Any] | None) -> Published:
    """The state its item holds (none yet: nothing published)."""
    if item is None:
        return Published(Frontier.empty(), ())
    recent = tuple(int(x["N"]) for x in item.get("recent", {}).get("L", []))
    return Published(Frontier.from_bytes(bytes(item["frontier"]["B"])), recent)


def advance_put(table: str, before: Published, frontier: Frontier) -> dict[str, Any]:
    """The conditional PutItem recording publication up to ``frontier.size``: made only while
    the stored state is still ``before`` (another publisher may have moved it first)."""
    recent = [*before.recent, frontier.size][-RECENT_CHECKPOINTS:]
    return {
        "TableName": table,
        "Item": {
            **PUBLISHED_KEY,
            "size": n(frontier.size),
            "frontier": {"B": frontier.to_bytes()},
            "recent": {"L": [n(x) for x in recent]},
        },
        "ConditionExpression": "attribute_not_exists(pk) AND :before = :zero OR #size = :before",
        "ExpressionAttributeNames": {"#size": "size"},
        "ExpressionAttributeValues": {":before": n(before.size), ":zero": n(0)},
    }
