"""Console sessions in the app tests: opening one, and requests sent with a session's token
(the fixtures ``hunan`` and ``token`` are in conftest.py)."""

from __future__ import annotations

import json
from typing import Any

from app_support import Gateway

from gateway_client.contract.signing import Ed25519Signer

GUANGDONG = "440000"


def open_session(gateway: Gateway, signer: Ed25519Signer, **body: Any) -> Any:
    raw = json.dumps(body).encode() if body else b""
    return gateway.post_signed("/v1/console/sessions", signer, None, raw)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def as_session(gateway: Gateway, token: str, method: str, path: str, body: Any = None) -> Any:
    raw = b"" if body is None else json.dumps(body).encode()
    return gateway.client.http.request(method, path, headers=bearer(token), body=raw)


def subscribe(gateway: Gateway, region: str, url: str) -> str:
    reply = gateway.subscribe_as_operator(region=region, url=url)
    assert reply.status_code == 201, reply.json_body
    return str(reply.json_body["subscription_id"])
