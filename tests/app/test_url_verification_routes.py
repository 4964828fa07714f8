"""URL verification through the app: a new subscription is ``pending`` until its endpoint
echoes the signed challenge; nothing reaches a pending endpoint; verifying later (the owner or
the operator) delivers what it missed; replays wait for verification."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from app_support import CITY, HUNAN, Gateway, black_entry, error_code
from delivery_support import (
    AnsweringReceiver,
    Reply,
    as_operator,
    as_platform,
    push_and_fan_out,
    subscribe,
)

from gateway_client.contract.signing import Ed25519Signer, load_public_key
from gateway_client.receiver import verify_challenge, verify_delivery

REFUSED = Reply(404, "no such hook")


@pytest.fixture
def hook() -> Iterator[AnsweringReceiver]:
    """An endpoint that does not answer challenges (404 to everything) until told to."""
    server = AnsweringReceiver(reply=REFUSED, answers_challenge=False)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    signer = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    return signer


def shown(gateway: Gateway, subscription_id: str) -> dict[str, Any]:
    response = as_operator(gateway, "get", f"/v1/subscriptions/{subscription_id}")
    assert response.status_code == 200, response.json_body
    return dict(response.json_body)


def verify_path(subscription: dict[str, Any]) -> str:
    return f"/v1/subscriptions/{subscription['subscription_id']}/verify"


def test_an_endpoint_that_echoes_the_signed_challenge_is_verified_at_creation(
    gateway, city, receiver
):
    created = subscribe(gateway, receiver.url)

    assert (created["state"], created["verification_failure"]) == ("verified", None)
    assert created["verified_at"] is not None
    assert receiver.requests == []
    [challenge] = receiver.challenges
    event = verify_challenge(
        challenge.headers,
        challenge.body,
        datetime.now(UTC),
        region=HUNAN,
        public_keys=[load_public_key(gateway.public_key)],
    )
    assert event.subscription_id == created["subscription_id"]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(200, json.dumps({"challenge": "not-the-one"})), "answered other than exactly"),
        (REFUSED, "answered 404, not 2xx"),
    ],
    ids=["wrong echo", "non-2xx"],
)
def test_an_endpoint_without_the_right_echo_stays_pending_with_the_reason_on_get(
    gateway, city, hook, reply, reason
):
    hook.reply = reply

    created = subscribe(gateway, hook.url)

    assert created["state"] == "pending"
    view = shown(gateway, created["subscription_id"])
    assert view["state"] == "pending"
    assert view["verification_failure"].startswith(reason)


def test_an_endpoint_nobody_listens_on_stays_pending(gateway, city):
    created = subscribe(gateway, "http://127.0.0.1:9/hook")

    assert created["state"] == "pending"
    assert shown(gateway, created["subscription_id"])["verification_failure"].startswith(
        "no answer"
    )


def test_nothing_reaches_a_pending_endpoint_its_deliveries_are_parked_as_dead(
    gateway, stream, queue, hook, city
):
    created = subscribe(gateway, hook.url)
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])

    assert queue.run() == {"batchItemFailures": []}

    assert len(hook.requests) == 1  # the challenge it refused, nothing since
    assert json.loads(hook.requests[0].body)["type"] == "subscription.verification"
    dead = as_operator(
        gateway, "get", f"/v1/subscriptions/{created['subscription_id']}/deliveries?state=dead"
    ).json_body["deliveries"]
    assert [a["response_excerpt"] for d in dead for a in d["attempts"]] == [
        "not sent: endpoint not verified (answered 404, not 2xx)"
    ]
    assert queue.dead_letters() == []  # parked, not exhausted: no dead-letter alarm


def test_verifying_as_the_owner_delivers_what_the_pending_endpoint_missed(
    gateway, aws, stream, queue, hook, city
):
    created = subscribe(gateway, hook.url)
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    queue.run()
    hook.answers_challenge, hook.reply = True, Reply(204)
    owner = gateway.register_platform(HUNAN)

    response = as_platform(gateway, owner, "post", verify_path(created))

    assert response.status_code == 200, response.json_body
    assert response.json_body["subscription"]["state"] == "verified"
    assert response.json_body["redriven"] == 1
    queue.run()
    [delivery] = hook.requests[1:]
    payload = verify_delivery(
        delivery.headers,
        delivery.body,
        datetime.now(UTC),
        subscription_id=created["subscription_id"],
        region=HUNAN,
        public_keys=[load_public_key(gateway.public_key)],
    )
    assert payload.data.listing.credit_code == black_entry()["credit_code"]


def test_the_operator_may_verify_and_a_failed_retry_keeps_it_pending(gateway, city, hook):
    created = subscribe(gateway, hook.url)

    response = as_operator(gateway, "post", verify_path(created))

    assert response.status_code == 200
    assert response.json_body["subscription"]["state"] == "pending"
    assert response.json_body["redriven"] == 0
    assert len(hook.requests) == 2  # the creation's challenge and this one


def test_another_region_cannot_verify_a_subscription_and_nothing_changes(gateway, city, hook):
    created = subscribe(gateway, hook.url)
    hook.answers_challenge = True

    response = as_platform(gateway, city, "post", verify_path(created))

    assert (response.status_code, error_code(response)) == (403, "region_mismatch")
    assert shown(gateway, created["subscription_id"])["state"] == "pending"
    assert hook.challenges == []


def test_verifying_without_credentials_is_unauthorised(gateway, city, hook):
    created = subscribe(gateway, hook.url)

    response = gateway.client.http.post(verify_path(created), body=b"")

    assert response.status_code == 401
    assert shown(gateway, created["subscription_id"])["state"] == "pending"


def test_a_replay_to_a_pending_subscription_is_refused(gateway, city, hook):
    created = subscribe(gateway, hook.url)
    body = json.dumps({"from_sequence": 1}).encode()

    response = as_operator(
        gateway, "post", f"/v1/subscriptions/{created['subscription_id']}/replay", body
    )

    assert (response.status_code, error_code(response)) == (409, "subscription_pending")


def test_each_v1_subscription_has_its_own_secret_shown_only_at_creation(gateway, city, receiver):
    first = subscribe(gateway, receiver.url, signature_scheme="v1")
    second = subscribe(gateway, receiver.url, signature_scheme="v1")

    assert first["secret"].startswith("whsec_")
    assert first["secret"] != second["secret"]
    assert (first["state"], second["state"]) == ("verified", "verified")
    assert "secret" not in shown(gateway, first["subscription_id"])
