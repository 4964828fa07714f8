"""An owner's change while a delivery attempt or a URL challenge is out is never undone by it.

An attempt may take 15 s and a challenge 5 s; their notes (failing since, disabled, verified)
are applied to the subscription as stored when they end, not to the copy they started from.
Each race is staged by an endpoint that, while answering, has the owner act through the API.
And resuming re-sends only what the pause parked: exhausted dead letters stay the operator's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from app_support import HUNAN, Gateway, Received, black_entry, challenge_echo, error_code
from delivery_support import (
    AnsweringReceiver,
    Reply,
    as_operator,
    push_and_fan_out,
    signed,
    subscribe,
)
from delivery_support import subscription_path as path_of

from chalicelib import bootstrap
from gateway.delivery.retry_policy import EndpointHealth
from gateway_client.contract import GatewayError, SignedHeaders, verify_hmac
from gateway_client.contract.signing import Ed25519Signer


@pytest.fixture
def province(gateway: Gateway) -> Ed25519Signer:
    return gateway.register_platform(HUNAN)


@pytest.fixture
def hooks() -> Iterator[tuple[AnsweringReceiver, AnsweringReceiver]]:
    first, second = AnsweringReceiver(), AnsweringReceiver()
    first.start()
    second.start()
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()


def stored(gateway: Gateway, subscription: dict[str, Any]) -> tuple[int, Any]:
    reply = as_operator(gateway, "get", path_of(subscription))
    return reply.status_code, reply.json_body


def failing_while(hook: AnsweringReceiver, act: Callable[[], Any]) -> list[Any]:
    """The endpoint answers 503 to its first delivery, after the owner ``act``s meanwhile."""
    done: list[Any] = []

    def reply(received: Received) -> Reply:
        if not done:
            done.append(act())
        return Reply(503)

    hook.reply = reply
    return done


def deliver_once(gateway: Gateway, stream: Any, queue: Any, province: Ed25519Signer) -> None:
    push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])
    queue.run()


def test_a_pause_during_a_failing_attempt_stands(gateway, stream, queue, province, hooks):
    created = subscribe(gateway, hooks[0].url, HUNAN)
    done = failing_while(
        hooks[0], lambda: signed(gateway, province, "POST", path_of(created, "/pause"))
    )

    deliver_once(gateway, stream, queue, province)

    assert done[0].status_code == 200
    after = stored(gateway, created)[1]
    assert after["paused_at"] is not None
    assert after["failing_since"] is not None  # and the failure is noted too


def test_a_url_change_during_a_failing_attempt_stands_and_the_failure_is_the_old_urls(
    gateway, stream, queue, province, hooks
):
    old, new = hooks
    created = subscribe(gateway, old.url, HUNAN)
    failing_while(
        old, lambda: signed(gateway, province, "PATCH", path_of(created), {"url": new.url})
    )

    deliver_once(gateway, stream, queue, province)

    after = stored(gateway, created)[1]
    assert (after["url"], after["state"]) == (new.url, "verified")
    assert after["failing_since"] is None


def test_a_delete_during_a_failing_attempt_is_not_undone(gateway, stream, queue, province, hooks):
    created = subscribe(gateway, hooks[0].url, HUNAN)
    failing_while(hooks[0], lambda: signed(gateway, province, "DELETE", path_of(created)))

    deliver_once(gateway, stream, queue, province)

    assert stored(gateway, created)[0] == 404


def test_a_rotation_during_a_failing_attempt_keeps_the_new_secret(
    gateway, stream, queue, province, hooks
):
    hook = hooks[0]
    created = subscribe(gateway, hook.url, HUNAN, signature_scheme="v1")
    body = {"overlap_seconds": 0}
    done = failing_while(
        hook, lambda: signed(gateway, province, "POST", path_of(created, "/rotate-secret"), body)
    )
    deliver_once(gateway, stream, queue, province)
    hook.reply, hook.requests[:] = Reply(204), []

    signed(gateway, province, "POST", path_of(created, "/test"))

    [event] = hook.requests
    checked = SignedHeaders.from_headers(event.headers)
    verify_hmac(checked, event.body, done[0].json_body["secret"])
    with pytest.raises(GatewayError):
        verify_hmac(checked, event.body, created["secret"])


@pytest.mark.parametrize("action", ["delete", "pause"])
def test_a_delete_or_pause_during_a_url_challenge_is_not_undone(gateway, province, hooks, action):
    old, new = hooks
    created = subscribe(gateway, old.url, HUNAN)
    new.answers_challenge = False
    during: list[int] = []

    def reply(received: Received) -> Reply:
        echo = challenge_echo(received.body)
        if echo is None:
            return Reply(204)
        if action == "delete":
            during.append(signed(gateway, province, "DELETE", path_of(created)).status_code)
        else:
            during.append(signed(gateway, province, "POST", path_of(created, "/pause")).status_code)
        return Reply(200, echo.decode())

    new.reply = reply

    signed(gateway, province, "PATCH", path_of(created), {"url": new.url})

    assert during == [200]
    status, after = stored(gateway, created)
    if action == "delete":
        assert status == 404
    else:
        assert (after["paused_at"] is not None, after["state"]) == (True, "verified")


def test_resuming_sends_what_the_pause_parked_and_never_exhausted_dead_letters(
    gateway, stream, queue, province, hooks
):
    hook = hooks[0]
    created = subscribe(gateway, hook.url, HUNAN, retry_schedule_seconds=[0])
    hook.reply = Reply(503)
    deliver_once(gateway, stream, queue, province)
    queue.run()  # the second and last attempt: dead
    hook.reply = Reply(204)
    refused = signed(gateway, province, "POST", path_of(created, "/redrive"), {})
    signed(gateway, province, "POST", path_of(created, "/pause"))
    push_and_fan_out(
        gateway, stream, province, HUNAN, [black_entry(decision_number="(2025)粤执2号")]
    )
    queue.run()
    sent_before = len(hook.requests)

    resumed = signed(gateway, province, "POST", path_of(created, "/resume"))
    queue.run()

    assert (refused.status_code, error_code(refused)) == (403, "operator_only")
    assert resumed.json_body["redriven"] == 1  # the parked one, not the exhausted one
    [sent] = hook.requests[sent_before:]
    assert json.loads(sent.body)["data"]["listing"]["decision_number"] == "(2025)粤执2号"


def test_a_stale_change_back_to_an_unverified_url_is_challenged_again(
    gateway, stream, queue, province, hooks, monkeypatch
):
    """A PATCH read the subscription while it was on URL A (pending: A never answers); another
    PATCH moved it to B, which verified; the first then writes ``url: A``. A is new again for
    the subscription as stored, so it is challenged, not taken as verified."""
    victim, mine = hooks
    victim.answers_challenge = False
    created = subscribe(gateway, victim.url, HUNAN)
    store = bootstrap.container().subscription_admin.subscriptions
    write = store.update
    overtaken: list[Any] = []

    def after_another_change(subscription_id: str, change: Any) -> Any:
        if not overtaken:
            overtaken.append(None)  # the other change writes through the store as it is
            monkeypatch.setattr(store, "update", write)
            body = {"url": mine.url}
            overtaken[0] = signed(gateway, province, "PATCH", path_of(created), body)
        return write(subscription_id, change)

    monkeypatch.setattr(store, "update", after_another_change)
    signed(gateway, province, "PATCH", path_of(created), {"url": victim.url, "description": "x"})
    monkeypatch.setattr(store, "update", write)
    deliver_once(gateway, stream, queue, province)

    assert overtaken[0].json_body["subscription"]["state"] == "verified"
    after = stored(gateway, created)[1]
    assert (after["url"], after["state"]) == (victim.url, "pending")
    assert [json.loads(r.body)["type"] for r in victim.requests] == [
        "subscription.verification",
        "subscription.verification",
    ]


@pytest.mark.roles_unchecked("it patches the delivery function's container mid-attempt")
def test_a_health_notice_is_not_posted_to_a_url_the_owner_moved_to_meanwhile(
    gateway, stream, queue, province, hooks, monkeypatch
):
    old, new = hooks
    new.answers_challenge = False
    created = subscribe(gateway, old.url, HUNAN)
    old.reply = Reply(503)
    service = bootstrap.container().delivery_service
    warn_at_once = EndpointHealth(warn_after=timedelta(0))  # its watch judges the endpoint
    monkeypatch.setattr(service._judge._endpoints, "_health", warn_at_once)
    deliver = service.deliver

    def then_move(delivery: Any, received: int, *rest: Any) -> Any:
        outcome = deliver(delivery, received, *rest)
        signed(gateway, province, "PATCH", path_of(created), {"url": new.url})
        return outcome

    monkeypatch.setattr(service, "deliver", then_move)
    announcer = bootstrap.container().announcer
    announced: list[Any] = []
    announce = announcer.announce
    monkeypatch.setattr(announcer, "announce", lambda c, s: [announced.append(c), announce(c, s)])
    deliver_once(gateway, stream, queue, province)

    assert [json.loads(r.body)["type"] for r in new.requests] == ["subscription.verification"]
    assert [c.notice.type for c in announced] == ["subscription.failing"]  # told no one
