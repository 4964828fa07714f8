"""Deliveries name their audience inside what is signed, and receivers check it: the gateway
signs every region's deliveries with one key, so the audience is what stops a subscription
pointed at someone else's URL from feeding them deliveries that verify."""

from __future__ import annotations

import json

import pytest
from builders import NOW, change, gateway_signers, subscription, tile_reader
from fakes import InMemoryDeliveryLog, InMemorySubscriptionStore, RecordingTransport

from gateway.delivery.health import failing
from gateway.delivery.planning import plan_deliveries
from gateway.delivery.records import DeliveryState
from gateway.delivery.sending import DeliveryService, webhook_headers
from gateway.delivery.subscription import Subscription
from gateway_client.contract.clock import FixedClock
from gateway_client.contract.errors import VerificationError
from gateway_client.contract.events import DeliveryPayload
from gateway_client.contract.notices import FAILING
from gateway_client.contract.signing import load_public_key, public_key_text
from gateway_client.log_audit import audit
from gateway_client.receiver import Audience, is_notice, verify_delivery
from infra.local.receiver import Receiver

GATEWAY = gateway_signers("gw-1")
GATEWAY_KEY = load_public_key(public_key_text(GATEWAY.ed25519.private_key))
HUNAN, GUANGDONG = "430000", "440000"
HUNAN_URL = "https://credit.hunan.example.cn/hooks/gateway"


def posted(*subs: Subscription, sent: Subscription | None = None) -> RecordingTransport:
    """Fan one change out to ``subs`` and deliver the one for ``sent`` (default: the first)."""
    transport = RecordingTransport()
    service = DeliveryService(
        InMemorySubscriptionStore(*subs),
        InMemoryDeliveryLog(),
        transport,
        GATEWAY,
        FixedClock(NOW),
    )
    target = sent or subs[0]
    [delivery] = [
        d
        for d in plan_deliveries(change(), list(subs), [])
        if d.subscription_id == target.subscription_id
    ]
    service.deliver(delivery, 1)
    return transport


def test_the_signed_body_names_the_subscription_and_its_region() -> None:
    hunan = subscription("sub-hunan", region=HUNAN)

    [post] = posted(hunan).posts

    body = json.loads(post.body)
    assert (body["subscription_id"], body["subscriber_region"]) == ("sub-hunan", HUNAN)


def test_a_delivery_addressed_to_the_receivers_subscription_verifies() -> None:
    hunan = subscription("sub-hunan", region=HUNAN)
    [post] = posted(hunan).posts

    payload = verify_delivery(
        post.headers,
        post.body,
        NOW,
        subscription_id="sub-hunan",
        region=HUNAN,
        public_keys=[GATEWAY_KEY],
    )

    assert (payload.subscription_id, payload.subscriber_region) == ("sub-hunan", HUNAN)


def test_another_regions_subscription_pointed_at_this_url_is_refused_by_its_verifier() -> None:
    """The attack: 广东 subscribes its own region with 湖南's URL; the gateway-signed delivery
    arrives at 湖南's endpoint, whose verifier knows its own subscription id."""
    hunan = subscription("sub-hunan", region=HUNAN, url=HUNAN_URL)
    intruder = subscription("sub-guangdong", region=GUANGDONG, url=HUNAN_URL)
    [post] = posted(hunan, intruder, sent=intruder).posts
    assert post.url == HUNAN_URL

    with pytest.raises(VerificationError, match="addressed to subscription sub-guangdong"):
        verify_delivery(
            post.headers,
            post.body,
            NOW,
            subscription_id="sub-hunan",
            region=HUNAN,
            public_keys=[GATEWAY_KEY],
        )


def test_a_delivery_for_the_right_subscription_id_but_another_region_is_refused() -> None:
    guangdong = subscription("sub-x", region=GUANGDONG)
    [post] = posted(guangdong).posts

    with pytest.raises(VerificationError, match=f"addressed to region {GUANGDONG}, not to"):
        verify_delivery(
            post.headers,
            post.body,
            NOW,
            subscription_id="sub-x",
            region=HUNAN,
            public_keys=[GATEWAY_KEY],
        )


def test_verify_delivery_requires_the_expected_subscription_id() -> None:
    [post] = posted(subscription("sub-hunan")).posts

    with pytest.raises(TypeError):
        verify_delivery(post.headers, post.body, NOW, public_keys=[GATEWAY_KEY])  # type: ignore[call-arg]


def test_nothing_is_posted_to_a_pending_subscription_and_its_delivery_is_parked_as_dead() -> None:
    pending = subscription("sub-hunan").model_copy(
        update={"state": "pending", "verification_failure": "answered 404, not 2xx"}
    )
    log = InMemoryDeliveryLog()
    transport = RecordingTransport()
    service = DeliveryService(
        InMemorySubscriptionStore(pending), log, transport, GATEWAY, FixedClock(NOW)
    )
    [delivery] = plan_deliveries(change(), [pending], [])

    outcome = service.deliver(delivery, 1)

    assert transport.posts == []
    assert (outcome.state, outcome.parked) == (DeliveryState.DEAD, True)
    [attempt] = log.attempts[delivery.delivery_id]
    assert attempt.response_excerpt == ("not sent: endpoint not verified (answered 404, not 2xx)")


def test_a_subscription_stored_before_url_verification_reads_as_verified() -> None:
    stored = subscription("sub-old").model_dump(mode="json")
    for name in ("state", "verified_at", "verification_failure"):
        stored.pop(name)

    assert Subscription.model_validate(stored).state == "verified"


def test_the_log_audit_flags_a_stored_delivery_addressed_to_someone_else() -> None:
    mine = subscription("sub-hunan", region=HUNAN)
    theirs = subscription("sub-guangdong", region=GUANGDONG)
    stored = [
        DeliveryPayload.model_validate_json(posted(sub).posts[0].body) for sub in (mine, theirs)
    ]

    report = audit(
        [],
        [],
        [],
        stored,
        lambda _entry: False,
        tile_reader({}),
        NOW,
        audience=("sub-hunan", HUNAN),
    )

    assert report.problems[0] == (
        f"delivery {stored[1].delivery_id} is addressed to sub-guangdong (440000), "
        "not to sub-hunan (430000)"
    )
    assert report.problems[1:] == (  # and nothing vouches for either: no checkpoint at all
        "no checkpoint signed by a listed gateway key (ed25519) covers the stored deliveries; "
        "skipped: []",
    )


# --- health notices: checked like deliveries, told apart by their type -------------------------


def signed_notice(about: Subscription) -> tuple[dict[str, str], bytes]:
    notice = failing(about.model_copy(update={"failing_since": NOW}), NOW, NOW).notice
    body = notice.to_bytes()
    return webhook_headers(about, GATEWAY, notice.notice_id, int(NOW.timestamp()), body), body


def test_a_notice_about_the_receivers_subscription_verifies_and_is_told_apart() -> None:
    hunan = subscription("sub-hunan", region=HUNAN)
    headers, body = signed_notice(hunan)

    notice = Audience("sub-hunan", HUNAN, (GATEWAY_KEY,)).notice(headers, body, NOW)

    assert (notice.type, notice.subscription_id, notice.failing_since) == (
        FAILING,
        "sub-hunan",
        NOW,
    )
    assert is_notice(body)
    assert not is_notice(posted(hunan).posts[0].body)


@pytest.mark.parametrize(
    ("audience", "reason"),
    [
        (Audience("sub-guangdong", GUANGDONG, (GATEWAY_KEY,)), "to subscription sub-hunan"),
        (Audience("sub-hunan", GUANGDONG, (GATEWAY_KEY,)), f"to region {HUNAN}"),
        (Audience("sub-hunan", HUNAN, ()), "no v1a signature verifies"),  # no key it trusts
    ],
)
def test_a_notice_about_another_subscription_or_unsigned_is_refused(
    audience: Audience, reason: str
) -> None:
    headers, body = signed_notice(subscription("sub-hunan", region=HUNAN))

    with pytest.raises(VerificationError, match=reason):
        audience.notice(headers, body, NOW)


def test_a_delivery_is_not_taken_for_a_notice() -> None:
    hunan = subscription("sub-hunan", region=HUNAN)
    [post] = posted(hunan).posts

    with pytest.raises(VerificationError, match="not a notice"):
        Audience("sub-hunan", HUNAN, (GATEWAY_KEY,)).notice(post.headers, post.body, NOW)


def test_the_demo_receiver_keeps_a_notice_that_verifies_and_refuses_a_forged_one() -> None:
    receiver = Receiver("湖南", [GATEWAY_KEY], None, HUNAN, FixedClock(NOW))
    receiver.subscription_id = "sub-hunan"
    headers, body = signed_notice(subscription("sub-hunan", region=HUNAN))

    assert receiver.note(headers, body) == 204
    assert receiver.note(headers, body.replace(b"430000", b"440000")) == 401
    assert [n.subscription_id for n in receiver.notices] == ["sub-hunan"]
    assert receiver.received == []
