"""A breach recorded by a later push on a commitment whose period had already ended (the tick
expired it on day 6; the push moved its period on, content stored, status kept ``expired``)
dates the breach day 8, after the promise stopped applying: no black listing follows (review
320: widening ``broken`` to expired commitments listed it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CREDIT_CODE, Gateway, new_batch_id, push_body
from lifecycle_support import QINGCHENG, Lifecycle, china_noon, china_today

from chalicelib import bootstrap
from gateway_client.contract.clock import FixedClock


@pytest.fixture
def life(gateway) -> Iterator[Lifecycle]:  # type: ignore[no-untyped-def]
    yield Lifecycle(gateway)
    bootstrap.override_clock(None)


def commitment(sequence: int, until_days: int, stamped: datetime, **made: Any) -> dict[str, Any]:
    today = china_today()
    return {
        "credit_code": CREDIT_CODE,
        "subject_name": "清远某某化工有限公司",
        "kind": "commitment",
        "domain": "licensing_commitment",
        "reason": "承诺在15日内补交排污许可证副本",
        "deciding_authority": "清远市清城区政务服务中心",
        "decision_number": "清城政服承诺〔2026〕9号",
        "decided_on": (today - timedelta(days=10)).isoformat(),
        "valid_from": (today - timedelta(days=10)).isoformat(),
        "valid_until": (today + timedelta(days=until_days)).isoformat(),
        "source_updated_at": stamped.isoformat(),
        "source_sequence": sequence,
        "commitment": {
            "kind": "accept_with_deficiencies",
            "deadline": (today - timedelta(days=1)).isoformat(),
            **made,
        },
    }


@pytest.mark.parametrize(
    ("breach_day", "listed"),
    [
        (8, 0),
        (5, 0),
        (3, 1),
    ],  # after it ended; the day it ended (review 323); before: recorded late
)
def test_a_breach_pushed_after_the_commitment_expired_is_listed_only_if_dated_in_its_period(
    gateway: Gateway, life: Lifecycle, breach_day: int, listed: int
) -> None:
    owner = gateway.register_platform(QINGCHENG)
    policy = {"severity": "relatively_serious", "legal_basis": "《清城区信用承诺管理办法》第十条"}
    body = json.dumps({"name": "清城区", "broken_commitments": policy}, ensure_ascii=False)
    put = gateway.client.http.put(
        f"/v1/regions/{QINGCHENG}", headers=gateway.operator(), body=body.encode()
    )
    assert put.status_code == 200, put.json_body
    first = gateway.push(
        owner, QINGCHENG, [commitment(1, 5, datetime.now(UTC) - timedelta(minutes=5))]
    )
    assert first.status_code == 200, first.json_body
    commitment_id = first.json_body["outcomes"][-1]["listing_id"]

    # day 6: the promise's period is over, kept open: the tick expires it
    expired = life.tick(china_noon(china_today() + timedelta(days=6)))
    assert expired.json_body["expired"] == 1, expired.json_body

    # day 8: the owner pushes a breach dated ``breach_day``, the period moved on
    at = china_noon(china_today() + timedelta(days=8))
    bootstrap.override_clock(FixedClock(at))
    broken_on = (china_today() + timedelta(days=breach_day)).isoformat()
    late = commitment(2, 30, at, outcome="broken", outcome_on=broken_on)
    batch = new_batch_id()
    pushed = gateway.post_signed(
        "/v1/pushes", owner, batch, push_body(QINGCHENG, batch, [late], issued_at=at), now=at
    )
    bootstrap.override_clock(None)
    assert pushed.status_code < 500, pushed.json_body  # accepted today; a 4xx is correct too

    ticked = life.tick(china_noon(china_today() + timedelta(days=9)))
    assert ticked.status_code == 200, ticked.json_body
    # a promise that had ended cannot be broken afterwards: nothing is listed black from it
    assert ticked.json_body["broken_commitments_listed"] == listed, (
        commitment_id,
        ticked.json_body,
    )
