"""The operator's stream re-drive runs in the API function: its role may take the failure
messages and read the listings stream, and no other function gains either."""

from __future__ import annotations

from typing import Any

import pytest

from infra.package import FUNCTIONS, merge_template
from infra.stream_failures import redrive_statements

pytestmark = pytest.mark.bundle


def _statements(resources: dict[str, Any], role: str) -> list[dict[str, Any]]:
    policy = resources[role]["Properties"]["Policies"][0]["PolicyDocument"]
    statements: list[dict[str, Any]] = policy["Statement"]
    return statements


def test_only_the_api_function_may_redrive_stream_failures() -> None:
    resources = merge_template()["Resources"]
    api = _statements(resources, FUNCTIONS["APIHandler"])
    assert all(statement in api for statement in redrive_statements())
    for function, role in FUNCTIONS.items():
        taking = [
            s
            for s in _statements(resources, role)
            if "sqs:ReceiveMessage" in s.get("Action", [])
            and s["Resource"] == {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]}
        ]
        assert bool(taking) == (function == "APIHandler"), function
    [stream_read] = [s for s in api if "dynamodb:GetRecords" in s.get("Action", [])]
    assert stream_read["Resource"] == {"Fn::GetAtt": ["ListingsTable", "StreamArn"]}
