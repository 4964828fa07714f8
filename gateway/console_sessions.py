"""Console sessions: a short-lived bearer token for the browser console, obtained by a request
the operator or a region's platform authenticated in the usual way (its own signature, the
operator's token).

A browser cannot sign each request with a platform key that must never leave the platform, so
``gateway console`` signs one request and the page sends the session's token instead. The token
stands for the caller that opened it and nothing more: every route applies its own checks to
that caller, and only the routes the console needs accept a session at all
(``chalicelib.console_api``), so a token left in a browser can look and run the console's
delivery actions, never push, decide or repair.

What makes a stolen token short-lived and containable:

- only a digest of a token is stored, so the table never holds a usable credential;
- ``gateway console`` never puts the token in a URL: it gets a **hand-off code** that the page
  exchanges, once, within a minute, for the session (``offer`` / ``redeem``), so a browser's
  history or a process list shows a code already spent;
- a region's session ends with the key that opened it; the operator's, when the operator token
  changes (the session keeps a fingerprint of the token it was opened with);
- each scope (a region, or the operator) has a generation: ``close_all`` moves it on and every
  session opened before stops at once — a stolen laptop costs one request, not a key rotation.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal, Protocol

from pydantic import AwareDatetime

from gateway.registry import PlatformKey
from gateway_client.contract import Frozen

SESSION_PREFIX = "cgs_"
HANDOFF_PREFIX = "cgh_"
DEFAULT_TTL = timedelta(hours=1)
LONGEST_TTL = timedelta(hours=8)  # a working day's shift; then `gateway console` again
HANDOFF_TTL = timedelta(minutes=1)
OPERATOR = "operator"  # the operator's scope of generations


class ConsoleSession(Frozen):
    """Who a session speaks for: the operator, or a region through one of its keys."""

    role: Literal["operator", "region"]
    region: str | None = None
    key_id: str | None = None
    credential: str | None = None  # the operator: the fingerprint of the token that opened it
    generation: int = 0  # its scope's generation when it was opened
    opened_at: AwareDatetime
    expires_at: AwareDatetime

    @property
    def scope(self) -> str:
        return self.region or OPERATOR


class SessionStore(Protocol):
    def put(self, digest: str, session: ConsoleSession, until: datetime) -> None:
        """Keep ``session`` under ``digest`` until ``until`` (a session or a hand-off)."""
        ...

    def get(self, digest: str) -> ConsoleSession | None: ...

    def take(self, digest: str) -> ConsoleSession | None:
        """Delete and return what ``digest`` holds: of two concurrent takes, one gets it."""
        ...

    def generation(self, scope: str) -> int: ...

    def advance(self, scope: str) -> None: ...


class KeyLookup(Protocol):
    def get_key(self, key_id: str) -> PlatformKey | None: ...


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def fingerprint(operator_token: str) -> str:
    return digest(f"console-operator:{operator_token}")


class ConsoleSessions:
    def __init__(
        self, store: SessionStore, keys: KeyLookup, operator_token: Callable[[], str | None]
    ) -> None:
        self._store = store
        self._keys = keys
        self._operator_token = operator_token

    def offer(
        self, now: datetime, ttl: timedelta, key: PlatformKey | None = None
    ) -> tuple[str, ConsoleSession]:
        """A one-time hand-off code, good for ``HANDOFF_TTL``, for a session of ``key``'s
        region (the operator's without one) lasting ``ttl`` from its redemption."""
        template = self._template(now, ttl, key)
        code = HANDOFF_PREFIX + secrets.token_urlsafe(32)
        self._store.put(digest(code), template, now + HANDOFF_TTL)
        return code, template

    def redeem(self, code: str, now: datetime) -> tuple[str, ConsoleSession]:
        """The session a hand-off code stands for, opened now; ``LookupError`` for a code
        unknown, already used or older than a minute."""
        offered = self._store.take(digest(code))
        if offered is None or offered.opened_at + HANDOFF_TTL <= now:
            raise LookupError("the hand-off code is unknown, used or expired")
        key = self._live(offered, now)  # closed, or its key revoked, since it was offered
        until = now + (offered.expires_at - offered.opened_at)
        if key is not None and key.valid_until is not None:  # no later than its key (review 201)
            until = min(until, key.valid_until)
        session = offered.model_copy(update={"opened_at": now, "expires_at": until})
        return self._open(session)

    def open(
        self, now: datetime, ttl: timedelta, key: PlatformKey | None = None
    ) -> tuple[str, ConsoleSession]:
        """A session now (for a caller that can keep a token to itself, not a browser)."""
        return self._open(self._template(now, ttl, key))

    def resolve(self, token: str, now: datetime) -> tuple[ConsoleSession, PlatformKey | None]:
        """The live session of ``token`` and the key behind it, or ``LookupError``: unknown,
        expired, closed, its scope closed since, or its credential gone."""
        session = self._store.get(digest(token))
        if session is None or session.expires_at <= now:
            raise LookupError("the console session is unknown or has expired")
        return session, self._live(session, now)

    def _live(self, session: ConsoleSession, now: datetime) -> PlatformKey | None:
        """The key behind a session (or a hand-off offered for one), or ``LookupError``: its
        scope closed since, or its credential gone."""
        if session.generation != self._store.generation(session.scope):
            raise LookupError("the console sessions of this region were closed")
        if session.key_id is None:
            current = self._operator_token()
            if current is None or session.credential != fingerprint(current):
                raise LookupError("the operator token that opened this session has changed")
            return None
        key = self._keys.get_key(session.key_id)
        if key is None or not key.is_valid_at(now):
            raise LookupError("the key that opened this console session is no longer valid")
        return key

    def close(self, token: str) -> None:
        self._store.take(digest(token))

    def close_all(self, region: str | None) -> None:
        """End every session of ``region`` (the operator's: ``None``) opened so far."""
        self._store.advance(region or OPERATOR)

    def _template(self, now: datetime, ttl: timedelta, key: PlatformKey | None) -> ConsoleSession:
        until = now + min(ttl, LONGEST_TTL)
        if key is not None and key.valid_until is not None:
            until = min(until, key.valid_until)
        operator_token = self._operator_token() if key is None else None
        if key is None and operator_token is None:
            raise LookupError("no operator token is configured")
        scope = OPERATOR if key is None else key.region
        return ConsoleSession(
            role="operator" if key is None else "region",
            region=None if key is None else key.region,
            key_id=None if key is None else key.key_id,
            credential=fingerprint(operator_token) if operator_token else None,
            generation=self._store.generation(scope),
            opened_at=now,
            expires_at=until,
        )

    def _open(self, session: ConsoleSession) -> tuple[str, ConsoleSession]:
        token = SESSION_PREFIX + secrets.token_urlsafe(32)
        self._store.put(digest(token), session, session.expires_at)
        return token, session


def is_session_token(token: str) -> bool:
    return token.startswith(SESSION_PREFIX)
