"""What every DynamoDB repository shares: the client, one table name, typed attribute helpers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
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


def write_if(write: Callable[..., object], **request: Any) -> bool:
    """Whether a conditional write (``put_item``, ``update_item``, ``delete_item``) was made:
    False when its condition failed, the one refusal callers expect; any other error raised."""
    try:
        write(**request)
    except ClientError as error:
        if not is_conditional_failure(error):
            raise
        return False
    return True


class Table:
    """One table; the client is injected so tests and the local stack choose the endpoint."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _get(self, key: Item, consistent: bool = True) -> dict[str, Any] | None:
        reply = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=consistent)
        item = reply.get("Item")
        return dict(item) if item else None

    def _update_if(self, **update: Any) -> bool:
        """Whether the conditional ``UpdateItem`` was made (False: its condition failed)."""
        return write_if(self._client.update_item, **update)

    def _put_if(self, **put: Any) -> bool:
        """Whether the conditional ``PutItem`` was made (False: its condition failed)."""
        return write_if(self._client.put_item, **put)

    def _delete_if(self, **delete: Any) -> bool:
        """Whether the conditional ``DeleteItem`` was made (False: its condition failed)."""
        return write_if(self._client.delete_item, **delete)

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
            docs.extend(text(item, "doc") for item in page.get("Items", []) if "doc" in item)
        return docs

    def _query_items(self, **request: Any) -> Iterator[dict[str, Any]]:
        """Every item a query matches, one plain ``query`` call a page. Not a paginator:
        ``get_paginator`` builds a new class on every call, which leaves about 5 KB of reference
        cycles for the garbage collector (a plain query under 1 KB); on a path that queries
        once per subject, a re-evaluation's thousands of calls pile that up between
        collections."""
        for reply in self._query_replies(**request):
            yield from reply.get("Items", [])

    def _query_replies(self, **request: Any) -> Iterator[Mapping[str, Any]]:
        """A query's replies, one a page (``_query_items`` for the items alone)."""
        while True:
            reply = self._client.query(**request)
            yield reply
            start = reply.get("LastEvaluatedKey")
            if start is None:
                return
            request = {**request, "ExclusiveStartKey": start}

    def _batch_get(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        """One BatchGetItem request (``Keys``, at most 100, and any projection), retried with
        back-off until DynamoDB has answered every key."""
        pending: dict[str, Any] = {self._table: request}
        found: list[dict[str, Any]] = []
        for attempt in range(5):
            reply = self._client.batch_get_item(RequestItems=pending)
            found += reply.get("Responses", {}).get(self._table, [])
            pending = dict(reply.get("UnprocessedKeys") or {})
            if not pending:
                return found
            time.sleep(0.05 * 2**attempt)
        raise RuntimeError(f"DynamoDB kept keys of {self._table} unprocessed (throttled); retry")

    def _add(self, key: Item, counts: Mapping[str, int], expires_at: int) -> None:
        """Counters added in one atomic update (``ADD``; a missing one starts at zero), the
        item's TTL set to ``expires_at`` (epoch seconds)."""
        self._client.update_item(**self._adding(key, counts, expires_at))

    def _adding(self, key: Item, counts: Mapping[str, int], expires_at: int) -> Any:
        """``_add``'s update, for an ``UpdateItem`` or a transaction's ``Update``."""
        names = {f"#c{i}": name for i, name in enumerate(counts)}
        values = {f":c{i}": n(count) for i, count in enumerate(counts.values())}
        return {
            "TableName": self._table,
            "Key": key,
            "UpdateExpression": "ADD "
            + ", ".join(f"{name} {value}" for name, value in zip(names, values, strict=True))
            + " SET expires_at = :expires",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {**values, ":expires": n(expires_at)},
        }
