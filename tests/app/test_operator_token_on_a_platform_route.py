"""Review 338: the operator's own, correct token on a platform-only route that authenticates
through ``caller.signed_region`` (POST /v1/feedback) was answered "the bearer token is not the
operator's" at ``authorization``; it is told to sign, as the route needs."""

from __future__ import annotations

import json

from app_support import HUBEI, Gateway, refusal


def test_the_operators_right_token_is_not_called_wrong(gateway: Gateway) -> None:
    gateway.register_platform(HUBEI)
    body = json.dumps({"delivery_id": "d" * 20, "measures": []}).encode()

    reply = gateway.client.http.post("/v1/feedback", headers=gateway.operator(), body=body)

    status, code, path = refusal(reply)
    message = reply.json_body["error"]["message"]
    # the token IS the operator's: refusing it is right, telling the operator it is wrong is not
    assert "not the operator's" not in message, (status, code, path, message)
