"""The ``v1sm2`` scheme end to end in the domain: a platform's SM2 key signs pushes and
requests under the rules ``v1a`` keeps; the gateway's SM2 key signs ``v1sm2`` subscriptions'
webhooks and checkpoints; receivers and the log audit verify them with the published keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from builders import (
    NOW,
    change,
    envelope_body,
    gateway_signers,
    make_signer,
    make_sm2_signer,
    platform_key,
    published_tiles,
    region,
    subscription,
    tile_reader,
    tree_root,
)
from fakes import (
    InMemoryDeliveryLog,
    InMemoryNonces,
    InMemoryRegistry,
    InMemorySubscriptionStore,
    RecordingTransport,
)
from pydantic import ValidationError

from gateway.authentication import authenticate, authenticate_request
from gateway.delivery.planning import payload_for, plan_deliveries, stamped
from gateway.delivery.sending import DeliveryService
from gateway.registry import PlatformKey
from gateway_client.contract import (
    DEFAULT_TOLERANCE,
    GatewaySigners,
    PublishedKey,
    RequestReplayed,
    RequestTarget,
    SignedHeaders,
    Sm2NotOffered,
    key_set,
    verify_gateway_signed,
)
from gateway_client.contract.clock import FixedClock
from gateway_client.contract.errors import InvalidSignature
from gateway_client.contract.log import (
    Checkpoint,
    checkpoint_sm2_verifies,
    log_entries,
    sign_checkpoint,
)
from gateway_client.log_audit import Algorithm, AuditReport, audit
from gateway_client.push_client import request_headers, signed_headers
from gateway_client.receiver import verify_delivery

CITY = "441800"
SM2_CITY = make_sm2_signer("city-441800-sm2")
OWN_ID = make_sm2_signer("city-441800-sm2-own", user_id="清远市信用平台")
GATEWAY = gateway_signers("gw-1")
LIST = RequestTarget.from_url("GET", "/v1/log?from=1&limit=10")


def _registry(*keys: PlatformKey) -> InMemoryRegistry:
    registry = InMemoryRegistry()
    registry.put_region(region(CITY))
    for key in (platform_key(SM2_CITY, CITY), platform_key(OWN_ID, CITY), *keys):
        registry.put_key(key)
    return registry


REGISTRY = _registry()


def push(signer=SM2_CITY, body: bytes | None = None, registry=REGISTRY):  # type: ignore[no-untyped-def]
    raw = body or envelope_body(CITY, [], "b-1", NOW)
    headers = signed_headers(signer, "b-1", raw, NOW)
    return authenticate(registry, headers, raw, NOW, DEFAULT_TOLERANCE)


def test_a_push_signed_v1sm2_authenticates_as_its_region() -> None:
    auth = push()
    assert (auth.region.code, auth.key.algorithm) == (CITY, "sm2")
    assert auth.signed.signature.startswith("v1sm2,")


def test_a_key_registered_with_its_own_user_id_verifies_only_under_it() -> None:
    assert push(OWN_ID).key.user_id == "清远市信用平台"
    default_id = make_sm2_signer(OWN_ID.key_id)
    impostor = type(OWN_ID)(OWN_ID.key_id, OWN_ID.private_key)  # same key, default user ID
    for signer in (default_id, impostor):
        with pytest.raises(InvalidSignature, match="v1sm2"):
            push(signer)


def test_a_changed_body_or_a_v1a_signature_for_an_sm2_key_does_not_verify() -> None:
    raw = envelope_body(CITY, [], "b-1", NOW)
    headers = signed_headers(SM2_CITY, "b-1", raw, NOW)
    with pytest.raises(InvalidSignature):
        authenticate(REGISTRY, headers, raw.replace(b"b-1", b"b-2"), NOW, DEFAULT_TOLERANCE)
    ed25519 = make_signer(SM2_CITY.key_id)  # an Ed25519 signature under the SM2 key's id
    with pytest.raises(InvalidSignature, match="no v1sm2 signature"):
        push(ed25519)


def test_a_request_form_signature_binds_method_path_and_query_and_is_used_once() -> None:
    nonces = InMemoryNonces()
    headers = request_headers(SM2_CITY, "GET", "/v1/log?from=1&limit=10", b"", NOW)
    auth = authenticate_request(REGISTRY, nonces, headers, LIST, b"", NOW, DEFAULT_TOLERANCE)
    assert auth.key.key_id == SM2_CITY.key_id
    with pytest.raises(RequestReplayed):
        authenticate_request(REGISTRY, nonces, headers, LIST, b"", NOW, DEFAULT_TOLERANCE)
    other = RequestTarget.from_url("GET", "/v1/log?from=2&limit=10")
    fresh = request_headers(SM2_CITY, "GET", "/v1/log?from=1&limit=10", b"", NOW)
    with pytest.raises(InvalidSignature, match="request"):
        authenticate_request(REGISTRY, nonces, fresh, other, b"", NOW, DEFAULT_TOLERANCE)


def test_an_sm2_signature_outside_the_timestamp_window_is_refused_like_v1a() -> None:
    raw = envelope_body(CITY, [], "b-1", NOW)
    late = signed_headers(SM2_CITY, "b-1", raw, NOW - DEFAULT_TOLERANCE - timedelta(seconds=1))
    with pytest.raises(Exception, match="webhook-timestamp"):
        authenticate(REGISTRY, late, raw, NOW, DEFAULT_TOLERANCE)


@pytest.mark.parametrize(
    ("fields", "wrong"),
    [
        ({"algorithm": "sm2", "public_key": "whpk_" + "A" * 43 + "="}, "public_key"),
        ({"algorithm": "ed25519", "public_key": "04" + "00" * 64}, "public_key"),
        ({"algorithm": "ed25519", "user_id": "x"}, "user_id"),
        ({"algorithm": "sm2", "user_id": ""}, "user_id"),
        ({"algorithm": "sm3"}, "algorithm"),
    ],
)
def test_a_key_registration_that_does_not_fit_its_algorithm_is_refused(fields, wrong) -> None:  # type: ignore[no-untyped-def]
    valid = platform_key(SM2_CITY, CITY).model_dump()
    if fields.get("algorithm") == "ed25519" and "public_key" not in fields:
        valid["public_key"] = platform_key(make_signer("k-1"), CITY).public_key
    with pytest.raises(ValidationError, match=wrong):
        PlatformKey.model_validate({**valid, "user_id": None, **fields})


def test_an_sm2_public_key_is_stored_in_one_spelling() -> None:
    upper = platform_key(SM2_CITY, CITY).model_dump() | {
        "public_key": SM2_CITY.private_key.public_key.text().upper()
    }
    assert PlatformKey.model_validate(upper).public_key == SM2_CITY.private_key.public_key.text()


# -- the gateway's side --


def delivered(to_scheme: str, signers: GatewaySigners = GATEWAY) -> tuple[dict[str, str], bytes]:
    transport = RecordingTransport()
    sub = subscription("sub-hunan", signature_scheme=to_scheme)
    service = DeliveryService(
        InMemorySubscriptionStore(sub), InMemoryDeliveryLog(), transport, signers, FixedClock(NOW)
    )
    [delivery] = plan_deliveries(change(), [sub], [])
    service.deliver(delivery, 1)
    [post] = transport.posts
    return post.headers, post.body


def test_a_v1sm2_subscriptions_delivery_is_signed_with_the_gateways_sm2_key() -> None:
    headers, body = delivered("v1sm2")
    assert headers["webhook-signature"].startswith("v1sm2,")
    assert headers["x-credit-key-id"] == GATEWAY.sm2.key_id  # type: ignore[union-attr]
    keys = key_set(GATEWAY, [])
    verify_delivery(headers, body, NOW, subscription_id="sub-hunan", public_keys=keys)
    sm2_only = [k for k in keys if k.algorithm == "sm2"]
    verify_delivery(headers, body, NOW, subscription_id="sub-hunan", public_keys=sm2_only)


def test_a_receiver_trusting_sm2_alone_refuses_a_v1a_delivery() -> None:
    headers, body = delivered("v1a")
    sm2_only = [k for k in key_set(GATEWAY, []) if k.algorithm == "sm2"]
    with pytest.raises(InvalidSignature):
        verify_gateway_signed(SignedHeaders.from_headers(headers), body, sm2_only, NOW)


def test_a_forged_v1sm2_signature_beside_a_valid_v1a_one_still_verifies_by_v1a() -> None:
    headers, body = delivered("v1a")
    forged = delivered("v1sm2", gateway_signers("gw-1"))[0]["webhook-signature"]
    both = {**headers, "webhook-signature": f"{forged} {headers['webhook-signature']}"}
    verify_gateway_signed(SignedHeaders.from_headers(both), body, key_set(GATEWAY, []), NOW)
    sm2_forged = {**headers, "webhook-signature": forged}
    with pytest.raises(InvalidSignature, match="v1sm2"):
        verify_gateway_signed(
            SignedHeaders.from_headers(sm2_forged), body, key_set(GATEWAY, []), NOW
        )


def test_without_sm2_signing_the_key_list_is_unchanged_and_v1sm2_cannot_be_sent() -> None:
    ed25519_only = GatewaySigners(GATEWAY.ed25519)
    assert [k.algorithm for k in key_set(ed25519_only, [])] == ["ed25519"]
    with pytest.raises(Sm2NotOffered):
        ed25519_only.for_scheme("v1sm2")


def test_a_published_sm2_key_lists_its_user_id_and_a_previous_one_counts_while_valid() -> None:
    previous = PublishedKey(
        key_id="gw-0.sm2",
        algorithm="sm2",
        public_key=make_sm2_signer("x").private_key.public_key.text(),
        valid_until=NOW - timedelta(days=1),
    )
    keys = key_set(GATEWAY, [previous])
    assert [(k.key_id, k.status) for k in keys][1:] == [
        ("gw-1.sm2", "current"),
        ("gw-0.sm2", "previous"),
    ]
    assert keys[1].user_id == "1234567812345678"


def test_checkpoints_carry_an_sm2_signature_that_the_sm2_audit_trusts() -> None:
    entries = log_entries(1, [change()])
    root = tree_root(entries)
    read = tile_reader(published_tiles(entries, [1]))
    checkpoint = sign_checkpoint(1, root, NOW, GATEWAY)
    keys = key_set(GATEWAY, [])
    assert checkpoint.sm2_key_id == "gw-1.sm2"
    assert not checkpoint_sm2_verifies(checkpoint.model_copy(update={"sequence": 2}), [])

    def run(made: Checkpoint, algorithm: Algorithm = "sm2") -> AuditReport:
        return audit(entries, [made], keys, [], lambda _e: False, read, NOW, algorithm=algorithm)

    report = run(checkpoint)
    assert (report.verified_through, report.problems) == (1, ())
    forged = sign_checkpoint(1, root, NOW, gateway_signers("gw-1"))
    swapped = checkpoint.model_copy(update={"sm2_signature": forged.sm2_signature})
    assert run(swapped).problems[0] == "checkpoint 1 is not signed by the gateway with SM2"
    unsigned = sign_checkpoint(1, root, NOW, GatewaySigners(GATEWAY.ed25519))
    report = run(unsigned)
    assert (report.verified_through, report.skipped_checkpoints) == (0, (1,))
    assert run(unsigned, "ed25519").verified_through == 1


def test_an_sm2_audit_of_deliveries_no_sm2_checkpoint_covers_is_not_ok() -> None:
    changes = [change()]
    entries = log_entries(1, changes)
    read = tile_reader(published_tiles(entries, [1]))
    sub = subscription("sub-hunan")
    stored = [
        payload_for(d, subscriber_region=sub.region)
        for d in stamped(
            plan_deliveries(changes[0], [sub], []), {entries[0].change_id: 1}, lambda _s, _c: 1
        )
    ]
    before_sm2 = sign_checkpoint(1, tree_root(entries), NOW, GatewaySigners(GATEWAY.ed25519))
    keys = key_set(GATEWAY, [])

    def run(algorithm: Algorithm) -> AuditReport:
        return audit(
            entries, [before_sm2], keys, stored, lambda _e: True, read, NOW, algorithm=algorithm
        )

    report = run("sm2")

    assert not report.ok
    assert report.problems == (
        "no checkpoint signed by a listed gateway key (sm2) covers the stored deliveries; "
        "skipped: [1]",
    )
    assert run("ed25519").ok
