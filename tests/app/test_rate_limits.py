"""Per-region push rate limits: a region over its limit gets 429 with Retry-After; others don't."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from app_support import CITY, HUNAN, black_entry, error_code

from chalicelib import bootstrap
from gateway_client.contract.clock import FixedClock


def limit_region(gateway, code: str, per_minute: int) -> None:
    body = json.dumps({"name": "地区", "push_rate_per_minute": per_minute}).encode()
    reply = gateway.client.http.put(f"/v1/regions/{code}", headers=gateway.operator(), body=body)
    assert reply.status_code == 200
    assert reply.json_body["push_rate_per_minute"] == per_minute


def standing_minute() -> None:
    """Hold the gateway's clock 20 s into the next minute (keys registered just now are valid
    by then): a test's pushes fall in one rate window, where a real minute could turn between
    two of them."""
    moment = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=20, microsecond=0)
    bootstrap.override_clock(FixedClock(moment))


def test_a_region_over_its_limit_is_told_when_to_come_back(gateway):
    signer = gateway.register_platform(CITY)
    limit_region(gateway, CITY, 2)
    standing_minute()

    statuses = [gateway.push(signer, CITY, [black_entry()]).status_code for _ in range(2)]
    refused = gateway.push(signer, CITY, [black_entry()])

    assert statuses == [200, 200]
    assert refused.status_code == 429
    assert error_code(refused) == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert refused.json_body["error"]["limit"] == 2


def test_another_regions_pushes_do_not_count(gateway):
    busy = gateway.register_platform(CITY)
    other = gateway.register_platform(HUNAN)
    limit_region(gateway, CITY, 1)
    limit_region(gateway, HUNAN, 1)
    standing_minute()

    assert gateway.push(busy, CITY, [black_entry()]).status_code == 200
    assert gateway.push(busy, CITY, [black_entry()]).status_code == 429
    assert gateway.push(other, HUNAN, [black_entry(origin_region=None)]).status_code != 429


def test_the_default_limit_comes_from_the_settings(gateway):
    gateway.configure(push_rate_per_minute="1")
    signer = gateway.register_platform(CITY)
    standing_minute()

    assert gateway.push(signer, CITY, [black_entry()]).status_code == 200
    assert gateway.push(signer, CITY, [black_entry()]).status_code == 429


def test_an_unsigned_flood_is_refused_before_it_counts(gateway):
    signer = gateway.register_platform(CITY)
    limit_region(gateway, CITY, 1)
    body = b'{"region": "230900"}'

    anonymous = [gateway.client.http.post("/v1/pushes", body=body).status_code for _ in range(3)]

    assert anonymous == [401, 401, 401]
    assert gateway.push(signer, CITY, [black_entry()]).status_code == 200
