"""Console sessions: a short-lived bearer token for the browser console, obtained by a request
the operator or a region's platform authenticated in the usual way (its own signature, the
operator's credentials).

A browser cannot sign each request with a platform key that must never leave the platform, so
``gateway console`` signs one request that opens a session, and the page sends the session's
token instead. The token stands for the caller that opened it and nothing more: every route
applies its own checks to that caller, and routes that change lists or keys refuse a session
outright (``chalicelib.routing``), so a token left in a browser can look and run the console's
delivery actions, never push, decide or repair.

Only a digest of the token is stored, so the session table never holds a usable credential. A
region's session lasts no longer than the key that opened it: revoking the key ends it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Literal, Protocol

from pydantic import AwareDatetime

from gateway.registry import PlatformKey, Region
from gateway_client.contract import Frozen

PREFIX = "cgs_"
DEFAULT_TTL = timedelta(hours=1)
LONGEST_TTL = timedelta(hours=8)  # a working day's shift; then `gateway console` again


class ConsoleSession(Frozen):
    """Who a session speaks for: the operator, or a region through one of its keys."""

    role: Literal["operator", "region"]
    region: str | None = None
    key_id: str | None = None
    opened_at: AwareDatetime
    expires_at: AwareDatetime


class SessionStore(Protocol):
    def put(self, digest: str, session: ConsoleSession) -> None: ...

    def get(self, digest: str) -> ConsoleSession | None: ...

    def delete(self, digest: str) -> None: ...


class KeyLookup(Protocol):
    def get_key(self, key_id: str) -> PlatformKey | None: ...

    def get_region(self, code: str) -> Region | None: ...


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_session_token(token: str) -> bool:
    return token.startswith(PREFIX)


class ConsoleSessions:
    def __init__(self, store: SessionStore, keys: KeyLookup) -> None:
        self._store = store
        self._keys = keys

    def open(
        self, now: datetime, ttl: timedelta, key: PlatformKey | None = None
    ) -> tuple[str, ConsoleSession]:
        """A new session for ``key``'s region, or the operator's without one; ``ttl`` is cut
        to the key's own end of validity."""
        until = now + min(ttl, LONGEST_TTL)
        if key is not None and key.valid_until is not None:
            until = min(until, key.valid_until)
        session = ConsoleSession(
            role="operator" if key is None else "region",
            region=None if key is None else key.region,
            key_id=None if key is None else key.key_id,
            opened_at=now,
            expires_at=until,
        )
        token = PREFIX + secrets.token_urlsafe(32)
        self._store.put(digest(token), session)
        return token, session

    def resolve(self, token: str, now: datetime) -> tuple[ConsoleSession, PlatformKey | None]:
        """The live session of ``token`` and the key behind it, or ``LookupError``: unknown,
        expired, closed, or its key revoked or expired since."""
        session = self._store.get(digest(token))
        if session is None or session.expires_at <= now:
            raise LookupError("the console session is unknown or has expired")
        if session.key_id is None:
            return session, None
        key = self._keys.get_key(session.key_id)
        if key is None or not key.is_valid_at(now):
            raise LookupError("the key that opened this console session is no longer valid")
        return session, key

    def close(self, token: str) -> None:
        self._store.delete(digest(token))
