"""The real resource definitions provisioned inside in-process moto, with fake credentials so
nothing can reach a real account: the ``aws`` fixture, and module-scoped worlds, use this."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local.provision import Provisioner

AWS_REGION = "cn-northwest-1"


@dataclass(frozen=True)
class Aws:
    dynamodb: Any
    sqs: Any
    s3: Any
    streams: Any
    env: dict[str, str]


@contextmanager
def provisioned_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "CG_AWS_ENDPOINT_URL", "CG_MAX_BODY_BYTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", AWS_REGION)
    # Without this, current botocore routes DynamoDB Streams where in-process moto answers 404.
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=AWS_REGION)
        sqs = boto3.client("sqs", region_name=AWS_REGION)
        s3 = boto3.client("s3", region_name=AWS_REGION)
        streams = boto3.client("dynamodbstreams", region_name=AWS_REGION)
        env = Provisioner(dynamodb, sqs, s3, prefix="t").provision()
        yield Aws(dynamodb=dynamodb, sqs=sqs, s3=s3, streams=streams, env=env)
