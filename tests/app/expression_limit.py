"""DynamoDB's limits on an expression, which moto does not enforce: 4 KB, and 300 operators and
functions (review 393: a removal conditioned on 200 counters being 0 held 399); answered as AWS
answers them, for the calls and the transactions' updates alike."""

from __future__ import annotations

import re
from typing import Any

import botocore.client
import pytest
from botocore.exceptions import ClientError

LIMIT = 4096  # DynamoDB: the maximum length of any expression string is 4 KB
OPERATORS = 300  # DynamoDB: operators or functions in one expression
_EXPRESSIONS = (
    "UpdateExpression",
    "ConditionExpression",
    "KeyConditionExpression",
    "FilterExpression",
)
_OPERATOR = re.compile(r"<>|<=|>=|=|<|>|\bAND\b|\bOR\b|\bNOT\b|\bBETWEEN\b|\bIN\b|\w+\(")


def enforce_expression_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    current = botocore.client.BaseClient._make_api_call

    def as_aws(self: Any, operation: str, params: dict[str, Any]) -> Any:
        actions = [params, *(a.get("Update", {}) for a in params.get("TransactItems", []))]
        for name, action in ((n, a) for a in actions for n in _EXPRESSIONS):
            text = action.get(name, "")
            operators = len(_OPERATOR.findall(text))
            if len(text) > LIMIT or operators > OPERATORS:
                said = (
                    "Expression size has exceeded the maximum allowed size"
                    if len(text) > LIMIT
                    else f"The expression contains too many operators; operator count: {operators}"
                )
                error = {
                    "Error": {"Code": "ValidationException", "Message": f"Invalid {name}: {said}"}
                }
                raise ClientError(error, operation)  # type: ignore[arg-type]
        return current(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", as_aws)
