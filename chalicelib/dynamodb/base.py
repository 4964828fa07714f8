"""What every DynamoDB repository shares: the client, one table name, typed attribute helpers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

Item = dict[str, "AttributeValueTypeDef"]
_WRITE_BATCH = 25  # BatchWriteItem's most


def s(value: str) -> AttributeValueTypeDef:
    return {"S": value}


def n(value: int) -> AttributeValueTypeDef:
    return {"N": str(value)}


def text(item: dict[str, Any], name: str) -> str:
    return str(item[name]["S"])


def is_conditional_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class Table:
    """One table; the client is injected so tests and the local stack choose the endpoint."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _get(self, key: Item, consistent: bool = True) -> dict[str, Any] | None:
        reply = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=consistent)
        item = reply.get("Item")
        return dict(item) if item else None

    def _put_doc(self, key: Item, doc: str) -> None:
        self._client.put_item(TableName=self._table, Item={**key, "doc": s(doc)})

    def _put_all(self, items: Sequence[Item]) -> None:
        """Unconditional puts, 25 a call, until DynamoDB has processed every one."""
        for start in range(0, len(items), _WRITE_BATCH):
            chunk = items[start : start + _WRITE_BATCH]
            pending: dict[str, Any] = {self._table: [{"PutRequest": {"Item": x}} for x in chunk]}
            while pending:
                reply = self._client.batch_write_item(RequestItems=pending)
                pending = dict(reply.get("UnprocessedItems") or {})

    def _scan_docs(self) -> list[str]:
        docs: list[str] = []
        paginator = self._client.get_paginator("scan")
        for page in paginator.paginate(TableName=self._table, ConsistentRead=True):
            docs.extend(text(item, "doc") for item in page.get("Items", []))
        return docs
