"""A turn to batched delivery is written at the exchange log's head, as a change of terms is,
and counted against the same limit (``CG_TERMS_CHANGES_PER_MINUTE``, review 268: a region could
toggle single and batched without limit, each a transaction on the log's head)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, HUNAN, Gateway
from delivery_support import AnsweringReceiver, signed, subscribe, subscription_path

from chalicelib.dynamodb.subscriptions import DynamoSubscriptions


def test_switches_to_batched_are_bounded_like_other_log_head_transactions(
    gateway: Gateway, aws: Any, hook: AnsweringReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.configure(terms_changes_per_minute="2")
    gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    province = gateway.register_platform(HUNAN)
    mine = subscribe(gateway, hook.url)
    path = subscription_path(mine)
    pinned: list[int] = []
    original = DynamoSubscriptions.update_at

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        pinned.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(DynamoSubscriptions, "update_at", counting)
    answers = []
    for _ in range(5):
        answers.append(signed(gateway, province, "PATCH", path, {"delivery_mode": "batched"}))
        signed(gateway, province, "PATCH", path, {"delivery_mode": "single"})
    codes = [a.status_code for a in answers]
    # at most CG_TERMS_CHANGES_PER_MINUTE (here 2) log-head transactions a minute per region
    assert len(pinned) <= 2, codes
    assert 429 in codes
