"""Global secondary index writes, which ``AwsCounter`` does not see (the request names the table,
DynamoDB writes its indexes too, each billed by the size of what it projects).

``IndexCounter`` reads the indexes of every table from ``infra/resources.json`` and estimates,
for each item written through the gateway's clients, the write units its indexes cost:

* a put writes an index when the item has the index's key attributes (indexes are sparse);
* an update writes an index when it assigns an attribute the index holds (its keys, or a
  projected attribute; with projection ``ALL``, any attribute);
* the index entry's size is the item's (``ALL``) or that of the table's and the index's keys
  plus the projected attributes (``KEYS_ONLY``, ``INCLUDE``); a transactional write costs twice.

An estimate, stated as one: an update that moves an entry (changes an index key) costs DynamoDB
a delete and a put, which the counter counts once. An update of an item not in a sparse index
(its key neither stored nor assigned) costs nothing: given ``stored`` (the item as it is before
the update, read with a client nobody counts), the counter sees that; without, it assumes the
item is in the index.

Writes are counted apart by kind (``puts``: the ``PutItem``/``BatchWriteItem`` entries), so a
part can tell, say, the delivery records (updates) from the pages that list them (puts).
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.aws_counter import _ASSIGNED, _parts, item_size, short_table, wru

Stored = Callable[[str, dict[str, Any]], dict[str, Any] | None]
"""(table name, key) → the item as stored, or None."""

RESOURCES = Path(__file__).resolve().parents[1] / "infra" / "resources.json"


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    keys: frozenset[str]
    projected: frozenset[str] | None
    """Every attribute the index holds (table keys included), or None for projection ALL."""


def indexes(resources: Path = RESOURCES) -> dict[str, list[Index]]:
    """Each table's indexes, by the short table name ``AwsCounter`` uses."""
    found: dict[str, list[Index]] = {}
    for logical_id, resource in json.loads(resources.read_text("utf-8"))["Resources"].items():
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        props = resource["Properties"]
        table_keys = {k["AttributeName"] for k in props["KeySchema"]}
        table = short_table(logical_id.lower())
        for spec in props.get("GlobalSecondaryIndexes", []):
            keys = frozenset(k["AttributeName"] for k in spec["KeySchema"])
            projection = spec["Projection"]
            kind = projection["ProjectionType"]
            projected = None
            if kind != "ALL":
                projected = frozenset(
                    table_keys | keys | set(projection.get("NonKeyAttributes", []))
                )
            hash_key = next(k["AttributeName"] for k in spec["KeySchema"] if k["KeyType"] == "HASH")
            found.setdefault(table, []).append(Index(spec["IndexName"], hash_key, keys, projected))
    return found


class IndexCounter:
    """Estimated index write units per table, from the calls of the gateway's own clients."""

    def __init__(
        self, tables: dict[str, list[Index]] | None = None, stored: Stored | None = None
    ) -> None:
        self.tables = indexes() if tables is None else tables
        self.wru: dict[str, int] = defaultdict(int)
        self.writes: dict[tuple[str, str], int] = defaultdict(int)  # (table, index): entries
        self.puts: dict[tuple[str, str], int] = defaultdict(int)  # of which by puts
        self._stored = stored
        self._lock = threading.Lock()

    def attach(self, clients: dict[str, Any]) -> IndexCounter:
        clients["dynamodb"].meta.events.register("before-parameter-build", self._on_call)
        return self

    def reset(self) -> None:
        with self._lock:
            self.wru.clear()
            self.writes.clear()
            self.puts.clear()

    def _on_call(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        factor = 2 if model.name == "TransactWriteItems" else 1
        for table, _items, written in _parts(model.name, params):
            for kind, body in written:
                before = None
                if kind == "Update" and self._stored is not None and self.tables.get(table):
                    before = self._stored(body["TableName"], body["Key"]) or {}
                for index in self.tables.get(table, []):
                    units = index_wru(index, kind, body, before)
                    with self._lock:
                        self.wru[table] += factor * units
                        self.writes[(table, index.name)] += factor * (units > 0)
                        self.puts[(table, index.name)] += factor * (units > 0 and kind == "Item")


def projected(index: Index, item: dict[str, Any]) -> dict[str, Any] | None:
    """What ``index`` holds of a stored item (None when the item is not in it)."""
    if not index.keys <= item.keys():
        return None
    return item if index.projected is None else {n: item[n] for n in index.projected & item.keys()}


def index_wru(
    index: Index, kind: str, body: dict[str, Any], before: dict[str, Any] | None = None
) -> int:
    """Write units one written item costs ``index`` (0 when it does not touch it); ``before``:
    an updated item as stored before the update ({}: none; None: not known)."""
    if kind == "Item":
        if not index.keys <= body.keys():
            return 0
        held = (
            body if index.projected is None else {n: body[n] for n in index.projected & body.keys()}
        )
        return wru(item_size(held))
    if kind != "Update":
        return 0  # a delete removes the entry: billed, but no delivery or listing is deleted here
    values = body.get("ExpressionAttributeValues", {})
    names = body.get("ExpressionAttributeNames", {})
    assigned = {
        names.get(name, name): values[placeholder]
        for name, placeholder in _ASSIGNED.findall(body.get("UpdateExpression", ""))
        if placeholder in values
    }
    touched = assigned.keys() if index.projected is None else assigned.keys() & index.projected
    keyed = index.keys <= assigned.keys() | (before.keys() if before is not None else index.keys)
    if not touched or not keyed:
        return 0
    held = {**body.get("Key", {}), **{n: assigned[n] for n in touched}}
    return wru(item_size(held))
