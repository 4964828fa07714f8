"""Console sessions in the batches table, under the SHA-256 of their token (never the token),
deleted by its TTL once expired; an expired item DynamoDB has not yet removed counts as gone
(``gateway.console_sessions`` checks ``expires_at``)."""

from __future__ import annotations

from chalicelib.dynamodb.base import Item, Table, n, s, text
from gateway.console_sessions import ConsoleSession


def _key(digest: str) -> Item:
    return {"pk": s(f"console#{digest}")}


class DynamoConsoleSessions(Table):
    def put(self, digest: str, session: ConsoleSession) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                **_key(digest),
                "doc": s(session.model_dump_json()),
                "expires_at": n(int(session.expires_at.timestamp())),
            },
        )

    def get(self, digest: str) -> ConsoleSession | None:
        item = self._get(_key(digest))
        return ConsoleSession.model_validate_json(text(item, "doc")) if item else None

    def delete(self, digest: str) -> None:
        self._client.delete_item(TableName=self._table, Key=_key(digest))
