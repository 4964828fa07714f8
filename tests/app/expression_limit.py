"""DynamoDB's 4 KB limit on an expression, which moto does not enforce: answered as AWS answers
it, for the calls and the transactions' updates alike."""

from __future__ import annotations

from typing import Any

import botocore.client
import pytest
from botocore.exceptions import ClientError

LIMIT = 4096  # DynamoDB: the maximum length of any expression string is 4 KB
_EXPRESSIONS = ("UpdateExpression", "ConditionExpression", "KeyConditionExpression")


def enforce_expression_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    current = botocore.client.BaseClient._make_api_call

    def as_aws(self: Any, operation: str, params: dict[str, Any]) -> Any:
        actions = [params, *(a.get("Update", {}) for a in params.get("TransactItems", []))]
        for name, action in ((n, a) for a in actions for n in _EXPRESSIONS):
            if len(action.get(name, "")) > LIMIT:
                message = f"Invalid {name}: Expression size has exceeded the maximum allowed size"
                error = {"Error": {"Code": "ValidationException", "Message": message}}
                raise ClientError(error, operation)  # type: ignore[arg-type]
        return current(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", as_aws)
