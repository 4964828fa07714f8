"""A turn to batched delivery is written at the exchange log's head, as a change of terms is,
and counted against the same limit (``CG_TERMS_CHANGES_PER_MINUTE``, review 268: a region could
toggle single and batched without limit, each a transaction on the log's head)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, HUNAN, Gateway
from delivery_support import AnsweringReceiver, signed, subscribe, subscription_path

from chalicelib.dynamodb.subscriptions import DynamoSubscriptions


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per subscription write made at the log's head (``update_at``)."""
    made: list[int] = []
    original = DynamoSubscriptions.update_at

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        made.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(DynamoSubscriptions, "update_at", counting)
    return made


def test_switches_to_batched_are_bounded_like_other_log_head_transactions(
    gateway: Gateway, aws: Any, hook: AnsweringReceiver, pinned: list[int]
) -> None:
    gateway.configure(terms_changes_per_minute="2")
    gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    province = gateway.register_platform(HUNAN)
    mine = subscribe(gateway, hook.url)
    path = subscription_path(mine)
    answers = []
    for _ in range(5):
        answers.append(signed(gateway, province, "PATCH", path, {"delivery_mode": "batched"}))
        signed(gateway, province, "PATCH", path, {"delivery_mode": "single"})
    codes = [a.status_code for a in answers]
    # at most CG_TERMS_CHANGES_PER_MINUTE (here 2) log-head transactions a minute per region
    assert len(pinned) <= 2, codes
    assert 429 in codes


def test_batched_asked_again_is_neither_written_at_the_log_head_nor_counted(
    gateway: Gateway, aws: Any, hook: AnsweringReceiver, pinned: list[int]
) -> None:
    """As terms repeated (review 45): a subscription batched already, asked for batched again."""
    gateway.configure(terms_changes_per_minute="1")
    gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    province = gateway.register_platform(HUNAN)
    path = subscription_path(subscribe(gateway, hook.url, delivery_mode="batched"))
    codes = [
        signed(gateway, province, "PATCH", path, {"delivery_mode": "batched"}).status_code
        for _ in range(3)
    ]

    assert (codes, pinned) == ([200, 200, 200], [])
