"""The access matrix's world: four regions' platforms, three bad keys, and one of everything a
route can address (listings, open objections, a subscription, a delivered delivery, an
agreement), built once per module over in-process moto and the Chalice test client.

Builds on ``app_support`` and ``lifecycle_support`` without changing them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import (
    CREDIT_CODE,
    GUANGDONG,
    HUBEI,
    HUNAN,
    NATURAL_PERSON_CODE,
    OPERATOR_TOKEN,
    Gateway,
    Receiver,
    agreement_terms,
    configure_app,
    create_agreement,
    new_batch_id,
    new_signer,
    platform_headers,
)
from aws_support import provisioned_aws
from chalice.test import Client, HTTPResponse
from lifecycle_support import (
    fan_out_and_deliver,
    listings_stream,
    recent_entry,
    removal_of,
    stamp,
)

import app as gateway_app
from chalicelib import bootstrap
from gateway_client.contract.signing import Ed25519Signer, public_key_text
from gateway_client.push_client import wire_target

A = HUBEI  # 湖北省: platform A
SUB = "420200"  # 黄石市, a city under A: acts for its own subtree only
B = HUNAN  # 湖南省: an unrelated region (and the agreement's subscriber)
SUBSCRIBER = GUANGDONG  # 广东省: owns subscription S
SPARE_KEY_ID = "k-a-spare"  # A's key the operator's DELETE cells revoke (never a signer)
WRONG_TOKEN = "op-token-this-is-not-the-operator-token"

# Column of the matrix → role. Bad keys are keys of region A.
ROLES = {
    "anon": "anonymous",
    "op": "operator",
    "tok": "wrong_token",
    "A": "platform_a",
    "sub": "platform_sub",
    "B": "platform_b",
    "subr": "subscriber",
    "rev": "revoked_a",
    "exp": "expired_a",
    "fut": "future_a",
}

_numbers = itertools.count(1)


def fresh_entry(days_ago: int = 30, **overrides: Any) -> dict[str, Any]:
    """A black-list entry no other entry shares an identity with."""
    return recent_entry(days_ago, decision_number=f"(2024)鄂02执{next(_numbers)}号", **overrides)


def push_body(
    region: str, batch_id: str, entries: list[Any], removals: list[Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "region": region,
        "batch_id": batch_id,
        "issued_at": stamp(),
        "entries": entries,
    }
    if removals is not None:
        body["removals"] = removals
    return body


def upload_manifest(region: str, upload_id: str) -> dict[str, Any]:
    """A bulk upload's manifest, signed with ``upload_id`` as the webhook-id."""
    content = b"{}\n"
    return {
        "region": region,
        "upload_id": upload_id,
        "issued_at": stamp(),
        "count": 1,
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
    }


@dataclass
class World:
    gateway: Gateway
    signers: dict[str, Ed25519Signer]  # role → its key
    listings: dict[str, str]  # name → listing id
    subscription_id: str  # SUBSCRIBER's
    delivery_id: str  # delivered to the subscription: the listing "a_delivered"
    agreement_id: str  # B recognises A
    _upload_id: str | None = None

    def upload_id(self) -> str:
        """An upload A asked for (made on first use: the upload routes are the newest)."""
        if self._upload_id is None:
            upload_id = new_batch_id()
            manifest = upload_manifest(A, upload_id)
            reply = self.send("platform_a", "POST", "/v1/uploads", manifest, upload_id)
            assert reply.status_code == 201, reply.json_body
            self._upload_id = upload_id
        return self._upload_id

    def headers(self, role: str, method: str, path: str, msg_id: str, raw: bytes) -> dict[str, str]:
        if role == "anonymous":
            return {"Content-Type": "application/json"}
        if role == "operator":
            return Gateway.operator(OPERATOR_TOKEN)
        if role == "wrong_token":
            return Gateway.operator(WRONG_TOKEN)
        return platform_headers(self.signers[role], method, path, raw, msg_id)

    def send(
        self, role: str, method: str, path: str, body: Any = None, msg_id: str | None = None
    ) -> HTTPResponse:
        """``body`` as JSON (none: empty), with ``role``'s credentials; a signature covers the
        request (for a push or an upload only the exact bytes sent), with ``msg_id`` (a push's
        batch id) or a fresh id as the webhook-id."""
        raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = self.headers(role, method, path, msg_id or new_batch_id(), raw)
        return self.gateway.client.http.request(
            method, wire_target(path), headers=headers, body=raw
        )

    def pushed(self, role: str, region: str, entries: list[Any]) -> list[str]:
        """Push entries that must all be accepted; their listing ids, in order."""
        batch_id = new_batch_id()
        reply = self.send(
            role, "POST", "/v1/pushes", push_body(region, batch_id, entries), batch_id
        )
        assert reply.status_code == 200, reply.json_body
        assert reply.json_body["accepted"] == len(entries), reply.json_body
        return [str(o["listing_id"]) for o in reply.json_body["outcomes"]]


def _add_key(gateway: Gateway, region: str, key_id: str, **validity: datetime) -> Ed25519Signer:
    signer = new_signer(key_id)
    body = {"key_id": key_id, "public_key": public_key_text(signer.private_key)}
    body.update({name: moment.isoformat() for name, moment in validity.items()})
    reply = gateway.client.http.post(
        f"/v1/regions/{region}/keys", headers=gateway.operator(), body=json.dumps(body).encode()
    )
    assert reply.status_code == 201, reply.json_body
    return signer


DAY = timedelta(days=1)


def _expire(key_id: str, at: datetime) -> None:
    """The key as it is once its validity has run out (the route registers no key that has
    expired already): written to the registry directly, as time would leave it."""
    registry = bootstrap.container().registry
    key = registry.get_key(key_id)
    assert key is not None
    registry.put_key(key.model_copy(update={"valid_until": at}))


def _populate(gateway: Gateway, aws: Any, receiver: Receiver) -> World:
    signers = {
        "platform_a": gateway.register_platform(A, "k-a"),
        "platform_sub": gateway.register_platform(SUB, "k-sub"),
        "platform_b": gateway.register_platform(B, "k-b"),
        "subscriber": gateway.register_platform(SUBSCRIBER, "k-subscriber"),
    }
    now = datetime.now(UTC)
    signers["revoked_a"] = _add_key(gateway, A, "k-a-revoked")
    revoked = gateway.client.http.delete(
        f"/v1/regions/{A}/keys/k-a-revoked", headers=gateway.operator()
    )
    assert revoked.status_code == 200, revoked.json_body
    signers["expired_a"] = _add_key(
        gateway, A, "k-a-expired", valid_from=now - timedelta(days=2), valid_until=now + DAY
    )
    _expire("k-a-expired", now - DAY)
    signers["future_a"] = _add_key(gateway, A, "k-a-future", valid_from=now + timedelta(days=1))
    _add_key(gateway, A, SPARE_KEY_ID)

    subscribed = gateway.subscribe_as_operator(region=SUBSCRIBER, url=receiver.url)
    assert subscribed.status_code == 201, subscribed.json_body
    world = World(gateway, signers, {}, subscribed.json_body["subscription_id"], "", "")

    names_a = (
        "a_delivered",
        "a_objection",
        "a_decision",
        "a_repair",
        "a_person",
        "a_reassign",
        "a_performed",
    )
    entries_a = [
        fresh_entry(),
        fresh_entry(),
        fresh_entry(),
        fresh_entry(days_ago=450),  # past the 12 months' minimum publicity: repair succeeds
        fresh_entry(
            credit_code=NATURAL_PERSON_CODE,
            subject_name="张三",
            # found by the person query too (落实到人)
            responsible_persons=[
                {"name": "张三", "role": "principal", "id_number": NATURAL_PERSON_CODE}
            ],
        ),
        fresh_entry(),
        fresh_entry(),
    ]
    names_sub = ("sub_objection", "sub_decision", "sub_repair")
    entries_sub = [fresh_entry(), fresh_entry(), fresh_entry(days_ago=450)]
    world.listings.update(zip(names_a, world.pushed("platform_a", A, entries_a), strict=True))
    world.listings.update(
        zip(names_sub, world.pushed("platform_sub", SUB, entries_sub), strict=True)
    )
    performed = removal_of(entries_a[-1], "performed", performed_on=entries_a[-1]["decided_on"])
    batch_id = new_batch_id()
    body = push_body(A, batch_id, [], [performed])
    removed = world.send("platform_a", "POST", "/v1/pushes", body, batch_id)
    assert removed.json_body["removed"] == 1, removed.json_body
    for role, name in (("platform_a", "a_decision"), ("platform_sub", "sub_decision")):
        path = f"/v1/subjects/{CREDIT_CODE}/listings/{world.listings[name]}"
        filed = world.send(
            role, "POST", path + "/objections", {"objection_id": "o-open", "reason": "异议"}
        )
        assert filed.status_code == 201, filed.json_body

    delivered = fan_out_and_deliver(aws, listings_stream(aws))
    [world.delivery_id] = [
        d.delivery_id
        for d in delivered
        if d.change.listing.listing_id == world.listings["a_delivered"]
    ]
    agreed = create_agreement(gateway, agreement_terms())
    assert agreed.status_code == 201, agreed.json_body
    world.agreement_id = agreed.json_body["agreement"]["agreement_id"]
    return world


@contextmanager
def open_world() -> Iterator[World]:
    """The app over freshly provisioned moto resources, populated; torn down on exit."""
    with pytest.MonkeyPatch.context() as mp, provisioned_aws(mp) as aws:
        signing_key = configure_app(mp, aws.env)
        receiver = Receiver()
        receiver.start()
        try:
            gateway = Gateway(Client(gateway_app.app), mp, signing_key)
            # the cells make a subscription each, in what the frozen clock keeps one minute
            gateway.configure(
                subscription_creations_per_minute="1000", url_challenges_per_minute="1000"
            )
            world = _populate(gateway, aws, receiver)
            receiver.stop()
            yield world
        finally:
            receiver.stop()
            bootstrap.reset()
