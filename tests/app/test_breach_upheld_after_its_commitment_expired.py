"""A broken promise the subject objects to at once (before the tick lists it)
is suspended; if the commitment's own period ends while the breach is being verified, the
tick expires it, and the decision upholding the breach finds it ended — so the owner's
policy never lists it (``broken`` wants it active), though the breach was found true and
its black listing's own period (from the breach) is still running (review 318). Listed once
the objection is decided so; never while it is open, nor once a decision took the breach
back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CREDIT_CODE, Gateway, new_batch_id
from lifecycle_support import (
    GUANGDONG,
    QINGCHENG,
    Lifecycle,
    china_noon,
    china_today,
    listing_path,
)

from chalicelib import bootstrap
from gateway_client.contract.clock import FixedClock


@pytest.fixture
def life(gateway) -> Iterator[Lifecycle]:  # type: ignore[no-untyped-def]
    yield Lifecycle(gateway)
    bootstrap.override_clock(None)


def commitment(sequence: int, **made: Any) -> dict[str, Any]:
    today = china_today()
    return {
        "credit_code": CREDIT_CODE,
        "subject_name": "清远某某化工有限公司",
        "kind": "commitment",
        "domain": "licensing_commitment",
        "reason": "承诺在15日内补交排污许可证副本",
        "deciding_authority": "清远市清城区政务服务中心",
        "decision_number": "清城政服承诺〔2026〕8号",
        "decided_on": (today - timedelta(days=10)).isoformat(),
        "valid_from": (today - timedelta(days=10)).isoformat(),
        "valid_until": (today + timedelta(days=10)).isoformat(),
        "source_updated_at": (datetime.now(UTC) - timedelta(minutes=10 - sequence)).isoformat(),
        "source_sequence": sequence,
        "commitment": {
            "kind": "accept_with_deficiencies",
            "deadline": (today - timedelta(days=1)).isoformat(),
            **made,
        },
    }


def _decided_after_expiry(gateway: Gateway, life: Lifecycle, outcome: str) -> Any:
    """The breach objected to at once, the commitment expired on day 11 while it was
    verified, the objection decided ``outcome`` on day 12; the tick of day 12."""
    gateway.put_region(GUANGDONG, name="广东省")
    owner = gateway.register_platform(QINGCHENG)
    policy = {"severity": "relatively_serious", "legal_basis": "《清城区信用承诺管理办法》第十条"}
    body = json.dumps({"name": "清城区", "broken_commitments": policy}, ensure_ascii=False)
    put = gateway.client.http.put(
        f"/v1/regions/{QINGCHENG}", headers=gateway.operator(), body=body.encode()
    )
    assert put.status_code == 200, put.json_body
    broken_on = china_today().isoformat()
    reply = gateway.push(
        owner, QINGCHENG, [commitment(1), commitment(2, outcome="broken", outcome_on=broken_on)]
    )
    commitment_id = reply.json_body["outcomes"][-1]["listing_id"]
    path = listing_path(CREDIT_CODE, commitment_id)
    filed = life.file_objection(CREDIT_CODE, commitment_id, signer=owner)  # for the subject
    assert filed.status_code == 201, filed.json_body
    assert filed.json_body["listing"]["status"] == "suspended"

    # day 11: the commitment's own period is over (the tick expires it, suspended as it is)
    expired = life.tick(china_noon(china_today() + timedelta(days=11)))
    assert expired.json_body["expired"] == 1, expired.json_body
    assert expired.json_body["broken_commitments_listed"] == 0  # still being verified
    at = china_noon(china_today() + timedelta(days=12))  # the breach found true
    bootstrap.override_clock(FixedClock(at))
    decision = {"outcome": outcome, "note": "经核查", "source_updated_at": at.isoformat()}
    raw = json.dumps(decision, ensure_ascii=False).encode()
    decided = gateway.post_signed(
        path + "/objections/obj-1/decision", owner, f"m-{new_batch_id()}", raw, now=at
    )
    bootstrap.override_clock(None)
    assert decided.status_code == 200, decided.json_body

    ticked = life.tick(china_noon(china_today() + timedelta(days=12)))
    assert ticked.status_code == 200, ticked.json_body
    return ticked


def test_a_breach_upheld_after_its_commitment_expired_is_still_listed(
    gateway: Gateway, life: Lifecycle
) -> None:
    ticked = _decided_after_expiry(gateway, life, "upheld")
    assert ticked.json_body["broken_commitments_listed"] == 1, ticked.json_body
    again = life.tick(china_noon(china_today() + timedelta(days=13)))
    assert again.json_body["broken_commitments_listed"] == 0, again.json_body  # once


def test_a_breach_revoked_after_its_commitment_expired_is_not_listed(
    gateway: Gateway, life: Lifecycle
) -> None:
    ticked = _decided_after_expiry(gateway, life, "revoked")
    assert ticked.json_body["broken_commitments_listed"] == 0, ticked.json_body
