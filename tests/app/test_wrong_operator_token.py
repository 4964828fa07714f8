"""A wrong operator token is refused naming ``authorization`` (what was wrong) on every route,
also those the operator shares with platforms — not as an unsigned request at ``webhook-id``
(a header the operator never sends), nor, on a query, read as anonymous (review 177)."""

from __future__ import annotations

import pytest
from app_support import HUBEI, NATURAL_PERSON_CODE, Gateway, refusal

WRONG = "not-the-token-0123456789abc"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/subscriptions",
        "/v1/stats?region=420000&month=2026-11",
        "/v1/log",
        f"/v1/subjects/{NATURAL_PERSON_CODE}?purpose=administrative_approval",
        "/v1/objections/overdue",
    ],
)
def test_a_wrong_operator_token_is_refused_at_authorization(gateway: Gateway, path: str) -> None:
    gateway.register_platform(HUBEI)

    reply = gateway.client.http.get(path, headers=gateway.operator(WRONG))

    assert refusal(reply) == (401, "operator_credentials_required", "authorization")
