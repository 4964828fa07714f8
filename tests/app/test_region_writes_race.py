"""Two operator writes of one region at once each keep what the other changed: a rename that
read the region before relaying was turned off does not turn it back on (review 109 F3)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from app_support import DAYE, Gateway, daye_black_entry

from chalicelib import bootstrap
from chalicelib.dynamodb import registry as registry_adapter

HUANGSHI = "420200"  # 黄石市, which relays 大冶市


def _put(gateway: Gateway, body: dict[str, Any]) -> Any:
    raw = json.dumps(body, ensure_ascii=False).encode()
    return gateway.client.http.put(f"/v1/regions/{HUANGSHI}", headers=gateway.operator(), body=raw)


def test_a_rename_racing_relaying_turned_off_keeps_relaying_off(gateway: Gateway) -> None:
    huangshi = gateway.register_platform(HUANGSHI)
    gateway.register_platform(DAYE)
    registry = bootstrap.container().registry
    real_get = registry._get
    read, turned_off = threading.Event(), threading.Event()

    def read_before_turned_off(key: Any) -> Any:
        found = real_get(key)
        if threading.current_thread().name == "rename" and not turned_off.is_set():
            read.set()
            assert turned_off.wait(10)
        return found

    registry._get = read_before_turned_off  # type: ignore[method-assign]
    replies: dict[str, Any] = {}
    renaming = threading.Thread(
        target=lambda: replies.update(rename=_put(gateway, {"name": "黄石市信用平台"})),
        name="rename",
    )
    renaming.start()
    assert read.wait(10)
    off = _put(gateway, {"name": "黄石市", "relays_subregions": False})
    assert off.status_code == 200
    assert off.json_body["relays_subregions"] is False
    turned_off.set()
    renaming.join(10)
    registry._get = real_get  # type: ignore[method-assign]

    assert replies["rename"].status_code == 200
    assert (
        replies["rename"].json_body["name"],
        replies["rename"].json_body["relays_subregions"],
    ) == (
        "黄石市信用平台",
        False,
    )
    stored = registry.get_region(HUANGSHI)
    assert stored is not None
    assert (stored.name, stored.relays_subregions) == (
        "黄石市信用平台",
        False,
    )
    relayed = gateway.push(huangshi, HUANGSHI, [daye_black_entry(origin_region=DAYE)])
    assert relayed.json_body["accepted"] == 0


def test_a_region_that_keeps_changing_under_a_write_is_503_with_nothing_written(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry_adapter, "pause", lambda _: 0.0)
    gateway.register_platform(HUANGSHI)
    registry = bootstrap.container().registry
    before = registry.get_region(HUANGSHI)
    registry._put_if = lambda **_: False  # type: ignore[method-assign]
    reply = _put(gateway, {"name": "黄石市信用平台"})
    assert (reply.status_code, reply.json_body["error"]["code"]) == (503, "busy")
    assert registry.get_region(HUANGSHI) == before
