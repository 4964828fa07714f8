"""A wrong operator token is refused naming ``authorization`` (what was wrong) on every route,
also those the operator shares with platforms — not as an unsigned request at ``webhook-id``
(a header the operator never sends), nor, on a query, read as anonymous (review 177)."""

from __future__ import annotations

import json

import pytest
from app_support import (
    CITY,
    CREDIT_CODE,
    HUBEI,
    NATURAL_PERSON_CODE,
    OPERATOR_TOKEN,
    Gateway,
    black_entry,
    refusal,
)

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


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/console/sessions", {}),  # what the console's sign-in form sends
        ("/v1/subscriptions", {"region": HUBEI, "url": "https://example.org/hook"}),
    ],
)
def test_a_wrong_operator_token_on_a_route_shared_with_platforms_is_refused_at_authorization(
    gateway: Gateway, path: str, body: dict[str, str]
) -> None:
    """Not told to sign (401 at ``webhook-id``): review 335."""
    gateway.register_platform(HUBEI)
    raw = json.dumps(body).encode()

    reply = gateway.client.http.post(path, headers=gateway.operator(WRONG), body=raw)

    assert refusal(reply) == (401, "operator_credentials_required", "authorization")
    assert (
        gateway.client.http.get("/v1/subscriptions", headers=gateway.operator()).json_body[
            "subscriptions"
        ]
        == []
    )


@pytest.mark.parametrize(
    "authorization",
    [f"bearer {OPERATOR_TOKEN}", f"BEARER {OPERATOR_TOKEN}", f" Bearer  {OPERATOR_TOKEN} "],
)
def test_the_bearer_scheme_is_read_in_any_case_and_spacing(
    gateway: Gateway, authorization: str
) -> None:
    """The operator's token under another spelling of its scheme (RFC 9110: a token of any
    case, then spaces) is the operator's, not an anonymous query's (review 331)."""
    city = gateway.register_platform(CITY)
    assert gateway.push(city, CITY, [black_entry()]).json_body["accepted"] == 1
    path = f"/v1/subjects/{CREDIT_CODE}"
    as_operator = gateway.client.http.get(path, headers=gateway.operator())

    spelled = gateway.client.http.get(path, headers={"Authorization": authorization})

    assert (spelled.status_code, spelled.json_body) == (200, as_operator.json_body)
    wrong = authorization.replace(OPERATOR_TOKEN, WRONG)
    refused = gateway.client.http.get(path, headers={"Authorization": wrong})
    assert refusal(refused) == (401, "operator_credentials_required", "authorization")
