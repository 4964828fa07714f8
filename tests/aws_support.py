"""The real resource definitions provisioned inside in-process moto, with fake credentials so
nothing can reach a real account: the ``aws`` fixture, and module-scoped worlds, use this."""

from __future__ import annotations

import copy
import copyreg
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.s3.models import s3_backends
from moto.sqs.models import sqs_backends

from chalicelib import aws_clients, bootstrap
from infra.local.provision import Provisioner

AWS_REGION = "cn-northwest-1"
_S3_PARTITION = "aws-cn"  # moto keeps S3 per partition, not per region

# moto's backends hold locks, which deepcopy cannot pickle: a copy gets fresh, unheld ones.
copyreg.pickle(type(threading.RLock()), lambda _lock: (threading.RLock, ()))
copyreg.pickle(type(threading.Lock()), lambda _lock: (threading.Lock, ()))
# A Condition keeps its lock's C methods, which deepcopy would share with the original: a new one.
copyreg.pickle(threading.Condition, lambda _condition: (threading.Condition, ()))

# Provisioning runs ~35 API calls through moto (a quarter of a second); a test gets a deep copy
# of the backends as the first provisioning in this process left them, with the same names,
# URLs and stream ARNs. Each test still starts from freshly provisioned, empty resources.
_provisioned: tuple[Any, Any, Any, dict[str, str]] | None = None

# A botocore client costs ~30 ms to make (it copies its session's event hooks and builds its
# service model), and each test made about eight: the fixture's four and the container's. Made
# once per process instead; moto's handler sits in every client made after moto's import and
# answers while a mock is active, so a client made in one test serves the next.
_clients: dict[tuple[str, str, str | None], Any] = {}


def shared_client(service: str, region: str = AWS_REGION, endpoint_url: str | None = None) -> Any:
    key = (service, region, endpoint_url)
    if key not in _clients:
        _clients[key] = boto3.client(service, region_name=region, endpoint_url=endpoint_url)  # type: ignore[call-overload]
    return _clients[key]


_app_clients: dict[tuple[str, str, str | None, int], Any] = {}


def _shared_app_client(service: str, region: str, endpoint_url: str | None, config: Any) -> Any:
    """The container's clients, made as it makes them (its retry and pool settings), once."""
    key = (service, region, endpoint_url, id(config))
    if key not in _app_clients:
        _app_clients[key] = aws_clients.aws_client(service, region, endpoint_url, config)
    return _app_clients[key]


def _restore_or_provision(dynamodb: Any, sqs: Any, s3: Any) -> dict[str, str]:
    global _provisioned
    if _provisioned is None:
        env = Provisioner(dynamodb, sqs, s3, prefix="t").provision()
        _provisioned = copy.deepcopy(
            (
                dynamodb_backends[DEFAULT_ACCOUNT_ID][AWS_REGION],
                sqs_backends[DEFAULT_ACCOUNT_ID][AWS_REGION],
                s3_backends[DEFAULT_ACCOUNT_ID][_S3_PARTITION],
                env,
            )
        )
    dyn, queues, buckets, env = copy.deepcopy(_provisioned)
    dynamodb_backends[DEFAULT_ACCOUNT_ID][AWS_REGION] = dyn
    sqs_backends[DEFAULT_ACCOUNT_ID][AWS_REGION] = queues
    s3_backends[DEFAULT_ACCOUNT_ID][_S3_PARTITION] = buckets
    return dict(env)


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
    monkeypatch.setattr(bootstrap, "aws_client", _shared_app_client)
    with mock_aws():
        dynamodb = shared_client("dynamodb")
        sqs = shared_client("sqs")
        s3 = shared_client("s3")
        streams = shared_client("dynamodbstreams")
        env = _restore_or_provision(dynamodb, sqs, s3)
        yield Aws(dynamodb=dynamodb, sqs=sqs, s3=s3, streams=streams, env=env)
