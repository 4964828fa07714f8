"""Standard Webhooks signatures, both ways: ``v1a`` (Ed25519) and ``v1`` (HMAC-SHA256); the
SM2 scheme ``v1sm2`` signs the same content (``sm2_signing``).

Pushes, upload manifests and deliveries sign ``"{id}.{timestamp}.{body}"`` over the raw body
bytes (their body names what they do, and they are idempotent by that id). Every other signed
request signs the *request form*, ``"{id}.{timestamp}.{METHOD}\n{path}\n{query}\n{body}"``, so
its headers are worthless for another method, resource or query (``RequestTarget``). Both are
checked before any JSON parsing. Every malformed header becomes the same ``InvalidSignature``
so a caller cannot probe which part failed. Keys travel as ``whsk_``/``whpk_``/``whsec_`` +
base64.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import parse_qsl, quote, unquote

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gateway_client.contract.errors import InvalidSignature, MissingSignature, TimestampOutOfWindow

# the key helpers imported "as" themselves are re-exported: callers have long named them here
from gateway_client.contract.signing_keys import generate_hmac_secret as generate_hmac_secret
from gateway_client.contract.signing_keys import generate_signing_key as generate_signing_key
from gateway_client.contract.signing_keys import hmac_key
from gateway_client.contract.signing_keys import load_private_key as load_private_key
from gateway_client.contract.signing_keys import load_public_key as load_public_key
from gateway_client.contract.signing_keys import public_key_text as public_key_text

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
KEY_ID_HEADER = "x-credit-key-id"
DEFAULT_TOLERANCE = timedelta(minutes=5)
MAX_SIGNATURES = 4
"""Signatures one ``webhook-signature`` header may carry: the most the gateway sends is three
(two ``v1`` during a secret rotation, and ``v1a`` on a ``v1`` endpoint's challenge). More would
only make a verifier hash the body again and again (SM2's curve work is costly) for nothing."""

_SECONDS = re.compile(r"[0-9]{1,12}")


def signed_content(msg_id: str, timestamp: int, body: bytes) -> bytes:
    return f"{msg_id}.{timestamp}.".encode() + body


PUSH_FORM_ROUTES = frozenset({("POST", "/v1/pushes"), ("POST", "/v1/uploads")})
"""Routes whose body says what they do, signed in the plain Standard Webhooks form."""

REQUEST_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,128}")
"""A request-form ``webhook-id``: no ``.`` (the form splits on it) and no ``#`` (nonce keys)."""


def uses_push_form(method: str, path: str) -> bool:
    return (method.upper(), path) in PUSH_FORM_ROUTES


def _segment(raw: str) -> str:
    # Decode, then encode every octet outside RFC 3986's unreserved set: any spelling of the
    # same segment (and API Gateway's decoded path parameters) canonicalises alike.
    return quote(unquote(raw), safe="")


def canonical_path(path: str) -> str:
    """The path as the client sends it, each ``/``-separated segment in canonical encoding."""
    return "/".join(_segment(part) for part in path.split("/"))


def canonical_query(params: Iterable[tuple[str, str]]) -> str:
    """Decoded ``(name, value)`` pairs as ``name=value`` in RFC 3986 encoding, sorted (as
    encoded) by name then value and joined with ``&``; ``""`` when there are none."""
    pairs = sorted((quote(name, safe=""), quote(value, safe="")) for name, value in params)
    return "&".join(f"{name}={value}" for name, value in pairs)


@dataclass(frozen=True)
class RequestTarget:
    """What a signed request does — method, path below the API's base URL, query — in the
    canonical form both sides build independently and compare byte for byte."""

    method: str
    path: str
    query: str

    @classmethod
    def from_url(cls, method: str, target: str) -> RequestTarget:
        """The client's view: ``target`` is what follows the base URL, ``/v1/…?…``."""
        path, _, query = target.partition("?")
        pairs = parse_qsl(query, keep_blank_values=True)
        return cls(method.upper(), canonical_path(path), canonical_query(pairs))

    @classmethod
    def from_route(
        cls,
        method: str,
        route: str,
        params: Mapping[str, str] | None,
        query: Iterable[tuple[str, str]],
    ) -> RequestTarget:
        """The gateway's view: the matched route (``/v1/things/{id}``, never the stage) with
        the path parameters it captured, and the decoded query parameters."""
        captured = params or {}
        parts = [
            captured[part[1:-1]] if part.startswith("{") and part.endswith("}") else part
            for part in route.split("/")
        ]
        return cls(method.upper(), "/".join(map(_segment, parts)), canonical_query(query))

    def content(self, msg_id: str, timestamp: int, body: bytes) -> bytes:
        head = f"{msg_id}.{timestamp}.{self.method}\n{self.path}\n{self.query}\n"
        return head.encode() + body


def content_of(
    msg_id: str, timestamp: int, body: bytes, target: RequestTarget | None = None
) -> bytes:
    """The bytes a signature covers: the request form when there is a target, else the push
    form (whose first byte after the timestamp is the JSON body's, never a method letter)."""
    if target is None:
        return signed_content(msg_id, timestamp, body)
    return target.content(msg_id, timestamp, body)


class RequestSigner(Protocol):
    """What signs a platform's pushes and requests, or the gateway's webhooks: ``Ed25519Signer``
    (``v1a``) or ``Sm2Signer`` (``v1sm2``); the key id goes in ``x-credit-key-id``."""

    @property
    def key_id(self) -> str: ...

    def sign(
        self, msg_id: str, timestamp: int, body: bytes, target: RequestTarget | None = None
    ) -> str: ...


@dataclass(frozen=True)
class Ed25519Signer:
    key_id: str
    private_key: Ed25519PrivateKey

    def sign(
        self, msg_id: str, timestamp: int, body: bytes, target: RequestTarget | None = None
    ) -> str:
        """Push form without ``target``; the request form with it."""
        signature = self.private_key.sign(content_of(msg_id, timestamp, body, target))
        return "v1a," + base64.b64encode(signature).decode()


@dataclass(frozen=True)
class HmacSigner:
    secret: str

    def sign(self, msg_id: str, timestamp: int, body: bytes) -> str:
        digest = hmac.new(
            hmac_key(self.secret), signed_content(msg_id, timestamp, body), hashlib.sha256
        )
        return "v1," + base64.b64encode(digest.digest()).decode()


@dataclass(frozen=True)
class SignedHeaders:
    """The three Standard Webhooks headers of one message, read case-insensitively."""

    msg_id: str
    timestamp: int
    signature: str

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> SignedHeaders:
        lower = {k.lower(): v for k, v in headers.items()}
        msg_id = lower.get(ID_HEADER, "").strip()
        stamp = lower.get(TIMESTAMP_HEADER, "").strip()
        signature = lower.get(SIGNATURE_HEADER, "").strip()
        missing = [
            name
            for name, value in (
                (ID_HEADER, msg_id),
                (TIMESTAMP_HEADER, stamp),
                (SIGNATURE_HEADER, signature),
            )
            if not value
        ]
        if missing:
            raise MissingSignature(
                f"missing header(s): {', '.join(missing)}", headers=missing, path=missing[0]
            )
        if not _SECONDS.fullmatch(stamp):
            raise InvalidSignature(
                "webhook-timestamp must be whole seconds since the epoch", path=TIMESTAMP_HEADER
            )
        if len(signature.split()) > MAX_SIGNATURES:
            raise InvalidSignature(
                f"webhook-signature carries at most {MAX_SIGNATURES} signatures",
                path=SIGNATURE_HEADER,
            )
        return cls(msg_id=msg_id, timestamp=int(stamp), signature=signature)

    def check_timestamp(self, now: datetime, tolerance: timedelta = DEFAULT_TOLERANCE) -> None:
        skew = abs(now.timestamp() - self.timestamp)
        if skew > tolerance.total_seconds():
            raise TimestampOutOfWindow(
                f"webhook-timestamp is {int(skew)} s from the gateway's clock; "
                f"at most {int(tolerance.total_seconds())} s is accepted",
                path=TIMESTAMP_HEADER,
            )


def signatures_of(header: str, version: str) -> list[bytes]:
    """The decoded signatures of one version in a ``webhook-signature`` header (others
    skipped, and so is one that is no base64: it matches nothing, and the spec has each tried
    until one matches — review 144: it hid a valid signature after it)."""
    found: list[bytes] = []
    for part in header.split():
        scheme, sep, value = part.partition(",")
        if not sep or not value:
            raise InvalidSignature(
                "each signature is written <version>,<base64>", path=SIGNATURE_HEADER
            )
        if scheme == version:
            try:
                found.append(base64.b64decode(value, validate=True))
            except (binascii.Error, ValueError):
                continue
    return found


def verify_any(
    signed: SignedHeaders,
    body: bytes,
    version: str,
    verifies: Callable[[bytes, bytes], bool],
    target: RequestTarget | None = None,
) -> None:
    """Pass when ``verifies(signature, content)`` holds for any signature of ``version``, over
    the push form, or over the request form of ``target``: the one loop every asymmetric
    scheme (``v1a``, ``v1sm2``) shares."""
    content = content_of(signed.msg_id, signed.timestamp, body, target)
    if any(verifies(signature, content) for signature in signatures_of(signed.signature, version)):
        return
    what = "the body" if target is None else "the request (method, path, query and body)"
    raise InvalidSignature(f"no {version} signature verifies against {what}", path=SIGNATURE_HEADER)


def _ed25519_verifies(key: Ed25519PublicKey, signature: bytes, content: bytes) -> bool:
    try:
        key.verify(signature, content)
    except _CryptoInvalidSignature:
        return False
    return True


def verify_ed25519(
    signed: SignedHeaders,
    body: bytes,
    keys: Iterable[Ed25519PublicKey],
    target: RequestTarget | None = None,
) -> None:
    """Pass when any ``v1a`` signature verifies under any of ``keys`` (rotation), over the
    push form, or over the request form of ``target``."""
    candidates = list(keys)

    def verifies(signature: bytes, content: bytes) -> bool:
        return any(_ed25519_verifies(key, signature, content) for key in candidates)

    verify_any(signed, body, "v1a", verifies, target)


def verify_hmac(signed: SignedHeaders, body: bytes, secret: str) -> None:
    """Pass when any ``v1`` signature matches the HMAC of the body under ``secret`` (one that
    is no secret — ``hmac_key`` — believes no one)."""
    try:
        hmac_key(secret)
    except ValueError as exc:
        raise InvalidSignature(str(exc), path=SIGNATURE_HEADER) from None
    expected = HmacSigner(secret).sign(signed.msg_id, signed.timestamp, body).partition(",")[2]
    expected_raw = base64.b64decode(expected)
    for signature in signatures_of(signed.signature, "v1"):
        if hmac.compare_digest(signature, expected_raw):
            return
    raise InvalidSignature("no v1 signature matches the body", path=SIGNATURE_HEADER)
