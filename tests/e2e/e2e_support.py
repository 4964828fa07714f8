"""What several end-to-end tests share: a region registered with a key of its own, and the
companies 长沙市 lists."""

from __future__ import annotations

import json
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
from gateway_client.push_client import http_request
from infra.local.stack import LocalStack


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
