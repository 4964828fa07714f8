"""Ed25519 public keys that prove nothing: points of small order, and non-canonical encodings.

OpenSSL (and so ``cryptography``) verifies against such a key as against any: under the neutral
point, one fixed signature verifies for every message (review 91: a platform key registered as
``whpk_AQAA…`` let anyone push as its region, and its owner deny every push). The eight points
of small order are refused whatever the sign bit says, as libsodium's ``ge25519_has_small_order``
lists them, and so is any y coordinate not below p (a second spelling of a point).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

_P = 2**255 - 19

# libsodium, ed25519_ref10.c ``ge25519_has_small_order``: y of every point of order 1, 2, 4
# or 8 (the sign bit apart), and the non-canonical p and p + 1 that name two of them.
_SMALL_ORDER = frozenset(
    bytes.fromhex(y)
    for y in (
        "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
        "0100000000000000000000000000000000000000000000000000000000000000",  # order 1
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # p: order 4
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # p + 1: order 1
    )
)


def weakness(raw: bytes) -> str | None:
    """Why a 32-byte Ed25519 public key is unfit to verify with, or None."""
    y = bytes([*raw[:31], raw[31] & 0x7F])
    if y in _SMALL_ORDER:
        return "a point of small order: any message would verify under it"
    if int.from_bytes(y, "little") >= _P:
        return "not the canonical encoding of its point"
    return None


def sound_public_key(raw: bytes) -> Ed25519PublicKey:
    """The key, unless it is ``weakness``'s (``ValueError``, as ``from_public_bytes`` raises)."""
    key = Ed25519PublicKey.from_public_bytes(raw)  # the length checked first
    why = weakness(raw)
    if why is not None:
        raise ValueError(f"this Ed25519 public key is refused: {why}")
    return key
