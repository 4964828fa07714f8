"""`enable` on a subscription that was never disabled leaves its endpoint health as it is
(review 281): it cleared `failing_since` and `warned_at`, so an owner calling it every few days
kept a failing endpoint from ever being warned about or disabled, and the gateway kept
attempting it. `enable` turns a disabled endpoint back on."""

from __future__ import annotations

from typing import Any

from app_support import HUNAN, black_entry
from delivery_support import push_and_fan_out, signed, subscribe
from delivery_support import subscription_path as path_of


def test_enable_on_an_enabled_failing_endpoint_keeps_its_failing_since(
    gateway: Any, stream: Any, queue: Any, hunan: Any, hook: Any
) -> None:
    created = subscribe(gateway, hook.url, HUNAN, retry_schedule_seconds=[0])
    hook.answer(500, "down")
    push_and_fan_out(gateway, stream, hunan, HUNAN, [black_entry()])
    for _ in range(3):
        queue.run()
    got = signed(gateway, hunan, "GET", path_of(created))
    failing = got.json_body["failing_since"]
    assert failing is not None, got.json_body
    assert got.json_body["enabled"] is True

    enabled = signed(gateway, hunan, "POST", path_of(created, "/enable"))
    assert enabled.status_code == 200, enabled.json_body

    after = signed(gateway, hunan, "GET", path_of(created))
    assert after.json_body["failing_since"] == failing, after.json_body["failing_since"]
