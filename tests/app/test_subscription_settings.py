"""Subscription settings that cannot work are refused at creation and on a change: a 4xx with
its code and path, and nothing stored or changed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import CITY, HUNAN, Gateway, error_code
from delivery_support import as_operator, subscribe
from delivery_support import subscription_path as path_of

from chalicelib.bootstrap import container
from gateway_client.contract import SubscriptionFilters

URL = "https://credit.hunan.example.cn/hooks"

REFUSED: list[tuple[dict[str, Any], int, str, str]] = [
    ({"url": "ftp://example.com/x"}, 400, "invalid_webhook_url", "url"),
    ({"url": "https://example.com:0/x"}, 400, "invalid_webhook_url", "url"),
    ({"url": "https://example.com:99999/x"}, 400, "invalid_webhook_url", "url"),
    (
        {"retry_schedule_seconds": [600, 5]},
        400,
        "invalid_retry_schedule",
        "retry_schedule_seconds.1",
    ),
    (
        {"retry_schedule_seconds": [0] * 20},
        400,
        "invalid_retry_schedule",
        "retry_schedule_seconds.0",
    ),
    (
        {"filters": {"kinds": ["black", "red", "black"]}},
        400,
        "duplicate_value",
        "filters.kinds.2",
    ),
    (
        {"filters": {"source_regions": [HUNAN, "650000"]}},
        403,
        "unknown_region",
        "filters.source_regions.1",
    ),
    (
        # a city of a registered province holds no platform of its own
        {"filters": {"source_regions": [HUNAN, "430100", "650000"]}},
        403,
        "unknown_region",
        "filters.source_regions.1",
    ),
    (  # a hundred roots at most: each subtree stands for its regions
        {"filters": {"source_regions": [f"{p}{c:02d}00" for p in (43, 44) for c in range(1, 52)]}},
        400,
        "too_many_source_regions",
        "filters.source_regions",
    ),
]


@pytest.fixture
def prod(gateway: Gateway) -> Gateway:
    """Outside the local stage, where retries may not be immediate (the local stage, which
    tests and the demo run, may retry after 0 s)."""
    gateway.configure(stage="prod", identity_key="a-deployment-identity-secret")
    gateway.put_region(HUNAN)
    return gateway


def listed(gateway: Gateway) -> list[dict[str, Any]]:
    return list(as_operator(gateway, "get", "/v1/subscriptions").json_body["subscriptions"])


def refused_as(reply: Any, status: int, code: str, path: str) -> None:
    assert (reply.status_code, error_code(reply)) == (status, code), reply.json_body
    assert reply.json_body["error"]["path"] == path


@pytest.mark.parametrize(("settings", "status", "code", "path"), REFUSED)
def test_a_subscription_that_cannot_work_is_refused_and_nothing_is_stored(
    prod: Gateway, settings: dict[str, Any], status: int, code: str, path: str
) -> None:
    reply = prod.subscribe_as_operator(**({"region": HUNAN, "url": URL} | settings))

    refused_as(reply, status, code, path)
    assert listed(prod) == []


@pytest.mark.parametrize(("settings", "status", "code", "path"), REFUSED)
def test_a_change_that_cannot_work_is_refused_and_nothing_changes(
    prod: Gateway, settings: dict[str, Any], status: int, code: str, path: str
) -> None:
    created = subscribe(prod, URL, HUNAN)
    before = listed(prod)

    body = json.dumps(settings).encode()
    reply = as_operator(prod, "patch", path_of(created), body)

    refused_as(reply, status, code, path)
    assert listed(prod) == before


def test_settings_that_back_off_and_name_registered_subtrees_are_kept(prod: Gateway) -> None:
    prod.put_region(CITY)  # 七台河市: the only platform under 黑龙江省 (230000)
    settings = {
        "retry_schedule_seconds": [1, 1, 60],
        "filters": {"kinds": ["black"], "source_regions": ["230000", HUNAN]},
    }

    created = subscribe(prod, "https://credit.hunan.example.cn:8443/hooks", HUNAN, **settings)

    [stored] = listed(prod)
    assert stored["retry_schedule_seconds"] == [1, 1, 60]
    assert stored["filters"]["source_regions"] == ["230000", HUNAN]
    assert stored["subscription_id"] == created["subscription_id"]


def test_the_local_stage_may_retry_at_once_but_never_sooner_than_before(
    gateway: Gateway,
) -> None:
    gateway.put_region(HUNAN)

    immediate = gateway.subscribe_as_operator(
        region=HUNAN, url="http://127.0.0.1:9/h", retry_schedule_seconds=[0, 0]
    )
    shrinking = gateway.subscribe_as_operator(
        region=HUNAN, url="http://127.0.0.1:9/h", retry_schedule_seconds=[5, 0]
    )

    assert immediate.status_code == 201
    refused_as(shrinking, 400, "invalid_retry_schedule", "retry_schedule_seconds.1")
    assert [s["retry_schedule_seconds"] for s in listed(gateway)] == [[0, 0]]


def test_a_subscription_stored_with_more_source_regions_before_the_limit_still_works(
    gateway: Gateway, receiver: Any
) -> None:
    """The limit judges what is asked, not what is stored: fan-out and the lists read it."""
    gateway.put_region(HUNAN)
    created = subscribe(gateway, receiver.url, HUNAN)
    subscriptions = container().subscriptions
    held = subscriptions.get(created["subscription_id"])
    assert held is not None
    roots = tuple(f"{p}{c:02d}00" for p in (23, 43) for c in range(1, 61))
    wide = held.model_copy(update={"filters": SubscriptionFilters(source_regions=roots)})
    subscriptions.put(wide)

    listed = as_operator(gateway, "get", "/v1/subscriptions")

    assert listed.status_code == 200, listed.json_body
    assert [len(s["filters"]["source_regions"]) for s in listed.json_body["subscriptions"]] == [120]
    assert [s.subscription_id for s in subscriptions.all()] == [created["subscription_id"]]
