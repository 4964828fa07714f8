"""What the console reads about deliveries: a subscription's deliveries by time and count, and
one delivery's signed request as a re-send would post it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from app_support import (
    CITY,
    HUNAN,
    NATURAL_PERSON_CODE,
    OTHER_CREDIT_CODE,
    Gateway,
    StreamReader,
    black_entry,
)
from app_support import error_code as code_of
from delivery_support import (
    AnsweringReceiver,
    DeliveryQueue,
    as_operator,
    as_platform,
    push_and_fan_out,
    subscribe,
)


@pytest.fixture
def world(
    gateway: Gateway, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> dict[str, Any]:
    """Two changes delivered to 湖南, one after the other; 黑龙江's city pushed them."""
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    sub = subscribe(gateway, hook.url, region=HUNAN)
    for entry in (black_entry(), black_entry(credit_code=OTHER_CREDIT_CODE)):
        push_and_fan_out(gateway, stream, city, CITY, [entry])
        queue.run()
    path = f"/v1/subscriptions/{sub['subscription_id']}/deliveries"
    listed = as_operator(gateway, "get", path).json_body["deliveries"]
    assert len(listed) == 2
    return {"city": city, "hunan": hunan, "path": path, "deliveries": listed, "hook": hook}


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.json_body
    return [d["delivery_id"] for d in response.json_body["deliveries"]]


def test_since_until_and_limit_narrow_the_list(gateway: Gateway, world: dict[str, Any]) -> None:
    newest, oldest = world["deliveries"]
    assert newest["listed_at"] > oldest["listed_at"]  # their place in the list (queued)
    assert newest["updated_at"] >= newest["listed_at"]  # delivered after it was queued
    path = world["path"]
    since = quote(newest["listed_at"], safe="")
    until = quote(oldest["listed_at"], safe="")
    assert _ids(as_operator(gateway, "get", f"{path}?since={since}")) == [newest["delivery_id"]]
    assert _ids(as_operator(gateway, "get", f"{path}?until={until}")) == [oldest["delivery_id"]]
    both = f"{path}?since={until}&until={since}&state=delivered"
    assert len(_ids(as_operator(gateway, "get", both))) == 2
    assert _ids(as_operator(gateway, "get", f"{path}?limit=1")) == [newest["delivery_id"]]
    in_beijing = quote("2000-01-01T08:00:00+08:00", safe="")
    assert len(_ids(as_operator(gateway, "get", f"{path}?since={in_beijing}"))) == 2
    assert _ids(as_operator(gateway, "get", f"{path}?until={in_beijing}")) == []


def test_the_subscriber_filters_its_own_and_another_region_is_refused(
    gateway: Gateway, world: dict[str, Any]
) -> None:
    query = f"{world['path']}?limit=1&since=2000-01-01T00%3A00%3A00%2B08%3A00"
    assert len(_ids(as_platform(gateway, world["hunan"], "GET", query))) == 1
    refused = as_platform(gateway, world["city"], "GET", query)
    assert refused.status_code == 403
    assert "deliveries" not in refused.json_body
    assert gateway.client.http.get(query).status_code == 401


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("since=yesterday", "since"),
        ("since=2026-12-02T10%3A00%3A00", "since"),  # no offset
        ("until=2026-12-02", "until"),
        ("since=2026-12-02T10%3A00%3A00Z&until=2026-12-02T09%3A00%3A00Z", "until"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=" + "9" * 4301, "limit"),  # past int()'s digit limit: still a 400
        ("after=not-a-cursor", "after"),
        ("after=" + "e" * 5000, "after"),
        ("after=eyJhdCI6MX0", "after"),  # {"at":1}
    ],
)
def test_a_malformed_filter_is_a_client_error(
    gateway: Gateway, world: dict[str, Any], query: str, path: str
) -> None:
    response = as_operator(gateway, "get", f"{world['path']}?{query}")
    assert response.status_code == 400, response.json_body
    assert code_of(response) == "invalid_schema"
    assert response.json_body["error"]["path"] == path


def test_next_walks_the_list_one_at_a_time_to_its_end(
    gateway: Gateway, world: dict[str, Any]
) -> None:
    walked, after = [], ""
    while True:
        response = as_operator(gateway, "get", f"{world['path']}?limit=1{after}")
        walked += _ids(response)
        following = response.json_body["next"]
        if following is None:
            break
        after = f"&after={quote(following, safe='')}"
    assert walked == [d["delivery_id"] for d in world["deliveries"]]


def _body_path(world: dict[str, Any], index: int = 0) -> str:
    return f"/v1/deliveries/{world['deliveries'][index]['delivery_id']}/body"


def test_the_signed_body_is_what_the_subscriber_was_posted(
    gateway: Gateway, world: dict[str, Any]
) -> None:
    delivery_id = world["deliveries"][0]["delivery_id"]
    response = as_operator(gateway, "get", _body_path(world))
    assert response.status_code == 200, response.json_body
    reply = response.json_body
    posted = next(r for r in world["hook"].requests if r.headers["webhook-id"] == delivery_id)
    assert reply["delivery_id"] == delivery_id
    assert reply["body"] == json.loads(posted.body)
    assert reply["headers"]["webhook-id"] == delivery_id
    assert reply["headers"]["content-type"] == "application/json"
    for name in ("webhook-timestamp", "webhook-signature"):  # as posted: no fresh signature
        assert reply["headers"][name] == posted.headers[name]
    assert reply["signed_at"]


def test_the_body_masks_resident_ids_even_where_the_subscriber_saw_them(
    gateway: Gateway, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    """The owner's province sees its city's natural person in full; the body view never does,
    nor the signature over the unmasked body (with v1a's public key, checking it against each
    candidate number would give the masked digits back)."""
    city = gateway.register_platform(CITY)
    gateway.put_region("230000", "黑龙江省")
    subscribe(gateway, hook.url, region="230000", signature_scheme="v1a")
    person = black_entry(credit_code=NATURAL_PERSON_CODE, subject_name="张某")
    push_and_fan_out(gateway, stream, city, CITY, [person])
    queue.run()
    posted = hook.requests[-1]
    assert NATURAL_PERSON_CODE in posted.body.decode()
    assert json.loads(posted.body)["data"]["listing"]["id_salt"]

    reply = as_operator(gateway, "get", f"/v1/deliveries/{posted.headers['webhook-id']}/body")

    assert reply.status_code == 200, reply.json_body
    assert NATURAL_PERSON_CODE not in json.dumps(reply.json_body)
    assert reply.json_body["body"]["data"]["listing"]["credit_code"].startswith("110105")
    assert "id_salt" not in json.dumps(reply.json_body)  # with the commitment, a key to the IDs
    assert "webhook-signature" not in reply.json_body["headers"]
    assert reply.json_body["headers"]["webhook-timestamp"] == posted.headers["webhook-timestamp"]


def test_the_subscriber_reads_its_body_and_nobody_else_does(
    gateway: Gateway, world: dict[str, Any]
) -> None:
    own = as_platform(gateway, world["hunan"], "GET", _body_path(world, 1))
    assert own.status_code == 200, own.json_body
    assert own.json_body["body"]["data"]["listing"]["credit_code"]
    refused = as_platform(gateway, world["city"], "GET", _body_path(world, 1))
    assert refused.status_code == 403
    assert code_of(refused) == "region_mismatch"
    assert "body" not in refused.json_body
    assert gateway.client.http.get(_body_path(world, 1)).status_code == 401


@pytest.mark.parametrize("delivery_id", ["msg_" + "0" * 32, "not-a-delivery"])
def test_an_unknown_delivery_has_no_body(
    gateway: Gateway, world: dict[str, Any], delivery_id: str
) -> None:
    response = as_operator(gateway, "get", f"/v1/deliveries/{delivery_id}/body")
    assert response.status_code == 404
    assert response.json_body["error"]["path"] == "delivery_id"
