"""Who signed a request: key id → registry → signature and timestamp; shared by every signed
route (pushes, uploads and the platform's other calls).

Pushes and uploads are signed in the Standard Webhooks form and made idempotent by their batch
or upload id. Every other signed request is signed over what it does (``RequestTarget``) and
its ``webhook-id`` is used up (``NonceStore``), so its headers cannot be sent again — not to
another route, not to another resource, not to the same one twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gateway.ports import NonceStore, Registry
from gateway.rate_limit import RateCounter, admit
from gateway.registry import KEY_ID_PATTERN, PlatformKey, Region
from gateway_client.contract import (
    ID_HEADER,
    KEY_ID_HEADER,
    REQUEST_ID_RE,
    BadRequest,
    InvalidSignature,
    MissingSignature,
    RequestReplayed,
    RequestTarget,
    SignedHeaders,
    UnknownKey,
    UnknownRegion,
    load_public_key,
    verify_ed25519,
    verify_sm2,
)

_KEY_ID = re.compile(KEY_ID_PATTERN)


@dataclass(frozen=True)
class Authenticated:
    """A request whose signature verified: the key that signed it, and its headers.

    ``repeated``: its webhook-id had been used before (only an idempotent creation, which
    answers with what the first use created, accepts that).
    """

    key: PlatformKey
    region: Region
    signed: SignedHeaders
    repeated: bool = False

    def rate_limit(self, counter: RateCounter, now: datetime, default_limit: int) -> None:
        """Count this request against its region's per-minute limit (429 over it)."""
        admit(counter, self.region.code, now, self.region.push_rate_per_minute or default_limit)


def authenticate(
    registry: Registry,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    tolerance: timedelta,
    target: RequestTarget | None = None,
) -> Authenticated:
    """Prove a platform signed ``body`` (and, with ``target``, the request form).

    Raises
    ------
    MissingSignature, InvalidSignature, TimestampOutOfWindow, UnknownKey, UnknownRegion
    """
    signed = SignedHeaders.from_headers(headers)
    key_id = next((v.strip() for k, v in headers.items() if k.lower() == KEY_ID_HEADER), "")
    if not key_id:
        raise MissingSignature(
            f"missing header: {KEY_ID_HEADER}", headers=[KEY_ID_HEADER], path=KEY_ID_HEADER
        )
    if not _KEY_ID.fullmatch(key_id):  # looked up, one over 2 KB failed DynamoDB's read (500)
        raise UnknownKey(
            f"{KEY_ID_HEADER} is no key id a key can have: 3–64 letters, digits, '.', '_' or '-'",
            path=KEY_ID_HEADER,
        )
    key = registry.get_key(key_id)
    if key is None or not key.is_valid_at(now):
        raise UnknownKey(
            f"key {key_id!r} is not registered or not valid now", key_id=key_id, path=KEY_ID_HEADER
        )
    region = registry.get_region(key.region)
    if region is None:
        raise UnknownRegion(
            f"region {key.region} is not registered", region=key.region, path=KEY_ID_HEADER
        )
    signed.check_timestamp(now, tolerance)
    if key.algorithm == "sm2":
        verify_sm2(signed, body, [key.sm2_verifier()], target)
    else:
        verify_ed25519(signed, body, [_sound(key)], target)
    return Authenticated(key=key, region=region, signed=signed)


def _sound(key: PlatformKey) -> Ed25519PublicKey:
    """The key to verify with; one registered before small-order keys were refused (review
    91), under which any message would verify, verifies nothing."""
    try:
        return load_public_key(key.public_key)
    except ValueError as error:
        raise InvalidSignature(f"key {key.key_id} cannot verify: {error}") from None


def authenticate_request(
    registry: Registry,
    nonces: NonceStore,
    headers: Mapping[str, str],
    target: RequestTarget,
    body: bytes,
    now: datetime,
    tolerance: timedelta,
    *,
    idempotent: bool = False,
) -> Authenticated:
    """Prove a platform signed this request (method, path, query, body), and use up its
    webhook-id. The nonce is written only after the signature verified, so nobody can spend
    a platform's ids for it; it outlives the timestamp's window, after which the headers are
    refused as too old anyway.

    Raises
    ------
    as ``authenticate``; BadRequest (a webhook-id the request form cannot carry);
    RequestReplayed (the key used this webhook-id already), unless ``idempotent``
    """
    auth = authenticate(registry, headers, body, now, tolerance, target)
    msg_id = auth.signed.msg_id
    if not REQUEST_ID_RE.fullmatch(msg_id):
        raise BadRequest(
            "webhook-id must be 1–128 letters, digits, '_' or '-'; a new one for each request",
            path=ID_HEADER,
        )
    signed_at = datetime.fromtimestamp(auth.signed.timestamp, UTC)
    if nonces.use(auth.region.code, msg_id, now, signed_at + 2 * tolerance):
        return auth
    if idempotent:
        return replace(auth, repeated=True)
    raise replayed(auth)


def replayed(auth: Authenticated) -> RequestReplayed:
    """The refusal of a request whose webhook-id its key used before (409)."""
    return RequestReplayed(
        f"webhook-id {auth.signed.msg_id} was already used by {auth.region.code}: "
        "sign each request with a new webhook-id",
        header=ID_HEADER,
        path=ID_HEADER,
    )
