"""The Chalice app in-process (chalice.test.Client) over resources provisioned in moto."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from app_support import HUNAN, Gateway, Receiver, StreamReader, configure_app  # noqa: E402
from chalice import Chalice  # noqa: E402
from chalice.test import Client  # noqa: E402
from delivery_support import AnsweringReceiver, DeliveryQueue  # noqa: E402
from lifecycle_support import listings_stream  # noqa: E402
from role_support import roles_checked  # noqa: E402, F401
from session_support import open_session  # noqa: E402

import app as gateway_app  # noqa: E402
from chalicelib import bootstrap  # noqa: E402
from gateway_client.contract.signing import Ed25519Signer  # noqa: E402


@pytest.fixture
def gateway(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    signing_key = configure_app(monkeypatch, aws.env)
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


@pytest.fixture
def hook() -> Iterator[AnsweringReceiver]:
    """An endpoint whose answers a test scripts (204 until told otherwise)."""
    with AnsweringReceiver() as server:
        yield server


@pytest.fixture
def stream(aws: Any) -> StreamReader:
    """The listings table's stream, read as Lambda's trigger would hand it over."""
    return listings_stream(aws)


@pytest.fixture
def queue(aws: Any) -> DeliveryQueue:
    """The delivery queue (and its dead-letter queue), drained into the delivery handler."""
    return DeliveryQueue(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], aws.env["CG_DELIVERY_DLQ_URL"])


@pytest.fixture
def hunan(gateway: Gateway) -> Ed25519Signer:
    """湖南省's platform key."""
    return gateway.register_platform(HUNAN)


@pytest.fixture
def token(gateway: Gateway, hunan: Ed25519Signer) -> str:
    """A console session 湖南省's platform opened (tests/app/session_support.py)."""
    opened = open_session(gateway, hunan)
    assert opened.status_code == 201, opened.json_body
    return str(opened.json_body["token"])


@pytest.fixture(autouse=True)
def _roles(request: pytest.FixtureRequest) -> None:
    """Every app test's AWS calls are held to the deployed functions' roles, unless marked
    ``roles_unchecked`` (one that patches the container between invocations, which a cold
    container per invocation would undo, or runs one function's work inside another's)."""
    if request.node.get_closest_marker("roles_unchecked") is None:
        request.getfixturevalue("roles_checked")


@pytest.fixture
def request_per_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chalice keeps the request being handled on the app (``current_request``): in Lambda one
    at a time, but two test threads calling at once would each handle whichever request was set
    last. Kept per thread here, as chalice.local's ``LocalChalice`` keeps it for the local stack."""
    held = threading.local()

    def get(_app: Chalice) -> Any:
        return getattr(held, "request", None)

    def put(_app: Chalice, value: Any) -> None:
        held.request = value

    monkeypatch.setattr(Chalice, "current_request", property(get, put), raising=False)
