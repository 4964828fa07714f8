"""Review 338: the operator token's secret holding the token with a trailing newline (a secret
put with ``--secret-string file://token.txt``; README's ``$(aws secretsmanager … --output
text)`` hands the operator the token without it) opened nothing, and the operator, sending
exactly its token, was told "the bearer token is not the operator's". The space around a
secret is not the token's."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, Gateway

from chalicelib import bootstrap

TOKEN = "generated-operator-token-0123456789abcdef"


class _Secrets:
    def get_secret_value(self, SecretId: str) -> dict[str, str]:
        return {"SecretString": TOKEN + "\n"}


def test_an_unusable_operator_secret_is_not_blamed_on_the_operator(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = bootstrap._client

    def client(settings: Any, service: str) -> Any:
        return _Secrets() if service == "secretsmanager" else real(settings, service)

    monkeypatch.setattr(bootstrap, "_client", client)
    gateway.configure(operator_token=None, operator_token_secret_arn="arn:operator")

    reply = gateway.put_region(CITY, token=TOKEN)

    said = (reply.status_code, reply.body.decode())
    # either the surrounding whitespace of a secret is not part of the token (the call works),
    # or the deployment's mistake is a 5xx, as with an inline weak token — never "your token"
    assert reply.status_code == 200 or reply.status_code >= 500, said
