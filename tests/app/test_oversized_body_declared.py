"""Every route answers a body over Lambda's 6 MB with 413 ``payload_too_large``
(``routing._view``; on AWS, API Gateway's own REQUEST_TOO_LARGE with the same code:
``infra.gateway_responses``), and the OpenAPI document declares it on every operation: it
declared it only for pushes and checks, so a client generated from the contract had no case for
the answer it got (review 384)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import HUBEI, OPERATOR_TOKEN

from chalicelib.openapi import build_document

BIG = b'{"name": "' + b"x" * (6 * 1024 * 1024 + 1) + b'"}'
METHODS = ("get", "put", "post", "delete", "patch")


def declared_413(template: str, method: str) -> list[str]:
    responses = build_document()["paths"][template][method]["responses"]
    if "413" not in responses:
        return []
    schema = responses["413"]["content"]["application/json"]["schema"]["allOf"][1]
    return list(schema["properties"]["error"]["properties"]["code"]["enum"])


@pytest.mark.parametrize(
    ("method", "template", "path"),
    [
        ("PUT", "/v1/regions/{code}", f"/v1/regions/{HUBEI}"),
        ("POST", "/v1/agreements", "/v1/agreements"),
        ("POST", "/v1/subscriptions", "/v1/subscriptions"),
        ("GET", "/v1/regions", "/v1/regions"),
    ],
)
def test_an_oversized_body_is_answered_as_the_contract_declares(
    gateway: Any, method: str, template: str, path: str
) -> None:
    headers = {"Authorization": f"Bearer {OPERATOR_TOKEN}", "Content-Type": "application/json"}
    reply = gateway.client.http.request(method, path, headers=headers, body=BIG)

    assert reply.status_code == 413
    assert json.loads(reply.body)["error"]["code"] in declared_413(template, method.lower())


def test_every_operation_declares_the_oversized_body() -> None:
    paths = build_document()["paths"]
    missing = [
        (method, template)
        for template, item in paths.items()
        for method in METHODS
        if method in item and "payload_too_large" not in declared_413(template, method)
    ]
    assert missing == []
