"""The IAM actions and resources an AWS API call needs, named by the packaged template's logical
ids (``kind/Logical/…``), for ``role_support``: transactions and batches item by item, with the
partition key or S3 prefix a role's condition may limit."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.settings import get_settings

RESOURCES = Path(__file__).resolve().parents[2] / "infra" / "resources.json"
_TRANSACT = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}
_BATCHED = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}
_PARTITION_KEYS = {"BatchesTable": "pk", "DeliveriesTable": "delivery_id"}  # for conditions


@cache
def _resources() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(RESOURCES.read_text(encoding="utf-8"))["Resources"]
    return loaded


def _logical_names() -> dict[str, str]:
    """Physical name (a table's, a queue's URL and name, the bucket's) → logical id."""
    names = {}
    for logical, resource in _resources().items():
        value = os.environ.get(resource.get("Metadata", {}).get("EnvVar", ""), "")
        if value:
            names[value] = names[value.rstrip("/").rsplit("/", 1)[-1]] = logical
    return names


def _key_of(table: str, key: dict[str, Any] | None) -> str:
    attribute = _PARTITION_KEYS.get(table)
    if attribute is None or not key or attribute not in key:
        return ""
    return str(next(iter(key[attribute].values())))


def _dynamodb(op: str, p: dict[str, Any], name: Callable[[str], str]) -> list[tuple[str, ...]]:
    if op in ("TransactWriteItems", "TransactGetItems"):
        return [
            (f"dynamodb:{_TRANSACT[kind]}", f"table/{t}", _key_of(t, b.get("Key") or b.get("Item")))
            for item in p["TransactItems"]
            for kind, b in item.items()
            if (t := name(b["TableName"]))
        ]
    if op == "BatchWriteItem":
        return [
            (
                "dynamodb:BatchWriteItem",
                f"table/{t}",
                _key_of(
                    t, r.get("PutRequest", {}).get("Item") or r.get("DeleteRequest", {}).get("Key")
                ),
            )
            for table, requests in p["RequestItems"].items()
            for r in requests
            if (t := name(table))
        ]
    if op == "BatchGetItem":
        return [("dynamodb:BatchGetItem", f"table/{name(t)}", "") for t in p["RequestItems"]]
    table = name(p.get("TableName", "?"))
    index = f"/index/{p['IndexName']}" if p.get("IndexName") else ""
    return [
        (f"dynamodb:{op}", f"table/{table}{index}", _key_of(table, p.get("Key") or p.get("Item")))
    ]


def _s3(op: str, p: dict[str, Any], name: Callable[[str], str]) -> list[tuple[str, ...]]:
    bucket = name(p.get("Bucket", "?"))
    if op in ("ListObjectsV2", "ListObjects"):
        return [("s3:ListBucket", f"s3/{bucket}", p.get("Prefix", ""))]
    if op == "ListObjectVersions":
        return [("s3:ListBucketVersions", f"s3/{bucket}", p.get("Prefix", ""))]
    if op == "DeleteObjects":
        return [
            (
                "s3:DeleteObjectVersion" if o.get("VersionId") else "s3:DeleteObject",
                f"s3/{bucket}/{o['Key']}",
                "",
            )
            for o in p["Delete"]["Objects"]
        ]
    versioned = "Version" if p.get("VersionId") else ""
    action = {
        "GetObject": f"s3:GetObject{versioned}",
        "HeadObject": f"s3:GetObject{versioned}",
        "DeleteObject": f"s3:DeleteObject{versioned}",
        "PutObject": "s3:PutObject",
    }.get(op, f"s3:{op}")
    found = [(action, f"s3/{bucket}/{p.get('Key', '')}", "")]
    if op == "PutObject" and p.get("Tagging"):
        found.append(("s3:PutObjectTagging", f"s3/{bucket}/{p['Key']}", ""))
    return found


def _topic() -> str | None:
    return get_settings().operations_topic_arn


def needed(service: str, op: str, p: dict[str, Any]) -> list[tuple[str, ...]]:
    """The IAM actions and resources one API call needs."""
    names = _logical_names()

    def name(physical: str) -> str:
        return names.get(physical, physical)

    if service == "dynamodb":
        return _dynamodb(op, p, name)
    if service == "dynamodbstreams":
        return [(f"dynamodb:{op}", "stream/ListingsTable", "")]
    if service == "s3":
        return _s3(op, p, name)
    if service == "sqs":
        queue = name(p.get("QueueUrl", p.get("QueueName", "?")))
        return [(f"sqs:{_BATCHED.get(op, op)}", f"sqs/{queue}", "")]
    if service == "sns":
        topic = p.get("TopicArn")
        return [("sns:Publish", f"sns/{'OperationsTopic' if topic == _topic() else topic}", "")]
    if service == "lambda":
        return [("lambda:InvokeFunction", f"lambda/{p.get('FunctionName')}", "")]
    return [(f"{service}:{op}", "?", "")]
