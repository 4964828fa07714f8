"""Console sessions and hand-off codes in the batches table, under the SHA-256 of their token
(never the token), deleted by its TTL once expired; an expired item DynamoDB has not yet removed
counts as gone (``gateway.console_sessions`` checks the times). A scope's generation is one
counter item per region (and one for the operator)."""

from __future__ import annotations

from datetime import datetime

from chalicelib.dynamodb.base import Item, Table, n, s, text
from gateway.console_sessions import ConsoleSession


def _key(digest: str) -> Item:
    return {"pk": s(f"console#{digest}")}


def _scope(scope: str) -> Item:
    return {"pk": s(f"console-generation#{scope}")}


class DynamoConsoleSessions(Table):
    def put(self, digest: str, session: ConsoleSession, until: datetime) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                **_key(digest),
                "doc": s(session.model_dump_json()),
                "expires_at": n(int(until.timestamp()) + 1),
            },
        )

    def get(self, digest: str) -> ConsoleSession | None:
        item = self._get(_key(digest))
        return ConsoleSession.model_validate_json(text(item, "doc")) if item else None

    def take(self, digest: str) -> ConsoleSession | None:
        """One DeleteItem returning what it deleted: only one of two racing takes gets it."""
        reply = self._client.delete_item(
            TableName=self._table, Key=_key(digest), ReturnValues="ALL_OLD"
        )
        item = reply.get("Attributes")
        return ConsoleSession.model_validate_json(text(dict(item), "doc")) if item else None

    def generation(self, scope: str) -> int:
        item = self._get(_scope(scope))
        return int(item["generation"]["N"]) if item else 0

    def advance(self, scope: str) -> None:
        self._client.update_item(
            TableName=self._table,
            Key=_scope(scope),
            UpdateExpression="ADD generation :one",
            ExpressionAttributeValues={":one": n(1)},
        )
