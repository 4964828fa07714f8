"""The request around the body's fields: a body where the route takes none, a Content-Type the
route does not read, a method or a path the gateway does not serve, query parameters it does
not declare or that come twice. Each is a 4xx in the gateway's error shape, with a stable
``code`` and the offending part in ``path``, and nothing changes."""

from __future__ import annotations

import json

import pytest
from app_support import (
    HUBEI,
    HUNAN,
    OPERATOR_TOKEN,
    Gateway,
    Receiver,
    end_agreement,
    signed_agreement,
    sqs_event,
)

from chalicelib.openapi import OPERATIONS

GARBAGE = b'{"this is": [not json'
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}", "Content-Type": "application/json"}


def error(response: object) -> dict[str, object]:
    return dict(response.json_body["error"])  # type: ignore[attr-defined]


def send(gateway: Gateway, method: str, path: str, body: bytes = b"", **headers: str) -> object:
    return gateway.client.http.request(method, path, headers={**OPERATOR, **headers}, body=body)


# --- a body on a route that takes none -------------------------------------------------------

BODILESS = [op for op in OPERATIONS if op.body is None]


@pytest.mark.parametrize("op", BODILESS, ids=lambda op: f"{op.method} {op.path}")
def test_every_route_without_a_body_refuses_one_before_it_acts(gateway: Gateway, op) -> None:
    path = op.path.replace("{", "").replace("}", "")  # any value: the body is judged first
    broken = send(gateway, op.method, path, GARBAGE)
    assert broken.status_code == 400
    assert error(broken)["code"] == "malformed_json"
    extra = send(gateway, op.method, path, b'{"effective_until": "2099-01-01", "x": 1}')
    assert (extra.status_code, error(extra)["code"], error(extra)["path"]) == (
        400,
        "unexpected_body",
        "effective_until",
    )
    listed = send(gateway, op.method, path, b"[1]")
    assert (listed.status_code, error(listed)["path"]) == (400, "body")


def test_ending_an_agreement_with_a_body_changes_nothing(gateway: Gateway, aws: object) -> None:
    gateway.register_platform(HUBEI)
    gateway.put_region(HUNAN)
    agreement = signed_agreement(gateway)
    queue = aws.env["CG_REEVALUATION_QUEUE_URL"]  # type: ignore[attr-defined]
    sqs_event(aws.sqs, queue, "cn-northwest-1")  # type: ignore[attr-defined]
    path = f"/v1/agreements/{agreement['agreement_id']}"

    refused = send(gateway, "DELETE", path, b'{"effective_until": "2099-01-01"}')

    assert refused.status_code == 400
    assert error(refused) | {"message": ""} == {
        "code": "unexpected_body",
        "path": "effective_until",
        "message": "",
    }
    [stored] = gateway.client.http.get("/v1/agreements").json_body["agreements"]
    assert stored == agreement  # not ended, not revised
    assert sqs_event(aws.sqs, queue, "cn-northwest-1")["Records"] == []  # type: ignore[attr-defined]
    assert end_agreement(gateway, agreement["agreement_id"]).status_code == 200  # no body: ends


def test_an_empty_object_is_no_body(gateway: Gateway) -> None:
    signer = gateway.register_platform(HUBEI)
    path = f"/v1/regions/{HUBEI}/keys/{signer.key_id}"
    assert send(gateway, "DELETE", path, GARBAGE).status_code == 400
    keys = gateway.client.http.get(f"/v1/regions/{HUBEI}/keys", headers=OPERATOR).json_body
    assert [k["valid_until"] for k in keys["keys"]] == [None]  # not revoked
    assert send(gateway, "DELETE", path, b"{}").status_code == 200


def test_a_subscription_survives_a_delete_or_verify_with_a_body(
    gateway: Gateway, receiver: Receiver
) -> None:
    gateway.put_region(HUBEI)
    created = gateway.subscribe_as_operator(region=HUBEI, url=receiver.url).json_body
    path = f"/v1/subscriptions/{created['subscription_id']}"
    before = len(receiver.challenges) + len(receiver.requests)
    assert send(gateway, "POST", path + "/verify", GARBAGE).status_code == 400
    assert send(gateway, "DELETE", path, json.dumps({"hard": True}).encode()).status_code == 400
    assert len(receiver.challenges) + len(receiver.requests) == before  # no challenge sent
    kept = gateway.client.http.get(path, headers=OPERATOR)
    assert (kept.status_code, kept.json_body["state"]) == (200, created["state"])
