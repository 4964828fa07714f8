"""The request around the body's fields: a body where the route takes none, a Content-Type the
route does not read, a method the path is not served with. Each is a 4xx in the gateway's error
shape, with a stable ``code`` and the offending part in ``path``, and nothing changes."""

from __future__ import annotations

import gzip
import json

import pytest
from app_support import (
    CREDIT_CODE,
    HUBEI,
    HUNAN,
    Gateway,
    Receiver,
    black_entry,
    consume,
    end_agreement,
    new_batch_id,
    platform_headers,
    push_body,
    signed_agreement,
    sqs_event,
)
from chalice.local import LambdaContext
from shape_support import OPERATOR, error, send, stored

import app as gateway_app
from chalicelib.openapi import OPERATIONS

GARBAGE = b'{"this is": [not json'
TEXT = {"Content-Type": "text/plain"}


# --- a body on a route that takes none -------------------------------------------------------

BODILESS = [op for op in OPERATIONS if op.body is None]


@pytest.mark.parametrize("op", BODILESS, ids=lambda op: f"{op.method} {op.path}")
def test_every_route_without_a_body_refuses_one_before_it_acts(
    gateway: Gateway, aws: object, op
) -> None:
    path = op.path.replace("{", "").replace("}", "")  # any value: the body is judged first
    items = stored(aws)
    broken = send(gateway, op.method, path, GARBAGE)
    assert broken.status_code == 400
    assert error(broken)["code"] == "malformed_json"
    extra = send(gateway, op.method, path, b'{"effective_until": "2099-01-01", "x": 1}')
    assert (extra.status_code, error(extra)["code"], error(extra)["path"]) == (
        400,
        "unexpected_body",
        "effective_until",
    )
    listed = send(gateway, op.method, path, b"[1]")
    assert (listed.status_code, error(listed)["path"]) == (400, "body")
    assert stored(aws) == items


def test_ending_an_agreement_with_a_body_changes_nothing(gateway: Gateway, aws: object) -> None:
    gateway.register_platform(HUBEI)
    gateway.put_region(HUNAN)
    agreement = signed_agreement(gateway)
    queue = aws.env["CG_REEVALUATION_QUEUE_URL"]  # type: ignore[attr-defined]
    consume(aws.sqs, queue, sqs_event(aws.sqs, queue, "cn-northwest-1"))  # type: ignore[attr-defined]
    path = f"/v1/agreements/{agreement['agreement_id']}"

    refused = send(gateway, "DELETE", path, b'{"effective_until": "2099-01-01"}')

    assert refused.status_code == 400
    assert error(refused) | {"message": ""} == {
        "code": "unexpected_body",
        "path": "effective_until",
        "message": "",
    }
    [stored] = gateway.client.http.get("/v1/agreements").json_body["agreements"]
    assert stored == agreement  # not ended, not revised
    assert sqs_event(aws.sqs, queue, "cn-northwest-1")["Records"] == []  # type: ignore[attr-defined]
    assert end_agreement(gateway, agreement["agreement_id"]).status_code == 200  # no body: ends


def test_an_empty_object_is_no_body(gateway: Gateway) -> None:
    signer = gateway.register_platform(HUBEI)
    path = f"/v1/regions/{HUBEI}/keys/{signer.key_id}"
    assert send(gateway, "DELETE", path, GARBAGE).status_code == 400
    keys = gateway.client.http.get(f"/v1/regions/{HUBEI}/keys", headers=OPERATOR).json_body
    assert [k["valid_until"] for k in keys["keys"]] == [None]  # not revoked
    assert send(gateway, "DELETE", path, b"{}").status_code == 200


def test_a_subscription_survives_a_delete_or_verify_with_a_body(
    gateway: Gateway, receiver: Receiver
) -> None:
    gateway.put_region(HUBEI)
    created = gateway.subscribe_as_operator(region=HUBEI, url=receiver.url).json_body
    path = f"/v1/subscriptions/{created['subscription_id']}"
    before = len(receiver.challenges) + len(receiver.requests)
    assert send(gateway, "POST", path + "/verify", GARBAGE).status_code == 400
    assert send(gateway, "DELETE", path, json.dumps({"hard": True}).encode()).status_code == 400
    assert len(receiver.challenges) + len(receiver.requests) == before  # no challenge sent
    kept = gateway.client.http.get(path, headers=OPERATOR)
    assert (kept.status_code, kept.json_body["state"]) == (200, created["state"])


# --- the media type, the method --------------------------------------------------------------

NOT_JSON = (
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "multipart/form-data; boundary=x",
    "application/json; charset=latin-1",
    "application/json; charset = iso-8859-1",
    "application/json;CHARSET= utf-16",
    "application/json; charset",
)


@pytest.mark.parametrize("media", NOT_JSON)
def test_a_push_not_sent_as_json_is_refused_and_stores_nothing(gateway: Gateway, media) -> None:
    signer = gateway.register_platform(HUBEI)
    batch_id = new_batch_id()
    body = push_body(HUBEI, batch_id, [black_entry()])
    headers = platform_headers(signer, "POST", "/v1/pushes", body, batch_id)
    headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}

    refused = gateway.client.http.post(
        "/v1/pushes", headers={**headers, "Content-Type": media}, body=body
    )

    assert refused.status_code == 415
    assert (error(refused)["code"], error(refused)["path"]) == (
        "unsupported_media_type",
        "content-type",
    )
    assert gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}").status_code == 404  # none
    again = gateway.push(signer, HUBEI, [black_entry()], batch_id)  # the id was not used up
    assert (again.status_code, again.json_body["accepted"]) == (200, 1)


def test_a_region_sent_as_text_is_not_written(gateway: Gateway) -> None:
    refused = send(gateway, "PUT", f"/v1/regions/{HUNAN}", b'{"name": "x"}', **TEXT)
    assert (refused.status_code, error(refused)["code"]) == (415, "unsupported_media_type")
    regions = gateway.client.http.get("/v1/regions", headers=OPERATOR).json_body["regions"]
    assert HUNAN not in [r["code"] for r in regions]
    utf8 = {"Content-Type": "application/json; charset=UTF-8"}
    assert send(gateway, "PUT", f"/v1/regions/{HUNAN}", b'{"name": "x"}', **utf8).status_code == 200


@pytest.mark.parametrize("charset", ["utf-8", "UTF8", ' "utf-8" ', "utf-8 "])
def test_utf8_is_read_however_the_charset_is_spelt(gateway: Gateway, charset: str) -> None:
    media = {"Content-Type": f"application/json; charset ={charset}"}
    reply = send(gateway, "PUT", f"/v1/regions/{HUNAN}", '{"name": "湖南省"}'.encode(), **media)
    assert (reply.status_code, reply.json_body["name"]) == (200, "湖南省")


@pytest.mark.parametrize("compress", [True, False], ids=["gzip body", "plain body"])
def test_a_body_in_a_content_coding_is_refused_and_not_written(
    gateway: Gateway, compress: bool
) -> None:
    raw = '{"name": "湖南省"}'.encode()
    body = gzip.compress(raw) if compress else raw
    refused = send(gateway, "PUT", f"/v1/regions/{HUNAN}", body, **{"Content-Encoding": "gzip"})
    assert (refused.status_code, error(refused)["code"], error(refused)["path"]) == (
        415,
        "unsupported_media_type",
        "content-encoding",
    )
    regions = gateway.client.http.get("/v1/regions", headers=OPERATOR).json_body["regions"]
    assert HUNAN not in [r["code"] for r in regions]
    plain = send(gateway, "PUT", f"/v1/regions/{HUNAN}", raw, **{"Content-Encoding": "identity"})
    assert plain.status_code == 200


def test_a_body_in_a_content_coding_on_a_route_without_one_is_told_its_coding(
    gateway: Gateway,
) -> None:
    coded = send(
        gateway, "GET", "/v1/regions", gzip.compress(b"{}"), **{"Content-Encoding": "gzip"}
    )
    assert (coded.status_code, error(coded)["code"], error(coded)["path"]) == (
        415,
        "unsupported_media_type",
        "content-encoding",
    )


@pytest.mark.parametrize(
    "body",
    [
        "!!!notbase64",
        "湖南",
        '{"name": "湖南省"}',
        "eyJuYW1lIjogIua5luWNl+ecgSJ9!!",
        "{eyJuYW1lIjogIua5luWNl+ecgSJ9}",
    ],
)
def test_a_body_marked_base64_that_is_not_is_malformed_and_not_written(
    gateway: Gateway, body: str
) -> None:
    """A hand-made event (API Gateway's are always well formed): 400, not a 500 (review 331)."""
    route = "/v1/regions/{code}"
    event = {
        "resource": route,
        "path": f"/v1/regions/{HUNAN}",
        "httpMethod": "PUT",
        "requestContext": {"httpMethod": "PUT", "resourcePath": route, "stage": "api"},
        "headers": {k.lower(): v for k, v in OPERATOR.items()},
        "pathParameters": {"code": HUNAN},
        "multiValueQueryStringParameters": None,
        "stageVariables": None,
        "body": body,
        "isBase64Encoded": True,
    }

    reply = gateway_app.app(event, LambdaContext("api_handler", 256))

    assert reply["statusCode"] == 400
    assert json.loads(reply["body"])["error"] | {"message": ""} == {
        "code": "malformed_json",
        "path": "body",
        "message": "",
    }
    regions = gateway.client.http.get("/v1/regions", headers=OPERATOR).json_body["regions"]
    assert HUNAN not in [r["code"] for r in regions]


def test_a_read_is_never_refused_for_its_content_type(gateway: Gateway) -> None:
    for media in (*NOT_JSON, "image/png"):
        keys = gateway.client.http.get("/v1/keys", headers={"Content-Type": media})
        assert keys.status_code == 200
        assert keys.json_body["keys"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("PATCH", f"/v1/regions/{HUBEI}", "PUT"), ("HEAD", "/v1/keys", "GET")],
)
def test_a_method_the_path_is_not_served_with_changes_nothing(
    gateway: Gateway, method: str, path: str, allowed: str
) -> None:
    gateway.put_region(HUBEI, name="湖北省")
    refused = send(gateway, method, path, b'{"name": "x"}')
    assert refused.status_code == 405
    assert error(refused) | {"message": ""} == {
        "code": "method_not_allowed",
        "path": "method",
        "allowed": [allowed],
        "message": "",
    }
    assert refused.headers["Allow"] == allowed
    regions = gateway.client.http.get("/v1/regions", headers=OPERATOR).json_body["regions"]
    assert [r["name"] for r in regions if r["code"] == HUBEI] == ["湖北省"]
