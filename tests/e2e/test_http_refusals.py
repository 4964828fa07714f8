"""Over real HTTP on the local stack: a path no route serves, a method a path is not served
with, a body that is not JSON — each in the gateway's error shape with its stable code, as
the deployed API answers them (``infra.gateway_responses``); and a read is never refused for
its Content-Type."""

from __future__ import annotations

import pytest
from e2e_support import as_operator

from gateway_client.push_client import http_request
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e


def refusal(
    stack: LocalStack, method: str, path: str, body: bytes | None, **headers: str
) -> tuple[int, str, str]:
    reply = http_request(method, stack.url + path, body, headers)
    error = reply.body["error"]
    return reply.status, error["code"], error["path"]


def test_requests_no_route_takes_are_refused_in_the_error_shape(stack: LocalStack) -> None:
    token = {"authorization": f"Bearer {stack.operator_token}"}
    assert refusal(stack, "GET", "/v1/nope", None) == (404, "not_found", "path")
    assert refusal(stack, "PATCH", "/v1/regions/430000", b'{"name": "x"}', **token) == (
        405,
        "method_not_allowed",
        "method",
    )
    text = {**token, "content-type": "text/plain"}
    assert refusal(stack, "PUT", "/v1/regions/430000", b'{"name": "x"}', **text) == (
        415,
        "unsupported_media_type",
        "content-type",
    )
    regions = as_operator(stack, "GET", "/v1/regions").body["regions"]
    assert "430000" not in [r["code"] for r in regions]  # neither refusal wrote it
    keys = http_request("GET", stack.url + "/v1/keys", None, {"content-type": "text/plain"})
    assert keys.status == 200
