"""Console sessions in the domain: only a digest is kept, lifetimes are capped (by the limit and
by the key's own end), and a session ends when it expires, is closed or its key stops being
valid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from builders import make_signer, platform_key

from gateway.console_sessions import ConsoleSession, ConsoleSessions, digest
from gateway.registry import PlatformKey, Region

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


class Store:
    def __init__(self) -> None:
        self.items: dict[str, ConsoleSession] = {}

    def put(self, digest: str, session: ConsoleSession) -> None:
        self.items[digest] = session

    def get(self, digest: str) -> ConsoleSession | None:
        return self.items.get(digest)

    def delete(self, digest: str) -> None:
        self.items.pop(digest, None)


class Keys:
    def __init__(self, *keys: PlatformKey) -> None:
        self.keys = {k.key_id: k for k in keys}

    def get_key(self, key_id: str) -> PlatformKey | None:
        return self.keys.get(key_id)

    def get_region(self, code: str) -> Region | None:
        return None


def key(valid_until: datetime | None = None) -> PlatformKey:
    return platform_key(make_signer("k-hunan"), "430000", valid_until=valid_until)


def test_the_store_holds_a_digest_never_the_token() -> None:
    store = Store()
    token, session = ConsoleSessions(store, Keys()).open(NOW, timedelta(hours=1))

    assert list(store.items) == [digest(token)]
    assert token not in store.items[digest(token)].model_dump_json()
    assert (session.role, session.region, session.expires_at) == (
        "operator",
        None,
        NOW + timedelta(hours=1),
    )


def test_a_lifetime_is_capped_by_the_limit_and_by_the_keys_own_end() -> None:
    ending = key(valid_until=NOW + timedelta(minutes=20))
    sessions = ConsoleSessions(Store(), Keys(ending))

    _, long = sessions.open(NOW, timedelta(days=3))
    _, cut = sessions.open(NOW, timedelta(hours=1), ending)

    assert long.expires_at == NOW + timedelta(hours=8)
    assert (cut.role, cut.region, cut.expires_at) == ("region", "430000", ending.valid_until)


def test_a_session_resolves_until_it_expires() -> None:
    platform = key()
    sessions = ConsoleSessions(Store(), Keys(platform))
    token, _ = sessions.open(NOW, timedelta(minutes=30), platform)

    assert sessions.resolve(token, NOW + timedelta(minutes=29))[1] == platform
    with pytest.raises(LookupError):
        sessions.resolve(token, NOW + timedelta(minutes=30))


def test_closing_or_losing_the_key_ends_it() -> None:
    platform = key()
    keys = Keys(platform)
    sessions = ConsoleSessions(Store(), keys)
    closed, _ = sessions.open(NOW, timedelta(minutes=30), platform)
    orphaned, _ = sessions.open(NOW, timedelta(minutes=30), platform)

    sessions.close(closed)
    with pytest.raises(LookupError):
        sessions.resolve(closed, NOW)
    keys.keys[platform.key_id] = platform.model_copy(update={"valid_until": NOW})
    with pytest.raises(LookupError, match="no longer valid"):
        sessions.resolve(orphaned, NOW)


def test_a_guessed_token_resolves_to_nothing() -> None:
    with pytest.raises(LookupError):
        ConsoleSessions(Store(), Keys()).resolve("cgs_guess", NOW)
