"""Who signed a request: key id → registry → signature and timestamp; shared by every signed
route (pushes, uploads and the platform's other calls)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.errors import MissingSignature, UnknownKey, UnknownRegion
from gateway.ports import Registry
from gateway.rate_limit import RateCounter, admit
from gateway.registry import PlatformKey, Region
from gateway.signing import KEY_ID_HEADER, SignedHeaders, load_public_key, verify_ed25519


@dataclass(frozen=True)
class Authenticated:
    """A request whose signature verified: the key that signed it, and its headers."""

    key: PlatformKey
    region: Region
    signed: SignedHeaders

    def rate_limit(self, counter: RateCounter, now: datetime, default_limit: int) -> None:
        """Count this request against its region's per-minute limit (429 over it)."""
        admit(counter, self.region.code, now, self.region.push_rate_per_minute or default_limit)


def authenticate(
    registry: Registry, headers: Mapping[str, str], body: bytes, now: datetime, tolerance: timedelta
) -> Authenticated:
    """Prove a platform signed ``body``; shared by every signed endpoint.

    Raises
    ------
    MissingSignature, InvalidSignature, TimestampOutOfWindow, UnknownKey, UnknownRegion
    """
    signed = SignedHeaders.from_headers(headers)
    key_id = next((v.strip() for k, v in headers.items() if k.lower() == KEY_ID_HEADER), "")
    if not key_id:
        raise MissingSignature(f"missing header: {KEY_ID_HEADER}", headers=[KEY_ID_HEADER])
    key = registry.get_key(key_id)
    if key is None or not key.is_valid_at(now):
        raise UnknownKey(f"key {key_id!r} is not registered or not valid now", key_id=key_id)
    region = registry.get_region(key.region)
    if region is None:
        raise UnknownRegion(f"region {key.region} is not registered", region=key.region)
    signed.check_timestamp(now, tolerance)
    verify_ed25519(signed, body, [load_public_key(key.public_key)])
    return Authenticated(key=key, region=region, signed=signed)
