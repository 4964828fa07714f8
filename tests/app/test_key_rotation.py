"""Platform keys: several valid at once, so a platform rotates without a refused push."""

from __future__ import annotations

import base64
import json

from app_support import black_entry, error_code, new_signer

from chalicelib import bootstrap
from gateway.registry import PlatformKey
from gateway_client.contract.signing import public_key_text

CITY = "230900"


def test_a_platform_pushes_with_either_key_while_both_are_valid(gateway):
    old = gateway.register_platform(CITY, "qth-old")
    new = new_signer("qth-new")
    assert gateway.add_key(CITY, new).status_code == 201

    replies = [gateway.push(signer, CITY, [black_entry()]) for signer in (old, new)]

    assert [r.status_code for r in replies] == [200, 200]


def test_a_revoked_key_is_refused_and_its_successor_is_not(gateway):
    old = gateway.register_platform(CITY, "qth-old")
    new = new_signer("qth-new")
    gateway.add_key(CITY, new)

    revoked = gateway.client.http.delete(
        f"/v1/regions/{CITY}/keys/qth-old", headers=gateway.operator()
    )

    assert revoked.status_code == 200
    assert revoked.json_body["valid_until"] is not None
    refused = gateway.push(old, CITY, [black_entry()])
    assert (refused.status_code, error_code(refused)) == (403, "unknown_key")
    assert gateway.push(new, CITY, [black_entry()]).status_code == 200


def test_the_operator_lists_a_regions_keys_current_and_revoked(gateway):
    gateway.register_platform(CITY, "qth-old")
    gateway.add_key(CITY, new_signer("qth-new"))
    gateway.client.http.delete(f"/v1/regions/{CITY}/keys/qth-old", headers=gateway.operator())

    listed = gateway.client.http.get(f"/v1/regions/{CITY}/keys", headers=gateway.operator())

    keys = {k["key_id"]: k["valid_until"] for k in listed.json_body["keys"]}
    assert set(keys) == {"qth-old", "qth-new"}
    assert keys["qth-old"] is not None
    assert keys["qth-new"] is None


def test_key_routes_are_for_the_operator_only(gateway):
    gateway.register_platform(CITY, "qth-old")

    listed = gateway.client.http.get(f"/v1/regions/{CITY}/keys")
    revoked = gateway.client.http.delete(f"/v1/regions/{CITY}/keys/qth-old")

    assert [(r.status_code, error_code(r)) for r in (listed, revoked)] == [
        (401, "operator_credentials_required"),
        (401, "operator_credentials_required"),
    ]


def test_revoking_an_unknown_key_or_another_regions_key_is_not_found(gateway):
    gateway.register_platform(CITY, "qth-old")
    gateway.put_region("410184")

    unknown = gateway.client.http.delete(
        f"/v1/regions/{CITY}/keys/nope", headers=gateway.operator()
    )
    foreign = gateway.client.http.delete(
        "/v1/regions/410184/keys/qth-old", headers=gateway.operator()
    )

    assert [r.status_code for r in (unknown, foreign)] == [404, 404]


def _other_spelling(text: str) -> str:
    """The same 32 bytes in base64 whose last character's unused bits are set."""
    raw = text.removeprefix("whpk_")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    at = alphabet.index(raw[-2])
    spelled = "whpk_" + raw[:-2] + alphabet[(at & ~3) | ((at + 1) & 3)] + raw[-1]
    assert base64.b64decode(spelled[5:]) == base64.b64decode(raw)
    assert spelled != text
    return spelled


def test_a_key_is_kept_in_one_spelling_and_its_retry_in_another_is_the_same_key(gateway):  # type: ignore[no-untyped-def]
    """Base64 lets every 32-byte key be spelled four ways: registered in another, it is kept in
    the one its bytes give, and a retry in any of them is the key registered (review 105)."""
    assert gateway.put_region(CITY).status_code == 200
    canonical = public_key_text(new_signer("k-city-9").private_key)
    body = {"key_id": "k-city-9", "public_key": _other_spelling(canonical)}
    headers = gateway.operator()

    made = gateway.client.http.post(
        f"/v1/regions/{CITY}/keys", headers=headers, body=json.dumps(body).encode()
    )
    body["public_key"] = canonical
    again = gateway.client.http.post(
        f"/v1/regions/{CITY}/keys", headers=headers, body=json.dumps(body).encode()
    )

    assert (made.status_code, again.status_code) == (201, 200), (made.json_body, again.json_body)
    assert made.json_body["public_key"] == canonical


def test_the_same_registration_retried_for_a_key_stored_in_another_spelling_is_200(gateway):  # type: ignore[no-untyped-def]
    """A key stored before keys were kept in one spelling: its retry is compared by the key's
    bytes, not its spelling (review 106 F3)."""
    assert gateway.put_region(CITY).status_code == 200
    spelled = _other_spelling(public_key_text(new_signer("k-city-8").private_key))
    # Registered before the release that keeps one spelling: stored as it was given.
    held = PlatformKey.model_validate(
        {
            "key_id": "k-city-8",
            "region": CITY,
            "public_key": spelled,
            "valid_from": "2026-01-01T00:00:00+00:00",
        }
    )
    bootstrap.container().registry.register_key(held)
    body = {"key_id": "k-city-8", "public_key": spelled, "valid_from": "2026-01-01T00:00:00+00:00"}
    again = gateway.client.http.post(
        f"/v1/regions/{CITY}/keys", headers=gateway.operator(), body=json.dumps(body).encode()
    )
    # the very body that registered it, sent again: a retry, answered as before (was 200)
    assert again.status_code == 200, again.json_body
