"""URL verification: a signed challenge, and only the right echo verifies an endpoint; the
receiver's side answers only challenges for its own region."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from builders import NOW, gateway_signers, make_signer, subscription
from standardwebhooks.webhooks import Webhook

from gateway.delivery.records import HttpResponse
from gateway.delivery.subscription import Subscription
from gateway.delivery.url_verification import VERIFY_TIMEOUT_SECONDS, UrlVerifier
from gateway_client.contract.clock import FixedClock
from gateway_client.contract.errors import VerificationError
from gateway_client.contract.keys import key_set
from gateway_client.contract.notices import VerificationEvent
from gateway_client.contract.signing import generate_hmac_secret, load_public_key, public_key_text
from gateway_client.receiver import is_verification, verify_challenge

GATEWAY = gateway_signers("gw-1")
GATEWAY_KEY = load_public_key(public_key_text(GATEWAY.ed25519.private_key))
HUNAN = "430000"

Answer = Callable[[VerificationEvent], HttpResponse]


def echo(event: VerificationEvent) -> HttpResponse:
    return HttpResponse(status=200, body_excerpt=event.answer().decode(), elapsed_ms=3)


@dataclass
class Endpoint:
    """A scripted endpoint: answers each challenge with ``answer``, records what it got."""

    answer: Answer = echo
    posts: list[tuple[dict[str, str], bytes, float]] = field(default_factory=list)

    def post(self, url: str, headers: dict[str, str], body: bytes, timeout: float) -> HttpResponse:
        self.posts.append((headers, body, timeout))
        return self.answer(VerificationEvent.model_validate_json(body))


def pending(sub: Subscription | None = None) -> Subscription:
    return (sub or subscription("sub-hunan", region=HUNAN)).model_copy(update={"state": "pending"})


def verify_with(answer: Answer, sub: Subscription | None = None) -> tuple[Subscription, Endpoint]:
    endpoint = Endpoint(answer)
    checked = UrlVerifier(endpoint, GATEWAY, FixedClock(NOW)).verify(pending(sub))
    return checked, endpoint


def test_an_endpoint_that_echoes_the_challenge_is_verified() -> None:
    checked, _ = verify_with(echo)

    assert (checked.state, checked.verified_at, checked.verification_failure) == (
        "verified",
        NOW,
        None,
    )


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            lambda e: HttpResponse(200, json.dumps({"challenge": "not-it"}), 3),
            'answered other than exactly {"challenge": "…"}',
        ),
        (lambda e: HttpResponse(204, "", 3), "answered other than exactly"),
        # the whole request reflected holds the challenge too, and proves nothing (review 342)
        (lambda e: HttpResponse(200, e.model_dump_json(), 3), "answered other than exactly"),
        (lambda e: HttpResponse(0, "ConnectTimeoutError: timed out", 5000), "no answer: Connect"),
        (lambda e: HttpResponse(500, e.answer().decode(), 3), "answered 500, not 2xx"),
    ],
    ids=["wrong echo", "no body", "request reflected", "no answer", "right echo but not 2xx"],
)
def test_an_endpoint_without_the_right_2xx_echo_stays_pending_with_the_reason(
    answer: Answer, reason: str
) -> None:
    checked, _ = verify_with(answer)

    assert checked.state == "pending"
    assert checked.verification_failure is not None
    assert checked.verification_failure.startswith(reason)


def test_the_challenge_names_the_subscription_and_region_and_is_fresh_each_time() -> None:
    endpoint = Endpoint()
    verifier = UrlVerifier(endpoint, GATEWAY, FixedClock(NOW))

    verifier.verify(pending())
    verifier.verify(pending())

    events = [VerificationEvent.model_validate_json(body) for _, body, _ in endpoint.posts]
    assert {(e.type, e.subscription_id, e.subscriber_region) for e in events} == {
        ("subscription.verification", "sub-hunan", HUNAN)
    }
    assert events[0].challenge != events[1].challenge
    assert {timeout for _, _, timeout in endpoint.posts} == {VERIFY_TIMEOUT_SECONDS}
    assert VERIFY_TIMEOUT_SECONDS <= 5


def test_a_v1a_challenge_verifies_at_the_receiver_for_its_own_region() -> None:
    _, endpoint = verify_with(echo)
    [(headers, body, _)] = endpoint.posts

    event = verify_challenge(headers, body, NOW, region=HUNAN, public_keys=[GATEWAY_KEY])

    assert is_verification(body)
    assert json.loads(event.answer()) == {"challenge": event.challenge}


def test_a_receiver_refuses_a_challenge_for_another_regions_subscription() -> None:
    guangdong = subscription("sub-guangdong", region="440000")
    _, endpoint = verify_with(echo, guangdong)
    [(headers, body, _)] = endpoint.posts

    with pytest.raises(VerificationError, match="for a subscription of 440000, not 430000"):
        verify_challenge(headers, body, NOW, region=HUNAN, public_keys=[GATEWAY_KEY])


def test_a_challenge_not_signed_by_the_gateway_is_refused() -> None:
    _, endpoint = verify_with(echo)
    [(headers, body, _)] = endpoint.posts
    stranger = load_public_key(public_key_text(make_signer("other").private_key))

    with pytest.raises(VerificationError):
        verify_challenge(headers, body, NOW, region=HUNAN, public_keys=[stranger])
    with pytest.raises(VerificationError):
        verify_challenge(
            headers, body, NOW + timedelta(minutes=6), region=HUNAN, public_keys=[GATEWAY_KEY]
        )


def test_a_v1_challenge_carries_both_the_hmac_and_the_gateway_signature(real_now) -> None:
    secret = generate_hmac_secret()
    v1 = subscription("sub-hunan", region=HUNAN, signature_scheme="v1", secret=secret)
    endpoint = Endpoint()
    UrlVerifier(endpoint, GATEWAY, FixedClock(real_now)).verify(pending(v1))
    [(headers, body, _)] = endpoint.posts

    assert Webhook(secret).verify(body, headers)["subscription_id"] == "sub-hunan"
    before_secret = verify_challenge(
        headers, body, real_now, region=HUNAN, public_keys=[GATEWAY_KEY]
    )
    with_secret = verify_challenge(headers, body, real_now, region=HUNAN, secret=secret)
    assert before_secret == with_secret


def test_a_delivery_body_is_not_taken_for_a_challenge() -> None:
    body = json.dumps({"type": "listing.changed", "data": {"reason": "subscription.verification"}})

    assert not is_verification(body.encode())
    assert not is_verification(b"not json")


def test_a_v1sm2_endpoints_challenge_is_signed_with_the_gateways_sm2_key() -> None:
    checked, endpoint = verify_with(echo, subscription("sub-hunan", signature_scheme="v1sm2"))
    [(headers, body, _)] = endpoint.posts

    assert checked.state == "verified"
    assert headers["webhook-signature"].startswith("v1sm2,")
    assert headers["x-credit-key-id"] == GATEWAY.sm2.key_id  # type: ignore[union-attr]
    keys = [k for k in key_set(GATEWAY, []) if k.algorithm == "sm2"]
    assert verify_challenge(headers, body, NOW, region=HUNAN, public_keys=keys)
