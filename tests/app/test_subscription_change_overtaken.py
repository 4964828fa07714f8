"""A subscription change overtaken in every round by other writers (health notes, the region's
other changes) is 503 ``busy``, nothing written: it was a 500 (review 289)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import HUNAN, Gateway
from delivery_support import signed, subscribe
from delivery_support import subscription_path as path_of

from chalicelib import bootstrap
from chalicelib.dynamodb import subscriptions


def test_a_change_losing_every_round_is_busy_and_writes_nothing(
    gateway: Gateway, hunan: Any, hook: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = subscribe(gateway, hook.url, HUNAN)
    store = bootstrap.container().subscription_admin.subscriptions
    stored = store._stored
    before = store.get(created["subscription_id"])

    def overtaken(subscription: Any, held: str | None, size: int | None) -> bool:
        return False if size is None else stored(subscription, held, size)

    monkeypatch.setattr(store, "_stored", overtaken)
    monkeypatch.setattr(subscriptions, "pause", lambda attempt: 0.0)
    described = signed(gateway, hunan, "PATCH", path_of(created), {"description": "x"})
    paused = signed(gateway, hunan, "POST", path_of(created, "/pause"))

    assert (described.status_code, described.json_body["error"]["code"]) == (503, "busy")
    assert (paused.status_code, paused.json_body["error"]["code"]) == (503, "busy")
    assert described.headers["Retry-After"] == "1"
    assert store.get(created["subscription_id"]) == before
