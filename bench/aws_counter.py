"""A counter of the AWS requests the gateway's own boto3 clients make, by service, operation and
table, with DynamoDB's billed item sizes and write units and SQS's billed 64 KB chunks: what
every part's request and cost figures are read off."""

from __future__ import annotations

import math
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


def _value_size(value: dict[str, Any]) -> int:
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return len(str(inner).lstrip("-").replace(".", "")) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("SS", "NS", "BS"):
        return sum(_value_size({kind[0]: member}) for member in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + _value_size(v) for k, v in inner.items())
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in inner)
    return 1  # BOOL, NULL


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's billed size of an item: attribute names plus values, in bytes."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def wru(size: int) -> int:
    return max(1, math.ceil(size / 1024))


_ASSIGNED = re.compile(r"(#?[A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*|\s+)(:[A-Za-z0-9_]+)")


def _update_size(params: dict[str, Any]) -> int:
    """An UpdateItem's billed size, approximated by the key plus what it assigns (SET a = :v,
    ADD a :v); values only compared in the condition are not stored. For the listings table
    every attribute is assigned, so this is the item's size."""
    values = params.get("ExpressionAttributeValues", {})
    names = params.get("ExpressionAttributeNames", {})
    size = item_size(params.get("Key", {}))
    for name, placeholder in _ASSIGNED.findall(params.get("UpdateExpression", "")):
        if placeholder in values:
            size += len(names.get(name, name).encode()) + _value_size(values[placeholder])
    return size


def short_table(name: str) -> str:
    return name.removeprefix("cg-local-").removesuffix("table")


SIZE_SAMPLE = 2000
"""Item sizes are computed for the first 2,000 written items of each (operation, table) and
write units extrapolated from them: sizing every item would cost the bench ~2% of its CPU."""

SQS_BILLING_CHUNK = 64 * 1024
"""SQS bills each 64 KB chunk of a request's payload as one request."""

_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@dataclass
class OpCount:
    calls: int = 0
    items: int = 0
    sized_wru: int = 0
    sizes: list[int] = field(default_factory=list)
    deletes: int = 0

    @property
    def wru(self) -> int:
        """Write request units: measured per item for the sample, extrapolated to the rest."""
        sized = len(self.sizes) + self.deletes
        return round(self.sized_wru * self.items / sized) if sized else 0


class AwsCounter:
    """Counts every call the gateway's boto3 clients make, by service, operation and table.

    Registered on ``before-parameter-build``, which fires once per API call (before any retry)
    with the call's Python parameters, so items per batch and billed item sizes can be read
    off. Write request units are counted as DynamoDB bills them: ceil(size / 1 KB) per item,
    twice for an item written in a transaction. (A presigned URL also fires the event: the
    presigned upload PUT shows up as one ``s3.PutObject``.)
    """

    def __init__(self) -> None:
        self.ops: dict[tuple[str, str, str], OpCount] = defaultdict(OpCount)
        self._lock = threading.Lock()
        self.enabled = True

    def attach(self, clients: dict[str, Any]) -> AwsCounter:
        for client in clients.values():
            client.meta.events.register("before-parameter-build", self._on_call)
        return self

    def reset(self) -> None:
        with self._lock:
            self.ops.clear()

    def _on_call(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if not self.enabled:
            return
        service, name = model.service_model.service_name, model.name
        with self._lock:
            for position, (table, items, written) in enumerate(_parts(name, params)):
                count = self.ops[(service, name, table)]
                count.calls += position == 0  # a call naming several tables counts once
                count.items += items
                if name == "SendMessageBatch" and len(count.sizes) < SIZE_SAMPLE:
                    size = sum(len(e["MessageBody"].encode()) for e in params["Entries"])
                    count.sizes.append(size)
                    count.sized_wru += math.ceil(size / SQS_BILLING_CHUNK)  # billed requests
                if name in _WRITES and len(count.sizes) < SIZE_SAMPLE:
                    factor = 2 if name == "TransactWriteItems" else 1
                    for kind, body in written:
                        if kind == "Delete":
                            count.deletes += 1
                            count.sized_wru += factor
                            continue
                        size = item_size(body) if kind == "Item" else _update_size(body)
                        count.sizes.append(size)
                        count.sized_wru += factor * wru(size)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            out: dict[str, dict[str, Any]] = {}
            for (svc, op, table), c in sorted(self.ops.items()):
                entry: dict[str, Any] = {"calls": c.calls, "items": c.items}
                if svc == "sqs" and c.sizes:
                    entry["billed_requests"] = round(c.sized_wru * c.calls / len(c.sizes))
                    entry["request_bytes_mean"] = round(sum(c.sizes) / len(c.sizes))
                    entry["request_bytes_max"] = max(c.sizes)
                elif c.sizes:
                    entry["wru"] = c.wru
                    entry["item_bytes_mean"] = round(sum(c.sizes) / len(c.sizes))
                    entry["item_bytes_max"] = max(c.sizes)
                elif c.wru:
                    entry["wru"] = c.wru
                out[f"{svc}.{op}" + (f"[{table}]" if table else "")] = entry
            return out


Written = list[tuple[str, dict[str, Any]]]
"""("Item", item) for a put, ("Update", params) for an update, ("Delete", key) for a delete."""


def _parts(name: str, params: dict[str, Any]) -> list[tuple[str, int, Written]]:
    """(table, items, what was written) for one call."""
    if name == "BatchWriteItem":
        out = []
        for table, requests in params.get("RequestItems", {}).items():
            written: Written = [
                ("Item", r["PutRequest"]["Item"]) if "PutRequest" in r else ("Delete", {})
                for r in requests
            ]
            out.append((short_table(table), len(requests), written))
        return out
    if name == "BatchGetItem":
        return [
            (short_table(table), len(spec.get("Keys", [])), [])
            for table, spec in params.get("RequestItems", {}).items()
        ]
    if name == "TransactWriteItems":
        per_table: dict[str, Written] = defaultdict(list)
        for entry in params.get("TransactItems", []):
            (kind, body), *_ = entry.items()
            what = {"Put": ("Item", body.get("Item", {})), "Update": ("Update", body)}.get(
                kind, ("Delete", {})
            )
            per_table[short_table(body["TableName"])].append(what)
        return [(table, len(written), written) for table, written in per_table.items()]
    if name == "SendMessageBatch":
        return [("", len(params.get("Entries", [])), [])]
    table = short_table(params.get("TableName", ""))
    if name == "PutItem":
        return [(table, 1, [("Item", params["Item"])])]
    if name == "UpdateItem":
        return [(table, 1, [("Update", params)])]
    if name == "DeleteItem":
        return [(table, 1, [("Delete", {})])]
    return [(table, 1, [])]


def totals(snapshot: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Summed figures: DynamoDB write items/WRU, reads, SQS send requests and messages."""
    out = defaultdict(int)
    for key, c in snapshot.items():
        op = key.split("[")[0]
        if op in (
            "dynamodb.PutItem",
            "dynamodb.UpdateItem",
            "dynamodb.DeleteItem",
            "dynamodb.BatchWriteItem",
            "dynamodb.TransactWriteItems",
        ):
            out["ddb_write_requests"] += c["calls"]
            out["ddb_write_items"] += c["items"]
            out["ddb_wru"] += c.get("wru", 0)
        elif op in ("dynamodb.GetItem", "dynamodb.BatchGetItem"):
            out["ddb_read_requests"] += c["calls"]
            out["ddb_read_items"] += c["items"]
        elif op in ("dynamodb.Query", "dynamodb.Scan"):
            out["ddb_query_scan_requests"] += c["calls"]
        elif op in ("sqs.SendMessage", "sqs.SendMessageBatch"):
            out["sqs_send_requests"] += c["calls"]
            out["sqs_messages"] += c["items"]
            out["sqs_send_billed_requests"] += c.get("billed_requests", c["calls"])
        elif op.startswith("sqs."):
            out["sqs_other_requests"] += c["calls"]
        elif op.startswith("s3."):
            out["s3_requests"] += c["calls"]
    return dict(out)
