"""The demo's cast: the operator registering regions and keys, each province's receiver
subscribing itself, and the bodies an impostor sends."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from gateway_client.contract import (
    AnyKey,
    Ed25519Signer,
    generate_signing_key,
    load_private_key,
    public_key_text,
)
from gateway_client.push_client import PushClient, Response, http_request
from gateway_client.receiver import fetch_gateway_keys
from infra.local import scenario
from infra.local.demo_delivery import flaky
from infra.local.receiver import Receiver


class Operator:
    """The gateway operator's side of the demo: regions, keys, subscriptions."""

    def __init__(self, url: str, token: str) -> None:
        self._url = url
        self.headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}

    def call(self, method: str, path: str, body: dict[str, Any]) -> Any:
        data = None if method == "GET" else json.dumps(body).encode()
        reply = http_request(method, self._url + path, data, self.headers)
        if reply.status >= 300:
            raise RuntimeError(f"{method} {path} → {reply.status}: {reply.body}")
        return reply.body


def register_platforms(operator: Operator, url: str) -> dict[str, PushClient]:
    return {p.code: register(operator, url, p.code, p.name, p.key_id) for p in scenario.PLATFORMS}


def register(operator: Operator, url: str, code: str, name: str, key_id: str) -> PushClient:
    """A region and one platform key for it; the client signs that region's requests."""
    operator.call("PUT", f"/v1/regions/{code}", {"name": name})
    private = load_private_key(generate_signing_key())
    operator.call(
        "POST",
        f"/v1/regions/{code}/keys",
        {"key_id": key_id, "public_key": public_key_text(private)},
    )
    return PushClient(url, code, Ed25519Signer(key_id, private))


def subscribe_provinces(
    operator: Operator, url: str, clients: dict[str, PushClient]
) -> dict[str, Receiver]:
    """Each province's receiver subscribes itself: it answers the URL-verification challenge
    during the call, and from then on accepts only deliveries addressed to it."""
    public_keys: list[AnyKey] = list(fetch_gateway_keys(url))
    receivers: dict[str, Receiver] = {}
    for province in scenario.PROVINCES:
        clients[province.code] = register(
            operator, url, province.code, province.name, f"{province.code}-1"
        )
        receiver = Receiver(province.name, public_keys=public_keys)
        if province.code == "440000":
            receiver.respond = flaky()
        receiver.start()
        created = receiver.subscribe(
            url,
            {
                "region": province.code,
                "filters": province.filters.model_dump(mode="json"),
                "signature_scheme": province.scheme,
            },
            operator.headers,
        )
        if created["state"] != "verified":
            raise RuntimeError(f"{province.name}: {created['verification_failure']}")
        receivers[province.code] = receiver
    return receivers


def claiming(region: str, entries: list[dict[str, Any]], now: datetime) -> bytes:
    body = {
        "region": region,
        "batch_id": "foreign-1",
        "issued_at": now.isoformat(),
        "entries": entries,
    }
    return json.dumps(body, ensure_ascii=False).encode()


def forged_push(url: str, entries: list[dict[str, Any]], now: datetime) -> Response:
    """新郑市's key id, but signed with a key the attacker made."""
    attacker = Ed25519Signer("xz-2026-1", load_private_key(generate_signing_key()))
    return PushClient(url, "410184", attacker).push(entries, now, batch_id="forged-1")
