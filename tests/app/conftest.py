"""The Chalice app in-process (chalice.test.Client) over resources provisioned in moto."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from app_support import OPERATOR_TOKEN, Gateway, Receiver  # noqa: E402
from chalice.test import Client  # noqa: E402

import app as gateway_app  # noqa: E402
from chalicelib import bootstrap  # noqa: E402
from gateway.signing import generate_signing_key  # noqa: E402
from infra.local.provision import Provisioner  # noqa: E402

AWS_REGION = "cn-northwest-1"


@dataclass(frozen=True)
class Aws:
    dynamodb: Any
    sqs: Any
    s3: Any
    streams: Any
    env: dict[str, str]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "CG_AWS_ENDPOINT_URL", "CG_MAX_BODY_BYTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", AWS_REGION)
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=AWS_REGION)
        sqs = boto3.client("sqs", region_name=AWS_REGION)
        s3 = boto3.client("s3", region_name=AWS_REGION)
        streams = boto3.client("dynamodbstreams", region_name=AWS_REGION)
        env = Provisioner(dynamodb, sqs, s3, prefix="t").provision()
        yield Aws(dynamodb=dynamodb, sqs=sqs, s3=s3, streams=streams, env=env)


@pytest.fixture
def gateway(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    signing_key = generate_signing_key()
    settings = {
        **aws.env,
        "CG_STAGE": "local",
        "CG_SIGNING_KEY": signing_key,
        "CG_SIGNING_KEY_ID": "gw-test-1",
        "CG_OPERATOR_TOKEN": OPERATOR_TOKEN,
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    bootstrap.reset()
    try:
        yield Gateway(Client(gateway_app.app), monkeypatch, signing_key)
    finally:
        bootstrap.reset()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    try:
        yield server
    finally:
        server.stop()
