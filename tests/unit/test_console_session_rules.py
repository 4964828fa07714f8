"""Console sessions in the domain: only a digest is kept, lifetimes are capped (by the limit and
by the key's own end), a hand-off code works once and for a minute, and a session ends when it
expires, is closed, its region's sessions are closed, its key stops being valid or the operator
token that opened it changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from builders import make_signer, platform_key

from gateway.console_sessions import ConsoleSession, ConsoleSessions, digest
from gateway.registry import PlatformKey

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


OPERATOR_TOKEN = "operator-token-of-at-least-24-chars"


class Store:
    def __init__(self) -> None:
        self.items: dict[str, ConsoleSession] = {}
        self.generations: dict[str, int] = {}

    def put(self, digest: str, session: ConsoleSession, until: datetime) -> None:
        self.items[digest] = session

    def get(self, digest: str) -> ConsoleSession | None:
        return self.items.get(digest)

    def take(self, digest: str) -> ConsoleSession | None:
        return self.items.pop(digest, None)

    def generation(self, scope: str) -> int:
        return self.generations.get(scope, 0)

    def advance(self, scope: str) -> None:
        self.generations[scope] = self.generation(scope) + 1


class Keys:
    def __init__(self, *keys: PlatformKey) -> None:
        self.keys = {k.key_id: k for k in keys}

    def get_key(self, key_id: str) -> PlatformKey | None:
        return self.keys.get(key_id)


def sessions(
    store: Store | None = None, *keys: PlatformKey, token: list[str] | None = None
) -> ConsoleSessions:
    current = token if token is not None else [OPERATOR_TOKEN]
    return ConsoleSessions(store or Store(), Keys(*keys), lambda: current[0] if current else None)


def key(valid_until: datetime | None = None) -> PlatformKey:
    return platform_key(make_signer("k-hunan"), "430000", valid_until=valid_until)


def test_the_store_holds_a_digest_never_the_token() -> None:
    store = Store()
    token, session = sessions(store).open(NOW, timedelta(hours=1))

    assert list(store.items) == [digest(token)]
    assert token not in store.items[digest(token)].model_dump_json()
    assert (session.role, session.region, session.expires_at) == (
        "operator",
        None,
        NOW + timedelta(hours=1),
    )


def test_a_lifetime_is_capped_by_the_limit_and_by_the_keys_own_end() -> None:
    ending = key(valid_until=NOW + timedelta(minutes=20))
    made = sessions(None, ending)

    _, long = made.open(NOW, timedelta(days=3))
    _, cut = made.open(NOW, timedelta(hours=1), ending)

    assert long.expires_at == NOW + timedelta(hours=8)
    assert (cut.role, cut.region, cut.expires_at) == ("region", "430000", ending.valid_until)


def test_a_session_resolves_until_it_expires() -> None:
    platform = key()
    made = sessions(None, platform)
    token, _ = made.open(NOW, timedelta(minutes=30), platform)

    assert made.resolve(token, NOW + timedelta(minutes=29))[1] == platform
    with pytest.raises(LookupError):
        made.resolve(token, NOW + timedelta(minutes=30))


def test_closing_or_losing_the_key_ends_it() -> None:
    platform = key()
    keys = Keys(platform)
    made = ConsoleSessions(Store(), keys, lambda: OPERATOR_TOKEN)
    closed, _ = made.open(NOW, timedelta(minutes=30), platform)
    orphaned, _ = made.open(NOW, timedelta(minutes=30), platform)

    made.close(closed)
    with pytest.raises(LookupError):
        made.resolve(closed, NOW)
    keys.keys[platform.key_id] = platform.model_copy(update={"valid_until": NOW})
    with pytest.raises(LookupError, match="no longer valid"):
        made.resolve(orphaned, NOW)


def test_a_guessed_token_resolves_to_nothing() -> None:
    with pytest.raises(LookupError):
        sessions().resolve("cgs_guess", NOW)


def test_a_handoff_code_opens_one_session_once_within_a_minute() -> None:
    platform = key()
    store = Store()
    made = sessions(store, platform)
    code, offered = made.offer(NOW, timedelta(minutes=30), platform)
    late, _ = made.offer(NOW, timedelta(minutes=30), platform)

    later = NOW + timedelta(seconds=59)
    token, session = made.redeem(code, later)
    assert (session.region, session.opened_at, session.expires_at) == (
        "430000",
        later,
        later + timedelta(minutes=30),
    )
    assert made.resolve(token, later)[0] == session
    with pytest.raises(LookupError, match="used"):
        made.redeem(code, later)
    with pytest.raises(LookupError):
        made.redeem(late, NOW + timedelta(minutes=1))
    with pytest.raises(LookupError):
        made.resolve(code, NOW)  # a code is no token
    assert offered.expires_at - offered.opened_at == timedelta(minutes=30)


def test_closing_a_regions_sessions_ends_every_one_opened_before_and_none_after() -> None:
    platform = key()
    made = sessions(None, platform)
    before, _ = made.open(NOW, timedelta(minutes=30), platform)
    operator, _ = made.open(NOW, timedelta(minutes=30))

    made.close_all("430000")
    after, _ = made.open(NOW, timedelta(minutes=30), platform)

    with pytest.raises(LookupError, match="closed"):
        made.resolve(before, NOW)
    assert made.resolve(after, NOW)[0].region == "430000"
    assert made.resolve(operator, NOW)[0].role == "operator"


def test_an_operator_session_ends_when_the_operator_token_changes() -> None:
    current = [OPERATOR_TOKEN]
    made = sessions(None, token=current)
    token, session = made.open(NOW, timedelta(minutes=30))

    assert OPERATOR_TOKEN not in session.model_dump_json()
    assert made.resolve(token, NOW)[0].role == "operator"
    current[0] = "a-new-operator-token-after-a-leak"
    with pytest.raises(LookupError, match="changed"):
        made.resolve(token, NOW)
    current.clear()
    with pytest.raises(LookupError):
        made.resolve(token, NOW)
