"""A broken promise revoked as wrong after the black listing made from it ended (repaired, or
expired at its period's end): the tick revokes that listing too, so it no longer counts as a
true record ended within three years, closing the subject's green channel, and subscribers hear
it was withdrawn (review 296: only a listing still standing was revoked)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from app_support import CITY, CREDIT_CODE
from lifecycle_support import listing_path
from test_broken_commitment_listings import blacks, city_with_policy, pushed_at, tick_at
from test_commitment_routes import broken, commitment

REVOKED = {
    "credit_code": CREDIT_CODE,
    "kind": "commitment",
    "domain": "licensing_commitment",
    "deciding_authority": "七台河市政务服务中心",
    "decision_number": "七政服承诺〔2026〕8号",
    "reason": "revoked",
    "note": "",
    "source_sequence": 0,
}


def _repaired(gateway, city, clock, black) -> str:  # type: ignore[no-untyped-def]
    clock.advance(timedelta(days=100))  # past the general severity's 3 months
    body = {"reason": "已整改并作出新承诺", "source_updated_at": clock.now().isoformat()}
    path = listing_path(CREDIT_CODE, black["listing_id"]) + "/repair"
    raw = json.dumps(body, ensure_ascii=False).encode()
    assert gateway.post_signed(path, city, None, raw, clock.now()).status_code == 200
    return "repaired"


def _expired(gateway, city, clock, black) -> str:  # type: ignore[no-untyped-def]
    clock.advance(timedelta(days=370))  # past the general policy's year
    tick_at(gateway, clock)
    return "expired"


@pytest.mark.parametrize("end", [_repaired, _expired])
def test_an_ended_black_listing_of_a_revoked_promise_is_revoked_too(gateway, end):
    with city_with_policy(gateway) as (city, clock):
        assert pushed_at(gateway, city, clock, [commitment(), broken()])["errors"] == []
        assert tick_at(gateway, clock)["broken_commitments_listed"] == 1
        [black] = blacks(gateway)
        ended = end(gateway, city, clock, black)
        assert [b["status"] for b in blacks(gateway)] == [ended]

        clock.advance(timedelta(days=1))
        removal = {**REVOKED, "source_updated_at": clock.now().isoformat()}
        assert pushed_at(gateway, city, clock, removals=[removal])["removed"] == 1
        assert tick_at(gateway, clock)["broken_commitments_unlisted"] == 1
        view = gateway.client.http.get(
            f"/v1/subjects/{CREDIT_CODE}?as={CITY}", headers=gateway.operator()
        ).json_body
        after = blacks(gateway)
        assert tick_at(gateway, clock)["broken_commitments_unlisted"] == 0  # once

    assert [b["status"] for b in after] == ["revoked"]
    refused = view["benefits"]["refused_because"]
    assert "broken_commitment" not in refused, refused
    assert "black_listing_ended_within_three_years" not in refused, refused
