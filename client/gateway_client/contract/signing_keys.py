"""Signing keys as text: Ed25519 private (``whsk_``) and public (``whpk_``) keys and HMAC
secrets (``whsec_``), each a prefix + base64 — made, parsed and derived here, apart from the
signatures they make (``signing``), so a key file's format is read in one place."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gateway_client.tlog import sound_public_key

_PRIVATE_PREFIX = "whsk_"
_PUBLIC_PREFIX = "whpk_"
_SECRET_PREFIX = "whsec_"  # noqa: S105 - a format prefix, not a secret


def generate_signing_key() -> str:
    """A new Ed25519 private key as ``whsk_<base64 seed>``."""
    raw = Ed25519PrivateKey.generate().private_bytes_raw()
    return _PRIVATE_PREFIX + base64.b64encode(raw).decode()


def generate_hmac_secret() -> str:
    """A new ``whsec_`` secret, as any Standard Webhooks library expects it."""
    return _SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def load_private_key(text: str) -> Ed25519PrivateKey:
    if not text.startswith(_PRIVATE_PREFIX):
        raise ValueError("an Ed25519 private key is written whsk_<base64>")
    raw = base64.b64decode(text.removeprefix(_PRIVATE_PREFIX), validate=True)
    return Ed25519PrivateKey.from_private_bytes(raw)


def derive_private_key(secret: str) -> Ed25519PrivateKey:
    """A ``whsk_`` key as is; any other secret (say, one Secrets Manager generated) becomes the
    seed through SHA-256, so a deployment needs no key ceremony and rotates by rotating it."""
    if secret.startswith(_PRIVATE_PREFIX):
        return load_private_key(secret)
    if len(secret) < 32:
        raise ValueError("a signing secret needs at least 32 characters")
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(secret.encode()).digest())


def public_key_text(private: Ed25519PrivateKey) -> str:
    return _PUBLIC_PREFIX + base64.b64encode(private.public_key().public_bytes_raw()).decode()


def public_key_bytes(text: str) -> bytes:
    """The 32 bytes of ``whpk_<base64 32 bytes>``, sound or not (a key stored before they
    were judged is read, and refused where it would verify); ``ValueError`` on anything else."""
    if not text.startswith(_PUBLIC_PREFIX):
        raise ValueError("an Ed25519 public key is written whpk_<base64>")
    try:
        raw = base64.b64decode(text.removeprefix(_PUBLIC_PREFIX), validate=True)
    except binascii.Error as exc:
        raise ValueError("not a 32-byte Ed25519 public key in base64") from exc
    if len(raw) != 32:
        raise ValueError("not a 32-byte Ed25519 public key in base64")
    return raw


def canonical_public_key(text: str) -> str:
    """``whpk_<base64>`` in the one spelling of its 32 bytes (base64 lets the unused bits of
    the last character vary: four spellings of every key); ``ValueError`` as
    ``load_public_key``."""
    load_public_key(text)
    return _PUBLIC_PREFIX + base64.b64encode(public_key_bytes(text)).decode()


def load_public_key(text: str) -> Ed25519PublicKey:
    """Parse ``whpk_<base64 32 bytes>`` into a key to verify with; raises ``ValueError`` on
    anything else, and on a key under which every message verifies (review 91)."""
    return sound_public_key(public_key_bytes(text))


MIN_SECRET_BYTES = 24
"""Standard Webhooks secrets are 24 to 64 random bytes (the gateway makes 32): a shorter one is
no secret worth the name, and an empty one a key anyone signs with (review 144)."""


def hmac_key(secret: str) -> bytes:
    """The raw bytes a ``whsec_`` secret stands for: what HMAC-SHA256 keys with (its padding
    may be left off, as the reference libraries allow). ``ValueError`` for one that is no
    base64, or shorter than ``MIN_SECRET_BYTES``."""
    text = secret.removeprefix(_SECRET_PREFIX)
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a whsec_ secret is the prefix and base64: this one is not") from None
    if len(key) < MIN_SECRET_BYTES:
        raise ValueError(
            f"a whsec_ secret of {len(key)} bytes: Standard Webhooks secrets are "
            f"{MIN_SECRET_BYTES} to 64 random bytes (the subscription's creation showed it)"
        )
    return key
