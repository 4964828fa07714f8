"""A commitment end to end, over HTTP on the local stack: 长沙市 pushes a 容缺受理 commitment
and, when the deadline passes unkept, its outcome; 湖南省 receives both as signed webhooks, in
order, and then the black listing 长沙市's policy makes of the broken promise at the tick."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e_support import code, register

from gateway_client.push_client import PushClient, http_request
from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

PROVINCE, CITY = "430000", "430100"
TODAY = datetime.now(UTC).date()


def promise(sequence: int, **made: Any) -> dict[str, Any]:
    return {
        "credit_code": code(9001),
        "subject_name": "长沙某某餐饮有限公司",
        "kind": "commitment",
        "domain": "licensing_commitment",
        "reason": "承诺在10日内补交食品经营许可现场核查材料",
        "deciding_authority": "长沙市市场监督管理局",
        "decision_number": "长市监承诺〔2026〕31号",
        "decided_on": (TODAY - timedelta(days=20)).isoformat(),
        "valid_from": (TODAY - timedelta(days=20)).isoformat(),
        "source_updated_at": (datetime.now(UTC) - timedelta(minutes=5 - sequence)).isoformat(),
        "source_sequence": sequence,
        "commitment": {
            "kind": "accept_with_deficiencies",
            "deadline": (TODAY - timedelta(days=10)).isoformat(),
            **made,
        },
    }


@pytest.fixture(scope="module")
def received(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Any]]:
    folder: Path = tmp_path_factory.mktemp("commitments")
    with LocalStack() as stack:
        operator = {"authorization": f"Bearer {stack.operator_token}"}
        city = PushClient(stack.url, CITY, register(stack, CITY, "cs-c", folder / "c.key"))
        register(stack, PROVINCE, "hn-c", folder / "p.key")
        policy = {"severity": "general", "legal_basis": "《长沙市信用承诺管理办法》第十二条"}
        body = json.dumps({"name": "长沙市", "broken_commitments": policy}).encode()
        assert http_request("PUT", f"{stack.url}/v1/regions/{CITY}", body, operator).status == 200
        receiver = Receiver("湖南省").start()
        receiver.subscribe(stack.url, {"region": PROVINCE}, operator)
        assert stack.pump is not None
        for version in (
            promise(1),
            promise(2, outcome="broken", outcome_on=TODAY.isoformat(), outcome_note="逾期未补交"),
        ):
            reply = city.push([version], datetime.now(UTC))
            assert reply.body["accepted"] == 1, reply.body
            stack.pump.drain()
        ticked = http_request("POST", f"{stack.url}/v1/tick", b"{}", operator)
        assert ticked.body["broken_commitments_listed"] == 1, ticked.body
        stack.pump.drain()
        receiver.stop()
        yield [r.payload for r in receiver.received]


def test_the_province_receives_the_commitment_then_its_outcome_in_order(received):
    commitments = [p.data.listing for p in received if p.data.listing.kind == "commitment"]

    assert [(c.commitment.outcome if c.commitment else None) for c in commitments] == [
        None,
        "broken",
    ]
    assert len({c.listing_id for c in commitments}) == 1
    sequences = [p.log_sequence for p in received]
    assert sequences == sorted(sequences)


def test_the_broken_promise_arrives_as_the_owners_black_listing(received):
    [black] = [p.data.listing for p in received if p.data.listing.kind == "black"]

    assert (black.domain, black.severity, black.origin_region) == (
        "broken_commitment",
        "general",
        CITY,
    )
    assert black.decided_on == TODAY
    assert black.reason.startswith("违背信用承诺")
