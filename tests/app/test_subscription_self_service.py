"""Self-service subscriptions through the app: a province lists, changes, pauses, resumes,
re-keys, tries and deletes its own, signing with its platform key; another region is refused
and nothing it sends changes the stored subscription or what the endpoint receives."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from app_support import CITY, HUNAN, Gateway, black_entry, error_code
from delivery_support import (
    AnsweringReceiver,
    Reply,
    as_operator,
    push_and_fan_out,
    signed,
    subscribe,
)
from delivery_support import subscription_path as path_of

from chalicelib.bootstrap import container
from gateway_client.contract import GatewayError, SignedHeaders, load_public_key, verify_hmac
from gateway_client.contract.signing import Ed25519Signer
from gateway_client.receiver import Audience


@pytest.fixture
def province(gateway: Gateway) -> Ed25519Signer:
    return gateway.register_platform(HUNAN)


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    return gateway.register_platform(CITY)


def stored(gateway: Gateway, subscription: dict[str, Any]) -> dict[str, Any]:
    response = as_operator(gateway, "get", path_of(subscription))
    assert response.status_code == 200, response.json_body
    return dict(response.json_body)


# --- listing -------------------------------------------------------------------------------


def test_a_province_lists_only_its_own_subscriptions_and_the_operator_lists_any(
    gateway, province, city, receiver
):
    ours = subscribe(gateway, receiver.url, HUNAN)
    theirs = subscribe(gateway, receiver.url, CITY)

    mine = signed(gateway, province, "GET", "/v1/subscriptions")
    everyone = as_operator(gateway, "get", "/v1/subscriptions")
    one_region = as_operator(gateway, "get", f"/v1/subscriptions?region={CITY}")

    assert [s["subscription_id"] for s in mine.json_body["subscriptions"]] == [
        ours["subscription_id"]
    ]
    assert {s["subscription_id"] for s in everyone.json_body["subscriptions"]} == {
        ours["subscription_id"],
        theirs["subscription_id"],
    }
    assert [s["region"] for s in one_region.json_body["subscriptions"]] == [CITY]


def test_a_province_cannot_list_another_regions_subscriptions(gateway, province, city, receiver):
    subscribe(gateway, receiver.url, CITY)

    foreign = signed(gateway, province, "GET", f"/v1/subscriptions?region={CITY}")
    malformed = as_operator(gateway, "get", "/v1/subscriptions?region=43")

    assert (foreign.status_code, error_code(foreign)) == (403, "region_mismatch")
    assert foreign.json_body["error"]["path"] == "region"
    assert (malformed.status_code, error_code(malformed)) == (400, "invalid_schema")


def test_a_listed_subscription_never_shows_a_secret(gateway, province, receiver):
    subscribe(gateway, receiver.url, HUNAN, signature_scheme="v1")

    listed = signed(gateway, province, "GET", "/v1/subscriptions").json_body["subscriptions"]

    assert "secret" not in listed[0]
    assert "whsec_" not in json.dumps(listed)


# --- changing ------------------------------------------------------------------------------


def test_the_owner_changes_filters_retries_and_description_and_only_those(
    gateway, province, receiver
):
    created = subscribe(gateway, receiver.url, HUNAN, retry_schedule_seconds=[5, 60])
    changes = {
        "filters": {"kinds": ["black"]},
        "recognised_only": True,
        "retry_schedule_seconds": None,
        "description": "湖南省信用平台",
    }

    response = signed(gateway, province, "PATCH", path_of(created), changes)

    assert response.status_code == 200, response.json_body
    assert response.json_body["redriven"] == 0
    after = stored(gateway, created)
    assert after["filters"]["kinds"] == ["black"]
    assert after["recognised_only"] is True
    assert after["retry_schedule_seconds"] is None  # back to the default schedule
    assert after["description"] == "湖南省信用平台"
    untouched = {"url", "state", "signature_scheme", "region", "created_at", "log_start"}
    assert {k: after[k] for k in untouched} == {k: created[k] for k in untouched}
    assert receiver.challenges[1:] == []  # the same URL is not challenged again


MALFORMED_CHANGES = [
    ({}, "invalid_schema", None),
    ({"signature_scheme": "v1"}, "invalid_schema", "signature_scheme"),
    ({"region": CITY}, "invalid_schema", "region"),
    ({"url": None}, "invalid_schema", None),
    ({"retry_schedule_seconds": [-1]}, "invalid_schema", "retry_schedule_seconds.0"),
    ({"url": "https://10.0.0.8/hook"}, "invalid_webhook_url", "url"),
    ({"url": "ftp://credit.example.cn/hook"}, "invalid_webhook_url", "url"),
]


def test_a_malformed_change_is_refused_and_nothing_changes(gateway, province):
    gateway.configure(stage="prod", identity_key="a-deployment-identity-secret")
    created = subscribe(gateway, "https://credit.hunan.example.cn/hooks", HUNAN)

    for body, code, field in MALFORMED_CHANGES:
        response = signed(gateway, province, "PATCH", path_of(created), body)

        assert (response.status_code, error_code(response)) == (400, code), body
        error = response.json_body["error"]
        if field is not None:
            assert error.get("path") == field, body
    assert stored(gateway, created) == {k: v for k, v in created.items() if k != "secret"}


def test_another_region_cannot_change_a_subscription(gateway, province, city, receiver, hook):
    created = subscribe(gateway, receiver.url, HUNAN)

    response = signed(gateway, city, "PATCH", path_of(created), {"url": hook.url})

    assert (response.status_code, error_code(response)) == (403, "region_mismatch")
    assert stored(gateway, created)["url"] == receiver.url
    assert hook.challenges == []
    assert hook.requests == []


def test_a_replayed_change_is_refused(gateway, province, receiver):
    created = subscribe(gateway, receiver.url, HUNAN)
    body = json.dumps({"description": "first"}).encode()
    first = gateway.send_signed("PATCH", path_of(created), province, body, "req-change-1")
    body = json.dumps({"description": "second"}).encode()

    again = gateway.send_signed("PATCH", path_of(created), province, body, "req-change-1")

    assert first.status_code == 200
    assert (again.status_code, error_code(again)) == (409, "request_replayed")
    assert stored(gateway, created)["description"] == "first"


def test_a_new_url_is_challenged_and_gets_nothing_until_it_answers(
    gateway, stream, queue, province, receiver
):
    created = subscribe(gateway, receiver.url, HUNAN)
    silent = AnsweringReceiver(reply=Reply(404), answers_challenge=False)
    silent.start()
    try:
        moved = signed(gateway, province, "PATCH", path_of(created), {"url": silent.url})
        push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])
        queue.run()

        assert moved.json_body["subscription"]["state"] == "pending"
        assert [json.loads(r.body)["type"] for r in silent.requests] == [
            "subscription.verification"
        ]
        assert receiver.requests == []  # the old URL gets nothing either
        silent.answers_challenge, silent.reply = True, Reply(204)
        verified = signed(gateway, province, "POST", path_of(created, "/verify"))
        queue.run()
    finally:
        silent.stop()

    assert verified.json_body["subscription"]["state"] == "verified"
    assert verified.json_body["redriven"] == 1
    [delivery] = silent.requests[1:]
    assert json.loads(delivery.body)["subscription_id"] == created["subscription_id"]


# --- deleting ------------------------------------------------------------------------------


def test_the_owner_deletes_a_subscription_and_its_queued_deliveries_are_not_sent(
    gateway, stream, queue, province, receiver
):
    created = subscribe(gateway, receiver.url, HUNAN)
    push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])

    deleted = signed(gateway, province, "DELETE", path_of(created))
    outcome = queue.run()

    assert deleted.json_body == {"deleted": created["subscription_id"]}
    assert outcome == {"batchItemFailures": []}
    assert receiver.requests == []
    gone = as_operator(gateway, "get", path_of(created))
    assert (gone.status_code, error_code(gone)) == (404, "not_found")


def test_another_region_cannot_delete_a_subscription(gateway, province, city, receiver):
    created = subscribe(gateway, receiver.url, HUNAN)

    response = signed(gateway, city, "DELETE", path_of(created))
    anonymous = gateway.client.http.delete(path_of(created))

    assert (response.status_code, error_code(response)) == (403, "region_mismatch")
    assert anonymous.status_code == 401
    assert stored(gateway, created)["subscription_id"] == created["subscription_id"]


# --- pausing -------------------------------------------------------------------------------


def test_a_paused_subscription_parks_its_deliveries_and_resuming_sends_them(
    gateway, stream, queue, province, receiver
):
    created = subscribe(gateway, receiver.url, HUNAN)

    paused = signed(gateway, province, "POST", path_of(created, "/pause"))
    push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])
    queue.run()

    assert paused.json_body["subscription"]["paused_at"] is not None
    assert receiver.requests == []
    assert queue.dead_letters() == []  # parked by choice: nothing for the dead-letter alarm
    resumed = signed(gateway, province, "POST", path_of(created, "/resume"))
    queue.run()

    assert resumed.json_body["subscription"]["paused_at"] is None
    assert resumed.json_body["redriven"] == 1
    [delivery] = receiver.requests
    assert (
        json.loads(delivery.body)["data"]["listing"]["credit_code"]
        == (black_entry()["credit_code"])
    )


def test_another_region_cannot_pause_or_resume(gateway, province, city, receiver):
    created = subscribe(gateway, receiver.url, HUNAN)

    paused = signed(gateway, city, "POST", path_of(created, "/pause"))
    as_operator(gateway, "post", path_of(created, "/pause"))
    resumed = signed(gateway, city, "POST", path_of(created, "/resume"))

    assert (paused.status_code, resumed.status_code) == (403, 403)
    assert stored(gateway, created)["paused_at"] is not None  # the operator's pause stands


# --- rotating the secret -------------------------------------------------------------------


def _signatures(received: Any) -> list[str]:
    return str(received.headers["webhook-signature"]).split()


def _verifies(received: Any, secret: str) -> bool:
    try:
        verify_hmac(SignedHeaders.from_headers(received.headers), received.body, secret)
    except GatewayError:
        return False
    return True


def test_a_rotated_secret_signs_beside_the_old_one_for_the_overlap(gateway, province, receiver):
    created = subscribe(gateway, receiver.url, HUNAN, signature_scheme="v1")

    rotated = signed(
        gateway, province, "POST", path_of(created, "/rotate-secret"), {"overlap_seconds": 3600}
    )
    tried = signed(gateway, province, "POST", path_of(created, "/test"))

    assert rotated.status_code == 200, rotated.json_body
    new_secret = rotated.json_body["secret"]
    assert new_secret.startswith("whsec_")
    assert new_secret != created["secret"]
    assert rotated.json_body["previous_secret_until"] is not None
    assert tried.json_body["delivered"] is True
    [test_event] = receiver.requests
    assert len(_signatures(test_event)) == 2
    assert _verifies(test_event, new_secret)
    assert _verifies(test_event, created["secret"])
    shown = json.dumps(stored(gateway, created))
    assert new_secret not in shown
    assert created["secret"] not in shown


def test_a_rotation_without_overlap_retires_the_old_secret_at_once(gateway, province, receiver):
    created = subscribe(gateway, receiver.url, HUNAN, signature_scheme="v1")

    rotated = signed(
        gateway, province, "POST", path_of(created, "/rotate-secret"), {"overlap_seconds": 0}
    )
    signed(gateway, province, "POST", path_of(created, "/test"))

    [test_event] = receiver.requests
    assert len(_signatures(test_event)) == 1
    assert _verifies(test_event, rotated.json_body["secret"])
    assert not _verifies(test_event, created["secret"])


def test_a_v1a_subscription_has_no_secret_to_rotate(gateway, province, receiver):
    created = subscribe(gateway, receiver.url, HUNAN)

    response = signed(gateway, province, "POST", path_of(created, "/rotate-secret"))

    assert (response.status_code, error_code(response)) == (409, "no_secret_to_rotate")


def test_another_region_cannot_rotate_and_the_secret_stays(gateway, province, city, receiver):
    created = subscribe(gateway, receiver.url, HUNAN, signature_scheme="v1")

    response = signed(gateway, city, "POST", path_of(created, "/rotate-secret"))
    too_long = signed(
        gateway, province, "POST", path_of(created, "/rotate-secret"), {"overlap_seconds": 10**9}
    )
    signed(gateway, province, "POST", path_of(created, "/test"))

    assert (response.status_code, error_code(response)) == (403, "region_mismatch")
    assert (too_long.status_code, error_code(too_long)) == (400, "invalid_schema")
    [test_event] = receiver.requests
    assert _signatures(test_event)
    assert _verifies(test_event, created["secret"])
    assert len(_signatures(test_event)) == 1


# --- the test event ------------------------------------------------------------------------


def test_a_test_event_reaches_the_endpoint_signed_and_addressed(gateway, province, receiver):
    created = subscribe(gateway, receiver.url, HUNAN)

    response = signed(gateway, province, "POST", path_of(created, "/test"))

    assert response.status_code == 200, response.json_body
    assert response.json_body["delivered"] is True
    assert response.json_body["attempt"]["status"] == 204
    [event] = receiver.requests
    audience = Audience(created["subscription_id"], HUNAN, (load_public_key(gateway.public_key),))
    notice = audience.notice(event.headers, event.body, datetime.now(UTC))
    assert notice.type == "subscription.test"
    assert notice.notice_id == response.json_body["notice"]["notice_id"]
    deliveries = as_operator(gateway, "get", path_of(created, "/deliveries")).json_body
    assert deliveries["deliveries"] == []  # not a delivery: never recorded or retried


def test_a_test_event_reports_a_failing_endpoint(gateway, province, hook):
    created = subscribe(gateway, hook.url, HUNAN)
    hook.answer(503, "维护中")

    response = signed(gateway, province, "POST", path_of(created, "/test"))

    assert response.json_body["delivered"] is False
    assert response.json_body["attempt"]["status"] == 503
    assert response.json_body["attempt"]["response_excerpt"] == "维护中"


def test_a_test_event_is_refused_to_an_unverified_endpoint_and_another_region(
    gateway, province, city
):
    created = subscribe(gateway, "http://127.0.0.1:9/hook", HUNAN)

    pending = signed(gateway, province, "POST", path_of(created, "/test"))
    foreign = signed(gateway, city, "POST", path_of(created, "/test"))

    assert (pending.status_code, error_code(pending)) == (409, "subscription_pending")
    assert (foreign.status_code, error_code(foreign)) == (403, "region_mismatch")


def test_an_action_that_takes_no_options_refuses_a_body_and_changes_nothing(
    gateway, province, receiver
):
    created = subscribe(gateway, receiver.url, HUNAN)

    answers = [
        signed(gateway, province, "POST", path_of(created, action), body)
        for action in ("/pause", "/resume", "/test")
        for body in ({"paused": True}, [])
    ]

    assert {(a.status_code, error_code(a)) for a in answers} == {(400, "invalid_schema")}
    assert stored(gateway, created)["paused_at"] is None
    assert receiver.requests == []


@pytest.mark.parametrize("stopped", ["paused", "disabled"])
def test_a_replay_while_paused_or_disabled_is_refused_and_queues_nothing(
    gateway, stream, queue, province, receiver, stopped
):
    """A 202 would promise what waits for resume or enable: ask again once sending."""
    created = subscribe(gateway, receiver.url, HUNAN)
    push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])
    queue.run()
    if stopped == "paused":
        signed(gateway, province, "POST", path_of(created, "/pause"))
    else:
        held = container().subscriptions.get(created["subscription_id"])
        assert held is not None
        off = held.model_copy(update={"enabled": False, "disabled_reason": "endpoint gone"})
        container().subscriptions.put(off)

    replay = signed(gateway, province, "POST", path_of(created, "/replay"), {"from_sequence": 1})
    queue.run()

    assert (replay.status_code, error_code(replay)) == (409, f"subscription_{stopped}")
    assert replay.json_body["error"]["path"] == "subscription_id"
    assert queue.dead_letters() == []
    assert len(receiver.requests) == 1
    restart = "/resume" if stopped == "paused" else "/enable"
    assert signed(gateway, province, "POST", path_of(created, restart)).status_code == 200
    again = signed(gateway, province, "POST", path_of(created, "/replay"), {"from_sequence": 1})
    queue.run()
    assert (again.status_code, again.json_body["queued"]) == (202, 1)
    assert len(receiver.requests) == 2
