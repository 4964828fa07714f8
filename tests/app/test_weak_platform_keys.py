"""Review 91 F1: a small-order Ed25519 public key was registered as a platform's key (201), and
one fixed signature then verified for every message: anyone pushed as the region, and the
region could deny every push. Such keys (and non-canonical encodings) are refused at
registration, 400 at ``public_key``, nothing stored; a verifier key of a witness likewise."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from app_support import CITY, HUNAN, black_entry, error_code, new_batch_id, new_signer, push_body
from delivery_support import signed

from chalicelib.bootstrap import container
from gateway.registry import PlatformKey
from gateway_client.contract.signing_keys import generate_signing_key, load_private_key
from gateway_client.tlog import weakness
from gateway_client.tlog.ed25519_points import _SMALL_ORDER
from gateway_client.tlog.note import NoteError, format_vkey, parse_vkey

NEUTRAL = bytes([1]) + bytes(31)
WEAK = sorted(_SMALL_ORDER) + [bytes([*y[:31], y[31] | 0x80]) for y in sorted(_SMALL_ORDER)]


@pytest.mark.parametrize("raw", WEAK, ids=lambda raw: raw.hex()[:8] + raw.hex()[-2:])
def test_a_point_of_small_order_is_refused_whatever_its_sign_bit(raw: bytes) -> None:
    assert weakness(raw) is not None


def test_real_keys_and_only_canonical_encodings_pass() -> None:
    for _ in range(50):
        raw = load_private_key(generate_signing_key()).public_key().public_bytes_raw()
        assert weakness(raw) is None
    beyond_p = (2**255 - 19 + 2).to_bytes(32, "little")  # y = 2, spelt p + 2
    assert weakness(beyond_p) == "not the canonical encoding of its point"


def forged_push(gateway, key_id: str):  # type: ignore[no-untyped-def]
    """A push as ``key_id`` under the signature that verifies for every message under the
    neutral point (R the neutral point, S zero): no private key behind it."""
    batch = new_batch_id()
    return gateway.client.http.post(
        "/v1/pushes",
        headers={
            "webhook-id": batch,
            "webhook-timestamp": str(int(datetime.now(UTC).timestamp())),
            "webhook-signature": "v1a," + base64.b64encode(NEUTRAL + bytes(32)).decode(),
            "x-credit-key-id": key_id,
            "content-type": "application/json",
        },
        body=push_body(CITY, batch, [black_entry()]),
    )


def test_registering_a_small_order_key_is_refused_and_a_forged_push_then_fails(gateway):
    gateway.put_region(CITY)
    weak = "whpk_" + base64.b64encode(NEUTRAL).decode()

    registered = gateway.client.http.post(
        f"/v1/regions/{CITY}/keys",
        headers=gateway.operator(),
        body=json.dumps({"key_id": "qth-weak", "public_key": weak}).encode(),
    )
    forged = forged_push(gateway, "qth-weak")

    assert registered.status_code == 400, registered.json_body
    assert (error_code(registered), registered.json_body["error"]["path"]) == (
        "invalid_schema",
        "public_key",
    )
    keys = gateway.client.http.get(f"/v1/regions/{CITY}/keys", headers=gateway.operator())
    assert "qth-weak" not in json.dumps(keys.json_body)
    assert forged.status_code in (401, 403)


def test_a_witness_verifier_key_of_small_order_is_refused() -> None:
    vkey = format_vkey("witness.example", 1, NEUTRAL)

    with pytest.raises(NoteError, match="small order"):
        parse_vkey(vkey, 1)


def test_a_weak_key_stored_before_it_was_refused_verifies_nothing(gateway):
    """A key registered before the check is read as stored, and verifies no signature: the
    forged push is 401 ``invalid_signature``, not accepted and not a 500; it can be revoked."""
    gateway.put_region(CITY)
    stored = PlatformKey.model_validate(
        {
            "key_id": "qth-old-weak",
            "region": CITY,
            "public_key": "whpk_" + base64.b64encode(NEUTRAL).decode(),
            "valid_from": datetime.now(UTC) - timedelta(days=1),
        }
    )
    container().registry.put_key(stored)

    forged = forged_push(gateway, "qth-old-weak")
    revoked = gateway.client.http.delete(
        f"/v1/regions/{CITY}/keys/qth-old-weak", headers=gateway.operator()
    )

    assert (forged.status_code, error_code(forged)) == (401, "invalid_signature")
    assert revoked.status_code == 200, revoked.json_body


def test_revoking_a_key_names_the_subscriptions_it_set_up_for_review(gateway, receiver):
    """Review 91 F2: a subscription a leaked key pointed at its holder went on receiving the
    region's deliveries after the key was revoked, and nothing said so. The revocation names
    the subscriptions the key created or last gave a URL; the operator's are not its."""
    leaked = gateway.register_platform(HUNAN, "hn-leaked")
    made = signed(
        gateway, leaked, "POST", "/v1/subscriptions", {"region": HUNAN, "url": receiver.url}
    )
    assert made.status_code == 201, made.json_body
    by_operator = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert by_operator.status_code == 201
    assert gateway.add_key(HUNAN, new_signer("hn-new")).status_code == 201

    revoked = gateway.client.http.delete(
        f"/v1/regions/{HUNAN}/keys/hn-leaked", headers=gateway.operator()
    )

    assert revoked.status_code == 200, revoked.json_body
    assert revoked.json_body["subscriptions_to_review"] == [made.json_body["subscription_id"]]


@pytest.mark.parametrize(
    "changes",
    [
        [("POST", "/rotate-secret", {"overlap_seconds": 7 * 24 * 3600})],
        [("PATCH", "", {"filters": {"kinds": ["red"]}})],
        [("POST", "/pause", None)],
        [("POST", "/pause", None), ("POST", "/resume", None)],
        [("POST", "/enable", {"redeliver_missed": False})],
    ],
    ids=["secret-rotated", "terms-narrowed", "paused", "resumed", "enabled"],
)
def test_revoking_a_key_names_the_subscriptions_it_re_keyed_or_changed(gateway, receiver, changes):
    """Review 156: a leaked key that rotated a v1 secret (and so knows it, the old one kept
    signing a week), narrowed the terms or paused the region's subscription went unnamed when
    it was revoked. A key that changed nothing, and the operator's changes, name nothing."""
    leaked = gateway.register_platform(HUNAN, "hn-leaked")
    idle = gateway.add_key(HUNAN, new_signer("hn-idle"))
    assert idle.status_code == 201, idle.json_body
    made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url, signature_scheme="v1")
    assert made.status_code == 201, made.json_body
    sid = made.json_body["subscription_id"]
    for method, path, body in changes:
        done = signed(gateway, leaked, method, f"/v1/subscriptions/{sid}{path}", body)
        assert done.status_code == 200, done.json_body

    def revoke(key_id: str) -> list[str]:
        revoked = gateway.client.http.delete(
            f"/v1/regions/{HUNAN}/keys/{key_id}", headers=gateway.operator()
        )
        assert revoked.status_code == 200, revoked.json_body
        return list(revoked.json_body["subscriptions_to_review"])

    assert revoke("hn-idle") == []
    assert revoke("hn-leaked") == [sid]
    shown = gateway.client.http.get(f"/v1/subscriptions/{sid}", headers=gateway.operator())
    assert "changed_by_keys" not in shown.json_body


@pytest.mark.parametrize("mover", ["operator", "another key"])
def test_a_key_that_created_a_subscription_is_named_after_another_gives_it_a_url(
    gateway, receiver, mover
):
    """Review 162: the creator saw the v1 secret and set the terms; a URL given since by the
    operator or another key did not make it forget them."""
    leaked = gateway.register_platform(HUNAN, "hn-leaked")
    other = new_signer("hn-other")
    assert gateway.add_key(HUNAN, other).status_code == 201
    made = signed(
        gateway,
        leaked,
        "POST",
        "/v1/subscriptions",
        {"region": HUNAN, "url": receiver.url, "signature_scheme": "v1"},
    )
    assert made.status_code == 201, made.json_body
    sid = made.json_body["subscription_id"]
    path, moved_to = f"/v1/subscriptions/{sid}", {"url": receiver.url + "/moved"}
    if mover == "operator":
        body = json.dumps(moved_to).encode()
        moved = gateway.client.http.patch(path, headers=gateway.operator(), body=body)
    else:
        moved = signed(gateway, other, "PATCH", path, moved_to)
    assert moved.status_code == 200, moved.json_body

    revoked = gateway.client.http.delete(
        f"/v1/regions/{HUNAN}/keys/hn-leaked", headers=gateway.operator()
    )

    assert revoked.status_code == 200, revoked.json_body
    assert revoked.json_body["subscriptions_to_review"] == [sid]
