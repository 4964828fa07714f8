"""SM2 signatures with SM3 (GM/T 0003.2, GB/T 32918.2): keys, signing and verifying bytes.

The curve arithmetic is ``gmalg``'s (pure Python, so the Lambda bundle needs no native wheel);
SM3 is OpenSSL's through ``cryptography``, plugged into ``gmalg`` as its hash, because a
pure-Python SM3 hashes about 0.1 MB/s and a 5,000-entry push is 2.7 MB. The signature covers
``e = SM3(Z_A ‖ M)`` with ``Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A)``, so the
signer's user ID and public key are bound in; the default ID is GM/T 0009's
``1234567812345678``. Signatures travel as the raw 64 bytes ``r ‖ s`` (what ``sm-crypto``
writes by default; BouncyCastle writes it with ``PlainDSAEncoding``).

Text forms: a private key is ``sm2sk_<64 hex>``; a public key is the uncompressed point
``04 ‖ X ‖ Y`` in 130 hex digits, as ``sm-crypto``, BouncyCastle and GmSSL print it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives import hashes
from gmalg import ellipticcurve
from gmalg.base import Hash
from gmalg.sm2 import SM2Core

DEFAULT_USER_ID = "1234567812345678"
"""GM/T 0009's default user ID, used when a key is registered without one."""

SIGNATURE_BYTES = 64
_PRIVATE_PREFIX = "sm2sk_"
_PRIVATE_RE = re.compile(r"sm2sk_[0-9a-fA-F]{64}")
_PUBLIC_RE = re.compile(r"04[0-9a-fA-F]{128}")
_MAX_USER_ID_BYTES = 1024  # ENTL is 16 bits of bit length; GM/T allows up to 8 KiB


class _FixedBaseCurve(ellipticcurve.ECDLP):  # type: ignore[misc]  # gmalg ships no types
    """gmalg's curve with ``[k]G`` summed from a table of ``[2^i]G`` instead of doubled and added
    bit by bit: every signature computes ``[k]G`` for a fresh ``k``, and gmalg's affine ladder
    inverts a field element for each of its ~384 steps (about 15–35 ms a signature, the largest
    CPU cost of a fan-out that signs its checkpoint with SM2). Here the ≤ 256 table points are
    added in Jacobian coordinates with one inversion at the end (a few ms). Same points, so the
    same signatures (the standards' examples in ``tests/unit/test_sm2.py`` check it); like
    gmalg's ladder, pure Python and not constant-time. The table (256 points) is built on first
    use."""

    @functools.cached_property
    def _powers(self) -> list[tuple[int, int]]:
        powers = [self.G]
        for _ in range(self.fpn.p.bit_length() - 1):
            powers.append(self.ec.add(powers[-1], powers[-1]))
        return powers

    def kG(self, k: int) -> Any:
        p, total = self.fp.p, None
        for i, (x2, y2) in enumerate(self._powers):
            if not k >> i & 1:
                continue
            if total is None:
                total = (x2, y2, 1)
                continue
            x1, y1, z1 = total  # mixed addition (add-2007-bl with Z2 = 1)
            zz = z1 * z1 % p
            h, r = (x2 * zz - x1) % p, (y2 * z1 * zz - y1) % p
            if h == 0:  # the sum met a table point or its negative: never for k in [1, n)
                return super().kG(k)
            hh = h * h % p
            hhh, v = h * hh % p, x1 * hh % p
            x3 = (r * r - hhh - 2 * v) % p
            total = (x3, (r * (v - x3) - y1 * hhh) % p, z1 * h % p)
        if total is None or k >> len(self._powers):
            return super().kG(k)
        x, y, z = total
        inverse = pow(z, -1, p)
        return (x * inverse * inverse % p, y * inverse * inverse * inverse % p)


RECOMMENDED_CURVE = _FixedBaseCurve(
    p=0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_00000000_FFFFFFFF_FFFFFFFF,
    a=0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_00000000_FFFFFFFF_FFFFFFFC,
    b=0x28E9FA9E_9D9F5E34_4D5A9E4B_CF6509A7_F39789F5_15AB8F92_DDBCBD41_4D940E93,
    G=(
        0x32C4AE2C_1F198119_5F990446_6A39C994_8FE30BBF_F2660BE1_715A4589_334C74C7,
        0xBC3736A2_F4F6779C_59BDCEE3_6B692153_D0A9877C_C62A4740_02DF32E5_2139F0A0,
    ),
    n=0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_7203DF6B_21C6052B_53BBF409_39D54123,
)
"""The curve GM/T 0003.5 (GB/T 32918.5) recommends; the only one keys are accepted on."""


class _OpenSslSm3(Hash):  # type: ignore[misc]  # gmalg ships no type information
    """``gmalg``'s hash interface over OpenSSL's SM3."""

    def __init__(self) -> None:
        self._hash = hashes.Hash(hashes.SM3())

    def reset(self) -> None:
        self._hash = hashes.Hash(hashes.SM3())

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def value(self) -> bytes:
        return self._hash.copy().finalize()


def sm3(data: bytes) -> bytes:
    """SM3 (GM/T 0004) of ``data``."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def _core(curve: Any = RECOMMENDED_CURVE, random_bits: Any = None) -> Any:
    return SM2Core(curve, _OpenSslSm3(), random_bits)


def _user_id(user_id: str) -> bytes:
    raw = user_id.encode()
    if not 1 <= len(raw) <= _MAX_USER_ID_BYTES:
        raise ValueError(f"an SM2 user ID has 1 to {_MAX_USER_ID_BYTES} bytes")
    return raw


@dataclass(frozen=True)
class Sm2PublicKey:
    """A point on the recommended curve, checked to lie on it when parsed."""

    x: int
    y: int

    @classmethod
    def from_text(cls, text: str) -> Sm2PublicKey:
        """Parse ``04 ‖ X ‖ Y`` (130 hex digits); ``ValueError`` on anything else, including a
        point that is not on the curve."""
        if not _PUBLIC_RE.fullmatch(text):
            raise ValueError("an SM2 public key is written 04 followed by X and Y, 130 hex digits")
        point = (int(text[2:66], 16), int(text[66:], 16))
        if not all(0 <= v < RECOMMENDED_CURVE.fp.p for v in point):
            raise ValueError("an SM2 public key's coordinates must be below the field prime")
        if not RECOMMENDED_CURVE.ec.isvalid(point):
            raise ValueError("not a point on the SM2 curve")
        return cls(*point)

    def text(self) -> str:
        return f"04{self.x:064x}{self.y:064x}"

    def verify(self, signature: bytes, message: bytes, user_id: str = DEFAULT_USER_ID) -> bool:
        """Whether ``signature`` (``r ‖ s``) is this key's over ``message`` under ``user_id``."""
        if len(signature) != SIGNATURE_BYTES:
            return False
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        return bool(_core().verify(message, r, s, _user_id(user_id), (self.x, self.y)))


@dataclass(frozen=True, repr=False)
class Sm2PrivateKey:
    """A private scalar ``d`` in ``[1, n − 2]`` and its public key ``[d]G``."""

    d: int

    def __post_init__(self) -> None:
        if not 1 <= self.d <= RECOMMENDED_CURVE.fpn.p - 2:
            raise ValueError("an SM2 private key lies in [1, n − 2]")

    def __repr__(self) -> str:
        return "Sm2PrivateKey(…)"

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        d, _ = _core().generate_keypair()
        return cls(int(d))

    @classmethod
    def from_text(cls, text: str) -> Sm2PrivateKey:
        if not _PRIVATE_RE.fullmatch(text):
            raise ValueError("an SM2 private key is written sm2sk_ followed by 64 hex digits")
        return cls(int(text.removeprefix(_PRIVATE_PREFIX), 16))

    @classmethod
    def derive(cls, secret: str) -> Sm2PrivateKey:
        """An ``sm2sk_`` key as is; any other secret (the gateway's signing secret) gives the
        scalar through HMAC-SHA256 under its own label, distinct from the Ed25519 seed."""
        if secret.startswith(_PRIVATE_PREFIX):
            return cls.from_text(secret)
        if len(secret) < 32:
            raise ValueError("a signing secret needs at least 32 characters")
        mac = hmac.new(secret.encode(), b"credit-gateway SM2 signing key", hashlib.sha256)
        return cls(1 + int.from_bytes(mac.digest(), "big") % (RECOMMENDED_CURVE.fpn.p - 2))

    def text(self) -> str:
        return f"{_PRIVATE_PREFIX}{self.d:064x}"

    @cached_property
    def public_key(self) -> Sm2PublicKey:
        x, y = RECOMMENDED_CURVE.kG(self.d)
        return Sm2PublicKey(int(x), int(y))

    def sign(self, message: bytes, user_id: str = DEFAULT_USER_ID) -> bytes:
        """``r ‖ s`` over ``message`` with a fresh random ``k``."""
        public = self.public_key
        r, s = _core().sign(message, self.d, _user_id(user_id), (public.x, public.y))
        return int(r).to_bytes(32, "big") + int(s).to_bytes(32, "big")


def generate_sm2_key() -> str:
    """A new SM2 private key as ``sm2sk_<hex>``."""
    return Sm2PrivateKey.generate().text()
