"""Witnessing (chalicelib/witnessing.py) runs in the lifecycle tick and the API: both get the
witnesses from the stack's ``Witnesses`` parameter, and neither gains a permission for it
(they already read the published tiles and write under checkpoints/ and the exchange-log
table; without a VPC they reach a witness as the delivery function reaches a subscriber)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.settings import WitnessConfig
from infra.package import FUNCTIONS, merge_template

pytestmark = pytest.mark.bundle


def test_the_witnesses_are_a_parameter_every_function_reads() -> None:
    template = merge_template()
    parameter = template["Parameters"]["Witnesses"]

    assert (parameter["Type"], parameter["Default"]) == ("String", "[]")
    for function in FUNCTIONS:
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert variables["CG_WITNESSES"] == {"Ref": "Witnesses"}, function


def _actions(resources: dict[str, Any], function: str) -> set[str]:
    policy = resources[FUNCTIONS[function]]["Properties"]["Policies"][0]["PolicyDocument"]
    actions: set[str] = set()
    for statement in policy["Statement"]:
        listed = statement.get("Action", [])
        actions |= {listed} if isinstance(listed, str) else set(listed)
    return actions


def test_the_tick_and_the_api_store_cosignatures_with_what_they_already_hold() -> None:
    resources = merge_template()["Resources"]

    for function in ("LifecycleTick", "APIHandler"):
        assert {"s3:GetObject", "s3:PutObject", "s3:ListBucket"} <= _actions(resources, function)
        assert {"dynamodb:GetItem", "dynamodb:PutItem"} <= _actions(resources, function)
    assert "VpcConfig" not in resources["LifecycleTick"].get("Properties", {})


def test_a_witness_entry_names_its_own_key() -> None:
    with pytest.raises(ValueError, match="vkey"):
        WitnessConfig(name="w1", vkey="w2+00000000+AAAA", url="https://w1.example.cn")
