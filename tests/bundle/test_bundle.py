"""The packaged bundle runs on its own: ``out/deployment.zip`` unpacked into an empty directory,
run by a virtualenv holding only the runtime's boto3, drives a signed push through the API
handler, the stream record it produced through fan-out, and the queued delivery through the
delivery handler, against the moto server, to a receiver whose delivery verifies."""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from app_support import (
    CITY,
    HUNAN,
    OPERATOR_TOKEN,
    Receiver,
    StreamReader,
    black_entry,
    new_batch_id,
    push_body,
    sqs_event,
)
from bundle_support import Lambda, clean_venv, fresh_package, handlers, unpack

from gateway_client.contract.signing import (
    generate_signing_key,
    load_private_key,
    load_public_key,
    public_key_text,
)
from gateway_client.contract.sm2 import Sm2PrivateKey
from gateway_client.contract.sm2_signing import Sm2Signer
from gateway_client.push_client import signed_headers
from gateway_client.receiver import verify_delivery
from infra.local.provision import Provisioner

pytestmark = pytest.mark.bundle
REGION = "cn-northwest-1"


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310
    urllib.request.urlopen(reset, timeout=10).close()  # noqa: S310 - our loopback server
    yield endpoint
    server.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    endpoint.start()
    yield endpoint
    endpoint.stop()


def proxy_event(
    method: str, resource: str, params: dict[str, str], headers: dict[str, str], body: bytes
) -> dict[str, Any]:
    """An API Gateway (REST, proxy integration) event as Lambda hands it to ``app.app``."""
    path = resource.format(**params)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/api{path}",
            "stage": "api",
            "requestId": new_batch_id(),
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def operator_event(method: str, resource: str, params: dict[str, str], body: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {OPERATOR_TOKEN}", "Content-Type": "application/json"}
    return proxy_event(method, resource, params, headers, json.dumps(body).encode())


def test_the_packaged_handlers_run_a_push_to_a_verified_delivery(
    tmp_path: Path, moto_endpoint: str, receiver: Receiver
) -> None:
    bundle = fresh_package()
    task_root = unpack(bundle, tmp_path / "task")
    python = clean_venv()
    session = boto3.session.Session(
        aws_access_key_id="bundle", aws_secret_access_key="bundle", region_name=REGION
    )
    client = lambda service: session.client(service, endpoint_url=moto_endpoint)  # noqa: E731
    env = Provisioner(client("dynamodb"), client("sqs"), client("s3"), "cg-bundle").provision()
    gateway_key = generate_signing_key()
    settings = {
        **env,
        "CG_STAGE": "local",  # the only stage that may name a non-AWS endpoint: moto's
        "CG_AWS_ENDPOINT_URL": moto_endpoint,
        "CG_AWS_REGION": REGION,
        "CG_SIGNING_KEY": gateway_key,
        "CG_SIGNING_KEY_ID": "gw-bundle-1",
        "CG_OPERATOR_TOKEN": OPERATOR_TOKEN,
        "AWS_ACCESS_KEY_ID": "bundle",
        "AWS_SECRET_ACCESS_KEY": "bundle",
        "AWS_DEFAULT_REGION": REGION,
    }
    run = Lambda(python, task_root, settings)
    functions = handlers()
    # The city signs with SM2 (v1sm2): the bundle must carry gmalg and OpenSSL's SM3.
    platform = Sm2Signer("k-bundle-city", Sm2PrivateKey.generate())
    batch_id = new_batch_id()
    body = push_body(CITY, batch_id, [black_entry()])
    push_headers = {
        **signed_headers(platform, batch_id, body, datetime.now(UTC)),
        "Content-Type": "application/json",
    }
    platform_key = {
        "key_id": platform.key_id,
        "algorithm": "sm2",
        "public_key": platform.private_key.public_key.text(),
    }

    replies = run.invoke(
        functions["APIHandler"],
        [
            operator_event("PUT", "/v1/regions/{code}", {"code": CITY}, {"name": "七台河市"}),
            operator_event("PUT", "/v1/regions/{code}", {"code": HUNAN}, {"name": "湖南省"}),
            operator_event("POST", "/v1/regions/{code}/keys", {"code": CITY}, platform_key),
            operator_event("POST", "/v1/subscriptions", {}, {"region": HUNAN, "url": receiver.url}),
            proxy_event("POST", "/v1/pushes", {}, push_headers, body),
        ],
    )

    assert [reply["statusCode"] for reply in replies] == [200, 200, 201, 201, 200], replies
    subscription = json.loads(replies[3]["body"])
    assert json.loads(replies[4]["body"])["accepted"] == 1
    assert len(receiver.challenges) == 1  # the subscription's URL verification was answered
    stream = StreamReader(client("dynamodbstreams"), env["CG_LISTINGS_STREAM_ARN"], REGION)
    change = stream.event()
    assert [record["eventName"] for record in change["Records"]] == ["INSERT"]

    assert run.invoke(functions["FanOutChanges"], [change]) == [None]

    queued = sqs_event(client("sqs"), env["CG_DELIVERY_QUEUE_URL"], REGION)
    assert len(queued["Records"]) == 1
    assert run.invoke(functions["DeliverWebhooks"], [queued]) == [{"batchItemFailures": []}]

    [delivered] = receiver.requests
    payload = verify_delivery(
        delivered.headers,
        delivered.body,
        datetime.now(UTC),
        subscription_id=subscription["subscription_id"],
        region=HUNAN,
        public_keys=[load_public_key(public_key_text(load_private_key(gateway_key)))],
        secret=subscription.get("secret"),
    )
    assert payload.data.listing.credit_code == black_entry()["credit_code"]
    assert payload.data.type == "listed"
    assert payload.subscriber_region == HUNAN
    assert run.isolation == {
        "moto": False,
        "chalice.cli": False,
        "chalice.local": False,
        "chalice.test": False,
        "pytest": False,
        "infra": False,
        "app_from_bundle": True,
        "gateway_from_bundle": True,
        "chalicelib_from_bundle": True,
        "chalice_from_bundle": True,  # chalice package vendors only chalice/app.py
        "pydantic_from_bundle": True,
        "gmalg_from_bundle": True,
        "boto3_from_bundle": False,  # the runtime's
    }
