"""Every JSON answer carries a policy that loads nothing and lets no one frame it, so an error
on the console's own paths is as locked down as the console (review 151: a 404 for an unknown
console file and a 405 on the page came with no Content-Security-Policy)."""

from __future__ import annotations

import pytest
from app_support import Gateway


def _policy(reply: object) -> dict[str, str]:
    text = reply.headers.get("Content-Security-Policy", "")  # type: ignore[attr-defined]
    return dict(p.strip().split(" ", 1) for p in text.split(";") if p.strip())


@pytest.mark.parametrize(("method", "path"), [("GET", "/console/nope.js"), ("POST", "/console")])
def test_an_error_on_the_console_s_paths_carries_a_strict_policy(
    gateway: Gateway, method: str, path: str
) -> None:
    reply = gateway.client.http.request(method, path, headers={}, body=b"")

    assert reply.status_code in (404, 405), path
    policy = _policy(reply)
    assert (policy.get("default-src"), policy.get("frame-ancestors")) == ("'none'", "'none'")


def test_the_console_page_keeps_its_own_policy(gateway: Gateway) -> None:
    policy = _policy(gateway.client.http.get("/console"))

    assert (policy.get("script-src"), policy.get("connect-src")) == ("'self'", "'self'")
