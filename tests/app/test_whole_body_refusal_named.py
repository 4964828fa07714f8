"""A refusal of the body as a whole (a validator of the whole object: a PATCH naming nothing to
change) is placed at ``body`` in each of its errors as in the error itself, in the validator's
own words, without pydantic's "Value error, " before them (review 317)."""

from __future__ import annotations

import json

from app_support import HUNAN, Gateway

from gateway_client.contract.signing import Ed25519Signer


def test_a_patch_naming_nothing_is_refused_at_body_in_plain_words(
    gateway: Gateway, hunan: Ed25519Signer
) -> None:
    body = {"region": HUNAN, "url": "http://127.0.0.1:9/hook"}
    made = gateway.post_signed("/v1/subscriptions", hunan, None, json.dumps(body).encode())
    path = f"/v1/subscriptions/{made.json_body['subscription_id']}"

    refused = gateway.send_signed("PATCH", path, hunan, b"{}")

    assert refused.status_code == 400, refused.json_body
    error = refused.json_body["error"]
    assert error["path"] == "body"
    assert [e["path"] for e in error["errors"]] == ["body"]
    assert error["errors"][0]["message"] == "name at least one field to change"
    assert "Value error" not in json.dumps(error)
