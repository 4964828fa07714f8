"""On AWS the operator is an IAM principal: API Gateway checks SigV4 on the operator-only routes
(``make package`` builds with ``CG_OPERATOR_AUTH=iam``) and the route bodies accept the
identity API Gateway verified. Locally the same routes take the operator token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from chalicelib import caller, settings
from chalicelib.console_api import accepts_session
from chalicelib.openapi import OPERATIONS
from chalicelib.route_spec import Access

ROOT = Path(__file__).resolve().parents[2]


def iam_routes() -> set[str]:
    """The routes app.py puts behind the IAM authorizer when imported as on AWS."""
    script = (
        "import json, app\n"
        "print(json.dumps(sorted(f'{m} {p}' for p, ms in app.app.routes.items() "
        "for m, e in ms.items() if e.authorizer is not None)))"
    )
    env = {**os.environ, "CG_OPERATOR_AUTH": "iam"}
    out = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, check=True
    )
    return set(json.loads(out.stdout))


def test_exactly_the_operator_only_routes_need_iam_on_aws_but_the_consoles():
    operator_only = {f"{op.method} {op.path}" for op in OPERATIONS if op.access is Access.OPERATOR}
    console = {
        f"{op.method} {op.path}"
        for op in OPERATIONS
        if op.access is Access.OPERATOR and accepts_session(op)
    }

    assert iam_routes() == operator_only - console
    assert console == {
        "POST /v1/subscriptions/{subscription_id}/redrive",
        "GET /v1/objections/overdue",
    }


def test_locally_no_route_needs_iam():
    import app

    assert all(e.authorizer is None for ms in app.app.routes.values() for e in ms.values())


@pytest.fixture
def stage_uses(monkeypatch):
    """Sets the stage's operator authorisation, read anew (it is read once per process), and
    forgets it after the test."""

    def use(auth: str) -> None:
        monkeypatch.setenv("CG_OPERATOR_AUTH", auth)
        settings.event_sources.cache_clear()

    yield use
    settings.event_sources.cache_clear()


def request_from(identity: dict[str, str | None], headers: dict[str, str] | None = None) -> object:
    return SimpleNamespace(context={"identity": identity}, headers=headers or {})


def test_on_aws_the_principal_api_gateway_verified_is_the_operator(gateway, stage_uses):
    stage_uses("iam")
    verified = request_from({"userArn": "arn:aws-cn:sts::123456789012:assumed-role/ops/alice"})

    assert caller.is_operator(verified)  # type: ignore[arg-type]


def test_an_identity_is_ignored_unless_the_stage_uses_iam(gateway, stage_uses):
    stage_uses("token")
    claimed = request_from({"userArn": "arn:aws-cn:iam::123456789012:user/mallory"})

    assert not caller.is_operator(claimed)  # type: ignore[arg-type]


def test_on_aws_a_route_without_iam_has_no_verified_identity(gateway, stage_uses):
    stage_uses("iam")
    anonymous = request_from({"userArn": None, "sourceIp": "203.0.113.9"})

    assert not caller.is_operator(anonymous)  # type: ignore[arg-type]
