"""``gateway … --iam`` signs operator requests with SigV4 for API Gateway's IAM authorisation."""

from __future__ import annotations

import argparse

import pytest

from gateway_client.cli import operator as cli_operator
from gateway_client.push_client import Response


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "cn-northwest-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_iam_requests_carry_a_sigv4_signature_for_execute_api(aws_credentials, monkeypatch):
    sent: list[tuple[str, str, bytes | None, dict[str, str]]] = []
    monkeypatch.setattr(
        cli_operator,
        "http_request",
        lambda method, url, body, headers, timeout: (
            sent.append((method, url, body, headers)) or Response(200, {}, {})
        ),
    )
    call = cli_operator.caller_for(argparse.Namespace(iam=True, token="ignored-token"))

    call("PUT", "https://api.example.cn/api/v1/regions/230900", b'{"name": "x"}')

    [(method, url, body, headers)] = sent
    assert (method, url, body) == (
        "PUT",
        "https://api.example.cn/api/v1/regions/230900",
        b'{"name": "x"}',
    )
    authorization = headers["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/cn-northwest-1/execute-api/aws4_request" in authorization
    assert "Bearer" not in str(headers)


def test_without_iam_the_operator_token_is_sent(monkeypatch):
    sent: list[tuple[dict[str, str], float]] = []
    monkeypatch.setattr(
        cli_operator,
        "http_request",
        lambda method, url, body, headers, timeout: (
            sent.append((headers, timeout)) or Response(200, {}, {})
        ),
    )

    operator = cli_operator.caller_for(argparse.Namespace(iam=False, token="tok-123", timeout=2.5))
    operator("GET", "http://127.0.0.1/v1/tick")

    assert sent == [({"authorization": "Bearer tok-123"}, 2.5)]
