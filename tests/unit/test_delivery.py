"""Sending deliveries: sign, POST, then delivered / retrying / dead; receivers can verify."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from builders import NOW, change, gateway_signers, make_signer, subscription
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fakes import InMemoryDeliveryLog, InMemorySubscriptionStore, RecordingTransport
from standardwebhooks.webhooks import Webhook

from gateway.delivery.judging import DEFAULT_RETRY_SCHEDULE, Outcome
from gateway.delivery.planning import plan_deliveries, replay_record_id
from gateway.delivery.records import DeliveryState
from gateway.delivery.sending import DeliveryService
from gateway.delivery.subscription import Subscription
from gateway_client.contract.clock import FixedClock
from gateway_client.contract.errors import VerificationError
from gateway_client.contract.keys import GatewaySigners
from gateway_client.contract.signing import (
    generate_hmac_secret,
    load_public_key,
    public_key_text,
)
from gateway_client.receiver import verify_delivery

GATEWAY = gateway_signers("gateway-k1")
GATEWAY_SIGNER = GATEWAY.ed25519
SCHEDULE = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30))


def gateway_public_key() -> Ed25519PublicKey:
    return load_public_key(public_key_text(GATEWAY_SIGNER.private_key))


class Harness:
    def __init__(
        self,
        sub: Subscription | None = None,
        status: int = 200,
        now: datetime = NOW,
        signer: GatewaySigners = GATEWAY,
    ) -> None:
        self.subscription = sub or subscription("s-1")
        self.transport = RecordingTransport(status=status)
        self.log = InMemoryDeliveryLog()
        self.clock = FixedClock(now)
        self.subscriptions = InMemorySubscriptionStore(self.subscription)
        self.service = DeliveryService(
            self.subscriptions,
            self.log,
            self.transport,
            signer,
            self.clock,
            schedule=SCHEDULE,
            roll=lambda: 0.5,  # the middle of the jitter band: exactly the schedule's delay
        )
        [self.delivery] = plan_deliveries(change(), [self.subscription], [])

    def attempt(self, number: int) -> Outcome:
        """Fail-and-retry up to attempt ``number``: the log counts attempts, not the queue."""
        outcome = self.service.deliver(self.delivery, number)
        for later in range(2, number + 1):
            outcome = self.service.deliver(self.delivery, later)
        return outcome


@pytest.mark.parametrize("status", [200, 202, 204, 299])
def test_a_2xx_answer_delivers(status: int) -> None:
    h = Harness(status=status)
    outcome = h.service.deliver(h.delivery, 1)
    assert (outcome.state, h.log.state(h.delivery.delivery_id)) == (
        DeliveryState.DELIVERED,
        DeliveryState.DELIVERED,
    )


@pytest.mark.parametrize("status", [0, 301, 400, 500, 503])
def test_a_non_2xx_answer_on_the_first_attempt_retries_after_the_first_delay(status: int) -> None:
    h = Harness(status=status)
    outcome = h.service.deliver(h.delivery, 1)
    assert (outcome.state, outcome.retry_after) == (DeliveryState.RETRYING, timedelta(seconds=5))


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_each_failed_attempt_waits_the_schedules_delay(attempt: int) -> None:
    h = Harness(status=500)
    assert h.attempt(attempt).retry_after == SCHEDULE[attempt - 1]


def test_a_failed_last_attempt_is_dead() -> None:
    h = Harness(status=500)
    outcome = h.attempt(len(SCHEDULE) + 1)
    assert (outcome.state, outcome.retry_after, h.log.state(h.delivery.delivery_id)) == (
        DeliveryState.DEAD,
        None,
        DeliveryState.DEAD,
    )


def test_a_successful_last_attempt_is_delivered() -> None:
    h = Harness(status=200)
    assert h.service.deliver(h.delivery, len(SCHEDULE) + 1).state is DeliveryState.DELIVERED


def test_the_default_schedule_allows_eight_attempts() -> None:
    service = DeliveryService(
        InMemorySubscriptionStore(),
        InMemoryDeliveryLog(),
        RecordingTransport(),
        GATEWAY,
        FixedClock(NOW),
    )
    assert (service.max_attempts, DEFAULT_RETRY_SCHEDULE[0], DEFAULT_RETRY_SCHEDULE[-1]) == (
        8,
        timedelta(seconds=5),
        timedelta(hours=10),
    )


def test_an_already_delivered_delivery_is_not_posted_again() -> None:
    h = Harness(status=200)
    h.service.deliver(h.delivery, 1)
    outcome = h.service.deliver(h.delivery, 2)
    assert (outcome.state, len(h.transport.posts)) == (None, 1)


def test_a_dead_delivery_is_not_posted_again() -> None:
    h = Harness(status=500)
    h.attempt(len(SCHEDULE) + 1)
    h.service.deliver(h.delivery, len(SCHEDULE) + 2)
    assert len(h.transport.posts) == len(SCHEDULE) + 1


def test_a_retrying_delivery_is_posted_again() -> None:
    h = Harness(status=500)
    h.service.deliver(h.delivery, 1)
    h.transport.status = 200
    outcome = h.service.deliver(h.delivery, 2)
    assert (outcome.state, len(h.transport.posts)) == (DeliveryState.DELIVERED, 2)


def test_a_replay_is_attempted_on_a_record_of_its_own_and_sent_once() -> None:
    h = Harness(status=200)
    h.service.deliver(h.delivery, 1)
    replay = h.delivery.model_copy(
        update={"replay": True, "record_id": replay_record_id(h.delivery.delivery_id, "t")}
    )

    sent = h.service.deliver(replay, 1)
    duplicate = h.service.deliver(replay, 2)  # the queue's second copy of the same replay

    assert (sent.state, duplicate.state) == (DeliveryState.DELIVERED, None)
    assert [p.headers["webhook-id"] for p in h.transport.posts] == [h.delivery.delivery_id] * 2
    assert [len(h.log.attempts[k]) for k in (h.delivery.delivery_id, replay.record_key)] == [1, 1]


@pytest.mark.parametrize(
    ("batched", "as_line"), [(False, False), (True, False), (True, True)], ids=str
)
def test_a_replay_delivered_records_an_original_never_planned_unless_a_batch_holds_it(
    batched: bool, as_line: bool
) -> None:
    """An original without a record was never planned (the filters left it out until widened),
    or was a line of a batch whose file expired (review 268): recorded delivered under its
    webhook id, for feedback and statistics — unless it went as a line of a delivered batch,
    whose record holds and counts it."""
    h = Harness(status=200, sub=subscription("s-1").model_copy(update={"ever_batched": batched}))
    if as_line:
        h.log.lines_of["bat-1"] = [h.delivery.delivery_id]  # delivered in that batch
    replay = h.delivery.model_copy(
        update={
            "replay": True,
            "record_id": replay_record_id(h.delivery.delivery_id, "t"),
            "log_sequence": 5,
        }
    )

    h.service.deliver(replay, 1)

    original = h.log.progress(h.delivery.delivery_id).state
    assert original is (None if as_line else DeliveryState.DELIVERED)
    assert h.log.progress(replay.record_key).state is DeliveryState.DELIVERED


def test_a_replay_queued_before_replays_had_records_is_given_one() -> None:
    """A message of the release before (no ``record_id``): attempted on a record of its own,
    its whole schedule long, so it is not lost to its original's delivered record."""
    h = Harness(status=200)
    h.service.deliver(h.delivery, 1)
    h.transport.status = 500
    legacy = h.delivery.model_copy(update={"replay": True, "sequence": 7})
    assert "record_id" not in json.loads(legacy.model_dump_json())  # as that release wrote it

    outcomes = [h.service.deliver(legacy, n).state for n in range(1, len(SCHEDULE) + 2)]

    assert outcomes == [DeliveryState.RETRYING] * len(SCHEDULE) + [DeliveryState.DEAD]
    own = legacy.recorded_apart().record_key
    assert own == replay_record_id(h.delivery.delivery_id, "queued-as:7")
    assert (h.log.progress(own).state, len(h.log.attempts[own])) == (
        DeliveryState.DEAD,
        len(SCHEDULE) + 1,
    )
    assert h.log.progress(h.delivery.delivery_id).state is DeliveryState.DELIVERED


def test_a_replay_queued_before_whose_original_is_retrying_goes_on_as_that_original() -> None:
    """The release before wrote that replay's attempts on its original's record: they settle
    it there (on a record of its own the original would be left retrying for ever)."""
    h = Harness(status=500)
    h.service.deliver(h.delivery, 1)
    h.transport.status = 200
    legacy = h.delivery.model_copy(update={"replay": True, "sequence": 7})

    outcome = h.service.deliver(legacy, 3)

    assert outcome.state is DeliveryState.DELIVERED
    assert h.log.progress(h.delivery.delivery_id).state is DeliveryState.DELIVERED
    assert legacy.recorded_apart().record_key not in h.log.attempts


def test_a_delivery_for_a_removed_subscription_is_dropped() -> None:
    h = Harness()
    orphan = h.delivery.model_copy(update={"delivery_id": "msg_x", "subscription_id": "gone"})
    assert (h.service.deliver(orphan, 1).state, h.transport.posts) == (None, [])


def test_every_attempt_is_logged_with_its_status() -> None:
    h = Harness(status=503)
    h.service.deliver(h.delivery, 1)
    h.clock.advance(timedelta(seconds=5))
    h.service.deliver(h.delivery, 2)
    attempts = h.log.attempts[h.delivery.delivery_id]
    assert [(a.at, a.status) for a in attempts] == [(NOW, 503), (NOW + timedelta(seconds=5), 503)]


def test_an_answer_echoing_an_id_number_is_logged_with_the_number_masked() -> None:
    h = Harness(status=400)
    h.transport.excerpt = '{"error": "unknown subject 11010519491231002X"}'

    h.service.deliver(h.delivery, 1)

    [attempt] = h.log.attempts[h.delivery.delivery_id]
    assert attempt.response_excerpt == '{"error": "unknown subject 110105***********X"}'


def test_the_post_goes_to_the_subscription_url_with_the_delivery_id() -> None:
    h = Harness()
    h.service.deliver(h.delivery, 1)
    [post] = h.transport.posts
    assert (post.url, post.headers["webhook-id"]) == (h.subscription.url, h.delivery.delivery_id)


# -- what the receiver checks --


def test_a_v1a_delivery_verifies_with_the_gateways_public_key() -> None:
    h = Harness()
    h.service.deliver(h.delivery, 1)
    [post] = h.transport.posts
    payload = verify_delivery(
        post.headers, post.body, NOW, subscription_id="s-1", public_keys=[gateway_public_key()]
    )
    assert (payload.delivery_id, payload.data) == (h.delivery.delivery_id, h.delivery.change)


def test_a_v1a_delivery_names_the_gateway_key() -> None:
    h = Harness()
    h.service.deliver(h.delivery, 1)
    assert h.transport.posts[0].headers["x-credit-key-id"] == GATEWAY_SIGNER.key_id


def test_a_v1a_delivery_does_not_verify_under_another_key() -> None:
    h = Harness()
    h.service.deliver(h.delivery, 1)
    [post] = h.transport.posts
    other = load_public_key(public_key_text(make_signer("other").private_key))
    with pytest.raises(VerificationError):
        verify_delivery(post.headers, post.body, NOW, subscription_id="s-1", public_keys=[other])


def test_a_tampered_v1a_delivery_does_not_verify() -> None:
    h = Harness()
    h.service.deliver(h.delivery, 1)
    [post] = h.transport.posts
    tampered = post.body.replace(b'"black"', b'"red"')
    with pytest.raises(VerificationError):
        verify_delivery(
            post.headers, tampered, NOW, subscription_id="s-1", public_keys=[gateway_public_key()]
        )


def test_a_late_v1a_delivery_fails_the_receivers_timestamp_check() -> None:
    h = Harness()
    h.service.deliver(h.delivery, 1)
    [post] = h.transport.posts
    with pytest.raises(VerificationError):
        verify_delivery(
            post.headers,
            post.body,
            NOW + timedelta(minutes=6),
            subscription_id="s-1",
            public_keys=[gateway_public_key()],
        )


def test_a_v1_delivery_verifies_with_the_standard_webhooks_library(real_now: datetime) -> None:
    secret = generate_hmac_secret()
    h = Harness(subscription("s-1", signature_scheme="v1", secret=secret), now=real_now)
    h.service.deliver(h.delivery, 1)
    [post] = h.transport.posts
    body = Webhook(secret).verify(post.body, post.headers)
    assert body["delivery_id"] == h.delivery.delivery_id


def test_a_v1_delivery_verifies_with_the_client_sdk(real_now: datetime) -> None:
    secret = generate_hmac_secret()
    h = Harness(subscription("s-1", signature_scheme="v1", secret=secret), now=real_now)
    h.service.deliver(h.delivery, 1)
    [post] = h.transport.posts
    payload = verify_delivery(
        post.headers, post.body, real_now, subscription_id="s-1", secret=secret
    )
    assert payload.delivery_id == h.delivery.delivery_id


def test_a_v1_delivery_carries_no_ed25519_signature(real_now: datetime) -> None:
    secret = generate_hmac_secret()
    h = Harness(subscription("s-1", signature_scheme="v1", secret=secret), now=real_now)
    h.service.deliver(h.delivery, 1)
    signature = h.transport.posts[0].headers["webhook-signature"]
    assert [part.split(",")[0] for part in signature.split()] == ["v1"]


def test_the_body_is_the_standard_webhooks_envelope_of_the_change() -> None:
    h = Harness()
    h.service.deliver(h.delivery, 1)
    body = json.loads(h.transport.posts[0].body)
    assert (body["type"], body["subscription_id"], body["data"]["change_id"]) == (
        "listing.changed",
        "s-1",
        h.delivery.change.change_id,
    )


def test_a_body_whose_delivery_id_differs_from_the_header_is_refused() -> None:
    h = Harness()
    h.service.deliver(h.delivery, 1)
    [post] = h.transport.posts
    resigned = h.service.headers_for(h.subscription, "msg_other", int(NOW.timestamp()), post.body)
    with pytest.raises(VerificationError):
        verify_delivery(
            resigned, post.body, NOW, subscription_id="s-1", public_keys=[gateway_public_key()]
        )


def test_a_410_answer_disables_the_subscription_and_ends_the_delivery() -> None:
    h = Harness(status=410)

    outcome = h.service.deliver(h.delivery, 1)

    stored = h.subscriptions.get(h.subscription.subscription_id)
    assert outcome.state is DeliveryState.DEAD
    assert stored is not None
    assert (stored.enabled, stored.disabled_reason) == (False, "the endpoint answered 410 Gone")


_HELD = {
    "paused": {"paused_at": NOW},
    "disabled": {"enabled": False, "disabled_reason": "the endpoint answered 410 Gone"},
}


def _held_back(why: str, released_meanwhile: bool) -> tuple[Harness, Outcome, list[tuple]]:
    """A delivery to a subscription held back for ``why``; released while its attempt is
    recorded, if ``released_meanwhile``. The sweeps asked for, as (subscription, ids, why)."""
    harness = Harness(subscription("s-1").model_copy(update=_HELD[why]))
    swept: list[tuple] = []
    harness.service._holding._released = lambda *asked: swept.append(asked) is None
    real_record = harness.log.record

    def recorded(*args: object) -> None:
        real_record(*args)  # type: ignore[arg-type]
        if released_meanwhile:
            harness.subscriptions.put(subscription("s-1"))

    harness.log.record = recorded  # type: ignore[method-assign]
    return harness, harness.service.deliver(harness.delivery, 1), swept


@pytest.mark.parametrize("why", sorted(_HELD))
def test_a_delivery_held_back_while_released_asks_for_the_sweep_naming_itself(why: str) -> None:
    """Resume or enable sweeps once; a record written after that sweep (its subscription read
    before the release) asks for the sweep again, naming itself (the index may not list it)."""
    harness, outcome, swept = _held_back(why, released_meanwhile=True)
    assert swept == [("s-1", [harness.delivery.record_key], why)]
    assert (outcome.state, outcome.parked) == (DeliveryState.DEAD, True)  # no alarm, no count
    assert harness.transport.posts == []


@pytest.mark.parametrize("why", sorted(_HELD))
def test_a_delivery_still_held_back_is_parked_and_swept_by_nobody(why: str) -> None:
    harness, outcome, swept = _held_back(why, released_meanwhile=False)
    assert swept == []
    assert (outcome.state, outcome.parked) == (DeliveryState.DEAD, why == "paused")
    assert harness.log.state(harness.delivery.record_key) is DeliveryState.DEAD


@pytest.mark.parametrize(
    ("queued_meanwhile", "parked"),
    [(True, True), (False, False)],
    ids=["queued-by-another-sweep", "still-dead"],
)
def test_a_sweep_cut_short_alarms_only_while_what_it_held_back_is_still_dead(
    queued_meanwhile: bool, parked: bool
) -> None:
    """Cut short, the sweep may still have queued what it held back (an earlier chunk, another
    sweep): then nothing to alarm about; still dead, a dead letter (review 118 F3)."""
    harness, _, _ = _held_back("paused", released_meanwhile=True)
    key = harness.delivery.record_key

    def cut_short(*_: object) -> bool:
        if queued_meanwhile:
            harness.log._states[key] = DeliveryState.RETRYING
        return False

    harness.service._holding._released = cut_short
    harness.log._states[key] = DeliveryState.DEAD
    outcome = harness.service._holding.sweep(harness.delivery, [key], "paused", None)
    assert (outcome.state, outcome.parked) == (DeliveryState.DEAD, parked)


def test_a_held_message_that_comes_again_after_a_release_is_swept() -> None:
    """Recorded held back, its sweep never made (the invocation died): its message comes again,
    its record dead and held, and the subscription released: swept now (review 118 F1)."""
    harness, first, swept = _held_back("paused", released_meanwhile=False)
    assert (first.state, swept) == (DeliveryState.DEAD, [])
    harness.subscriptions.put(subscription("s-1"))

    again = harness.service.deliver(harness.delivery, 2)

    assert swept == [("s-1", [harness.delivery.record_key], "paused")]
    assert (again.state, again.parked) == (DeliveryState.DEAD, True)
    assert harness.transport.posts == []


def test_with_too_little_of_the_invocation_left_the_sweep_waits_for_the_message_again() -> None:
    harness, _, swept = _held_back("paused", released_meanwhile=False)
    harness.subscriptions.put(subscription("s-1"))

    outcome = harness.service.deliver(harness.delivery, 2, time_left=5.0)

    assert (outcome.state, outcome.retry_after, swept) == (
        DeliveryState.RETRYING,
        timedelta(0),
        [],
    )
