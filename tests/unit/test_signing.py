"""Standard Webhooks signatures: v1a (Ed25519) both ways, v1 (HMAC) against the reference lib."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

import pytest
from builders import NOW, make_signer, sign_headers
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from standardwebhooks.webhooks import Webhook

from gateway_client.contract.errors import InvalidSignature, MissingSignature, TimestampOutOfWindow
from gateway_client.contract.signing import (
    Ed25519Signer,
    HmacSigner,
    SignedHeaders,
    generate_hmac_secret,
    generate_signing_key,
    load_private_key,
    load_public_key,
    public_key_text,
    verify_ed25519,
    verify_hmac,
)

BODY = b'{"region":"441800","batch_id":"b-1","entries":[]}'


def public(signer: Ed25519Signer) -> Ed25519PublicKey:
    return load_public_key(public_key_text(signer.private_key))


def verify(headers: dict[str, str], body: bytes, *signers: Ed25519Signer) -> None:
    verify_ed25519(SignedHeaders.from_headers(headers), body, [public(s) for s in signers])


def test_a_v1a_signature_verifies_against_its_body(signer: Ed25519Signer) -> None:
    headers = sign_headers(signer, "b-1", BODY, NOW)
    verify(headers, BODY, signer)  # raises on failure
    assert headers["webhook-signature"].startswith("v1a,")


def test_the_signer_produces_what_an_independent_ed25519_verifier_accepts(
    signer: Ed25519Signer,
) -> None:
    stamp = int(NOW.timestamp())
    signature = signer.sign("b-1", stamp, BODY)
    raw = base64.b64decode(signature.removeprefix("v1a,"))
    signer.private_key.public_key().verify(raw, f"b-1.{stamp}.".encode() + BODY)
    assert signature == sign_headers(signer, "b-1", BODY, NOW)["webhook-signature"]


def test_a_tampered_body_does_not_verify(signer: Ed25519Signer) -> None:
    headers = sign_headers(signer, "b-1", BODY, NOW)
    with pytest.raises(InvalidSignature):
        verify(headers, BODY.replace(b"441800", b"441802"), signer)


def test_a_changed_webhook_id_does_not_verify(signer: Ed25519Signer) -> None:
    headers = sign_headers(signer, "b-1", BODY, NOW) | {"webhook-id": "b-2"}
    with pytest.raises(InvalidSignature):
        verify(headers, BODY, signer)


def test_a_changed_timestamp_does_not_verify(signer: Ed25519Signer) -> None:
    headers = sign_headers(signer, "b-1", BODY, NOW)
    headers["webhook-timestamp"] = str(int(headers["webhook-timestamp"]) + 1)
    with pytest.raises(InvalidSignature):
        verify(headers, BODY, signer)


def test_a_signature_by_another_key_does_not_verify(signer: Ed25519Signer) -> None:
    headers = sign_headers(make_signer("intruder"), "b-1", BODY, NOW)
    with pytest.raises(InvalidSignature):
        verify(headers, BODY, signer)


def test_with_no_acceptable_keys_nothing_verifies(signer: Ed25519Signer) -> None:
    headers = sign_headers(signer, "b-1", BODY, NOW)
    with pytest.raises(InvalidSignature):
        verify(headers, BODY)


def test_any_of_several_space_separated_signatures_may_match(signer: Ed25519Signer) -> None:
    old = sign_headers(make_signer("old-key"), "b-1", BODY, NOW)["webhook-signature"]
    new = sign_headers(signer, "b-1", BODY, NOW)["webhook-signature"]
    headers = sign_headers(signer, "b-1", BODY, NOW) | {"webhook-signature": f"{old} {new}"}
    verify(headers, BODY, signer)  # raises on failure
    assert len(headers["webhook-signature"].split()) == 2


def test_a_signature_verifies_under_any_of_several_rotating_keys(signer: Ed25519Signer) -> None:
    headers = sign_headers(signer, "b-1", BODY, NOW)
    verify(headers, BODY, make_signer("previous"), signer)  # raises on failure
    assert headers["x-credit-key-id"] == signer.key_id


def test_signatures_of_other_versions_are_ignored(signer: Ed25519Signer) -> None:
    good = sign_headers(signer, "b-1", BODY, NOW)["webhook-signature"]
    headers = sign_headers(signer, "b-1", BODY, NOW) | {
        "webhook-signature": "v1,AAAA " + good.replace("v1a,", "v1b,")
    }
    with pytest.raises(InvalidSignature):
        verify(headers, BODY, signer)


@pytest.mark.parametrize(
    "signature",
    [
        "v1a",  # no comma
        "v1a AAAA",  # no comma in either part
        "v1a,",  # nothing after the comma
        "v1a,!!!not-base64!!!",
        "v1a,AAA",  # bad padding
        "v1a,AAAA",  # base64, but not 64 bytes
    ],
)
def test_a_malformed_signature_header_is_an_invalid_signature(
    signer: Ed25519Signer, signature: str
) -> None:
    headers = sign_headers(signer, "b-1", BODY, NOW) | {"webhook-signature": signature}
    with pytest.raises(InvalidSignature):
        verify(headers, BODY, signer)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_a_missing_signature(signer: Ed25519Signer, missing: str) -> None:
    headers = sign_headers(signer, "b-1", BODY, NOW)
    del headers[missing]
    with pytest.raises(MissingSignature):
        SignedHeaders.from_headers(headers)


def test_a_blank_header_is_a_missing_signature(signer: Ed25519Signer) -> None:
    headers = sign_headers(signer, "b-1", BODY, NOW) | {"webhook-signature": "   "}
    with pytest.raises(MissingSignature):
        SignedHeaders.from_headers(headers)


def test_headers_are_read_case_insensitively(signer: Ed25519Signer) -> None:
    headers = {k.title(): v for k, v in sign_headers(signer, "b-1", BODY, NOW).items()}
    assert SignedHeaders.from_headers(headers).msg_id == "b-1"


@pytest.mark.parametrize("stamp", ["soon", "-1", "1.5", "1e9", "0x10", "1234567890123"])
def test_a_timestamp_that_is_not_whole_epoch_seconds_is_an_invalid_signature(
    signer: Ed25519Signer, stamp: str
) -> None:
    headers = sign_headers(signer, "b-1", BODY, NOW) | {"webhook-timestamp": stamp}
    with pytest.raises(InvalidSignature):
        SignedHeaders.from_headers(headers)


def test_a_superscript_digit_timestamp_is_an_invalid_signature(signer: Ed25519Signer) -> None:
    # "²".isdigit() is True, but int("²") raises ValueError
    headers = sign_headers(signer, "b-1", BODY, NOW) | {"webhook-timestamp": "²"}
    with pytest.raises(InvalidSignature):
        SignedHeaders.from_headers(headers)


@pytest.mark.parametrize(
    "skew", [timedelta(minutes=5, seconds=1), -timedelta(minutes=5, seconds=1), timedelta(days=1)]
)
def test_a_timestamp_more_than_five_minutes_away_is_out_of_window(
    signer: Ed25519Signer, skew: timedelta
) -> None:
    signed = SignedHeaders.from_headers(sign_headers(signer, "b-1", BODY, NOW + skew))
    with pytest.raises(TimestampOutOfWindow):
        signed.check_timestamp(NOW)


@pytest.mark.parametrize("skew", [timedelta(0), timedelta(minutes=5), -timedelta(minutes=5)])
def test_a_timestamp_within_five_minutes_is_accepted(
    signer: Ed25519Signer, skew: timedelta
) -> None:
    signed = SignedHeaders.from_headers(sign_headers(signer, "b-1", BODY, NOW + skew))
    signed.check_timestamp(NOW)  # raises on failure
    assert signed.timestamp == int((NOW + skew).timestamp())


def test_a_generated_signing_key_round_trips_through_its_text_form() -> None:
    text = generate_signing_key()
    key = load_private_key(text)
    signer = Ed25519Signer("k-1", key)
    headers = sign_headers(signer, "b-1", BODY, NOW)
    verify(headers, BODY, signer)  # raises on failure
    assert text.startswith("whsk_")


@pytest.mark.parametrize("text", ["AAAA", "whpk_AAAA", "whpk_!!!", "whsk_" + "A" * 44])
def test_a_public_key_that_is_not_whpk_base64_of_32_bytes_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="public key"):
        load_public_key(text)


# -- v1 (HMAC), checked against the independent Standard Webhooks library --


def hmac_headers(secret: str, msg_id: str, body: bytes, at: datetime) -> dict[str, str]:
    stamp = int(at.timestamp())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": HmacSigner(secret).sign(msg_id, stamp, body),
    }


def test_a_v1_signature_verifies_with_the_standard_webhooks_library(real_now: datetime) -> None:
    secret = generate_hmac_secret()
    headers = hmac_headers(secret, "msg_1", BODY, real_now)
    assert Webhook(secret).verify(BODY, headers) == {
        "region": "441800",
        "batch_id": "b-1",
        "entries": [],
    }


def test_a_standard_webhooks_v1_signature_verifies_here(real_now: datetime) -> None:
    secret = generate_hmac_secret()
    signature = Webhook(secret).sign("msg_1", real_now, BODY.decode())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(real_now.timestamp())),
        "webhook-signature": signature,
    }
    verify_hmac(SignedHeaders.from_headers(headers), BODY, secret)  # raises on failure
    assert signature.startswith("v1,")


def test_a_v1_signature_under_another_secret_does_not_verify(real_now: datetime) -> None:
    headers = hmac_headers(generate_hmac_secret(), "msg_1", BODY, real_now)
    with pytest.raises(InvalidSignature):
        verify_hmac(SignedHeaders.from_headers(headers), BODY, generate_hmac_secret())


def test_a_v1_signature_over_a_tampered_body_does_not_verify(real_now: datetime) -> None:
    secret = generate_hmac_secret()
    headers = hmac_headers(secret, "msg_1", BODY, real_now)
    with pytest.raises(InvalidSignature):
        verify_hmac(SignedHeaders.from_headers(headers), BODY + b" ", secret)
