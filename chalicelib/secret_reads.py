"""Secrets the functions read: inline settings for the local stack, Secrets Manager when
deployed; each read on first use, once, so a function whose role may not read a secret never
tries to (``infra/package.py`` grants each role only what its handlers use)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from functools import cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr

from chalicelib.settings import Settings
from gateway.recognition import trail_key
from gateway_client.contract import (
    LOCAL_IDENTITY_SECRET,
    SM2_DEFAULT_USER_ID,
    Ed25519Signer,
    Sm2PrivateKey,
    Sm2Signer,
    identity_key,
)

log = logging.getLogger("credit_gateway.secrets")


def read_secret(client: Any, inline: SecretStr | None, arn: str | None) -> str | None:
    """The inline value when set, else the Secrets Manager one."""
    if inline is not None:
        return inline.get_secret_value()
    if arn is None:
        return None
    value: str = client.get_secret_value(SecretId=arn)["SecretString"]
    return value


OPERATOR_TOKEN_REREAD = 60.0
"""Seconds a container keeps the operator token it read: a token changed after a leak stops
opening anything, and the console sessions it opened end, within a minute on every running
function (kept for a container's life, it would go on working as long as AWS keeps it)."""


OPERATOR_TOKEN_STALE = 600.0
"""Seconds a token read before may still be used while Secrets Manager fails to answer: a
moment's throttling fails no operator call, a lasting outage does not keep a changed token."""


def fresh_secret(
    secrets: Any, inline: SecretStr | None, arn: str | None
) -> Callable[[], str | None]:
    """A secret read on first use and again once ``OPERATOR_TOKEN_REREAD`` has passed; a
    re-read that fails keeps the value read last, up to ``OPERATOR_TOKEN_STALE`` after it,
    and is tried again a ``OPERATOR_TOKEN_REREAD`` later."""
    held: list[tuple[float, float, str | None]] = []  # (tried, read, value)

    def read() -> str | None:
        now = time.monotonic()
        if held and now - held[0][0] < OPERATOR_TOKEN_REREAD:
            return held[0][2]
        try:
            held[:] = [(now, now, read_secret(secrets, inline, arn))]
        except Exception:
            if not held or now - held[0][1] >= OPERATOR_TOKEN_STALE:
                raise
            log.warning("the operator token's secret could not be read again; kept", exc_info=True)
            held[:] = [(now, held[0][1], held[0][2])]
        return held[0][2]

    return read


def lazy_secret(secrets: Any, inline: SecretStr | None, arn: str | None) -> Callable[[], str]:
    """A secret read on first use, once: each function's role may read only the secrets its
    handlers use (``infra/package.py``), so none is read just because the container is built."""
    return cache(lambda: read_secret(secrets, inline, arn) or "")


class SecretSigner(Ed25519Signer):
    """The gateway's Ed25519 signer, its key derived from the signing secret on first use."""

    _load: Callable[[], Ed25519PrivateKey]

    def __init__(self, key_id: str, load: Callable[[], Ed25519PrivateKey]) -> None:
        object.__setattr__(self, "key_id", key_id)
        object.__setattr__(self, "_load", cache(load))

    @property
    def private_key(self) -> Ed25519PrivateKey:
        return self._load()


class SecretSm2Signer(Sm2Signer):
    """The gateway's SM2 signer (default user ID), its key derived on first use."""

    _load: Callable[[], Sm2PrivateKey]

    def __init__(self, key_id: str, load: Callable[[], Sm2PrivateKey]) -> None:
        object.__setattr__(self, "key_id", key_id)
        object.__setattr__(self, "user_id", SM2_DEFAULT_USER_ID)
        object.__setattr__(self, "_load", cache(load))

    @property
    def private_key(self) -> Sm2PrivateKey:
        return self._load()


def trail_key_reader(
    secrets: Any, settings: Settings, signing_secret: Callable[[], str]
) -> Callable[[], bytes]:
    """The query trail's key, from its own secret or else from the signing secret (each under
    the trail's label), fetched once and only when a query first needs it."""

    @cache
    def load() -> bytes:
        own = read_secret(secrets, settings.trail_key, settings.trail_key_secret_arn)
        return trail_key(own or signing_secret())

    return load


def identity_key_reader(secrets: Any, settings: Settings) -> Callable[[], bytes]:
    """The listing-id key, read when an id is first derived (the API and the upload worker;
    fan-out and delivery never derive one, so they need no access to the secret). Only the
    local stage, which ``Settings`` checks, falls back to the fixed local key."""

    @cache
    def load() -> bytes:
        own = read_secret(secrets, settings.identity_key, settings.identity_key_secret_arn)
        return identity_key(own or LOCAL_IDENTITY_SECRET)

    return load


OpeningKeys = Callable[[str, str, str], bytes]
"""(kind — ``check`` or ``bulk`` —, the asking region or ``operator``, the check's id) → key."""


def report_opening_keys(identity: Callable[[], bytes]) -> OpeningKeys:
    """A check's key to its openings (``gateway_client.contract.report_codes``), derived from
    the listing-id secret and the check's kind, asker and id: nothing holds an opening, no one
    without the secret can make one, and no check's key is another's — an upload named after
    another region's check (its id is the client's) is given its own (review 140)."""

    def key(kind: str, asker: str, check_id: str) -> bytes:
        label = f"credit-gateway report openings v2\n{kind}\n{asker}\n{check_id}".encode()
        return hmac.new(identity(), label, hashlib.sha256).digest()

    return key
