"""What the request-shape tests share: the operator's headers, the refusal's ``error``, and a
snapshot of every table to show a refusal wrote nothing."""

from __future__ import annotations

from app_support import OPERATOR_TOKEN, Gateway

OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}", "Content-Type": "application/json"}


def error(response: object) -> dict[str, object]:
    return dict(response.json_body["error"])  # type: ignore[attr-defined]


def stored(aws: object) -> list[object]:
    """Every item of every table: what a refusal must leave as it was."""
    dynamodb = aws.dynamodb  # type: ignore[attr-defined]
    tables = dynamodb.list_tables()["TableNames"]
    return [sorted(map(str, dynamodb.scan(TableName=t)["Items"])) for t in tables]


def send(gateway: Gateway, method: str, path: str, body: bytes = b"", **headers: str) -> object:
    return gateway.client.http.request(method, path, headers={**OPERATOR, **headers}, body=body)
