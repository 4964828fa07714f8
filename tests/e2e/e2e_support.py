"""What several end-to-end tests share: a region registered with a key of its own, and the
companies 长沙市 lists."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from stdnum.cn import uscc

from gateway_client.contract.signing import (
    Ed25519Signer,
    generate_signing_key,
    load_private_key,
    public_key_text,
)
from gateway_client.push_client import PushClient, Response, http_request
from infra.local.demo import DemoReport
from infra.local.stack import LocalStack


@dataclass(frozen=True)
class DemoWorld:
    """The demo scenario's stack (``conftest.demo_world``) and what the run reported, taken
    before any test acted on the stack."""

    stack: LocalStack
    report: DemoReport


def code(n: int) -> str:
    stem = f"91430100MA4L{n:04d}0"
    return stem + uscc.calc_check_digit(stem)


def entry(n: int) -> dict[str, Any]:
    day = (datetime.now(UTC) - timedelta(days=400)).date().isoformat()
    return {
        "credit_code": code(n),
        "subject_name": f"长沙某某{n}有限公司",
        "kind": "black",
        "domain": "court_defaulter",
        "severity": "general",
        "reason": "有履行能力而拒不履行",
        "legal_basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        "deciding_authority": "长沙市中级人民法院",
        "decision_number": f"(2025)湘01执{n}号",
        "decided_on": day,
        "valid_from": day,
        "source_updated_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
    }


def register(stack: LocalStack, region: str, key_id: str, key_file: Path) -> Ed25519Signer:
    private = generate_signing_key()
    key_file.write_text(private + "\n", encoding="utf-8")
    auth = {"authorization": f"Bearer {stack.operator_token}"}
    put = json.dumps({"name": region}).encode()
    assert http_request("PUT", f"{stack.url}/v1/regions/{region}", put, auth).status == 200
    key = {"key_id": key_id, "public_key": public_key_text(load_private_key(private))}
    added = http_request(
        "POST", f"{stack.url}/v1/regions/{region}/keys", json.dumps(key).encode(), auth
    )
    assert added.status == 201, added.body
    return Ed25519Signer(key_id, load_private_key(private))


def as_operator(stack: LocalStack, method: str, path: str, body: Any = None) -> Response:
    """A call with the operator's bearer token (a JSON body, or none)."""
    raw = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    return http_request(
        method, stack.url + path, raw, {"authorization": f"Bearer {stack.operator_token}"}
    )


def platform(
    stack: LocalStack, region: str, key_id: str, registration: dict[str, Any] | None = None
) -> PushClient:
    """A region registered (``registration``, default just its code as name) with a fresh key,
    and its platform's client."""
    reply = as_operator(stack, "PUT", f"/v1/regions/{region}", registration or {"name": region})
    assert reply.status == 200, reply.body
    private = load_private_key(generate_signing_key())
    key = {"key_id": key_id, "public_key": public_key_text(private)}
    assert as_operator(stack, "POST", f"/v1/regions/{region}/keys", key).status == 201
    return PushClient(stack.url, region, Ed25519Signer(key_id, private))


def drain(stack: LocalStack) -> None:
    """Run everything the last calls set off: fan-out, deliveries."""
    assert stack.pump is not None
    stack.pump.drain()
