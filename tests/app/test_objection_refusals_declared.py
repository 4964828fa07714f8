"""The objection steps' refusals are in the published contract (review 204): a verification
stamped before content pushed since (409 ``stale_version``), a step stamped ahead of the clock
(400 ``future_version``), a correction whose period has ended (400 ``period_ended``) — a client
generated from the contract met codes it did not declare."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from app_support import CREDIT_CODE
from lifecycle_support import QINGCHENG, Lifecycle, listing_path, pushed, qingcheng_entry, stamp

_OBJECTION = "/v1/subjects/{credit_code}/listings/{listing_id}/objections/{objection_id}"


@pytest.fixture
def life(gateway):  # type: ignore[no-untyped-def]
    return Lifecycle(gateway)


def _objected(gateway, life):  # type: ignore[no-untyped-def]
    """清城's listing with an open objection ``o-1``: (owner, entry, objections path)."""
    owner = gateway.register_platform(QINGCHENG)
    entry = qingcheng_entry()
    listing_id = pushed(gateway, owner, QINGCHENG, entry)
    path = listing_path(CREDIT_CODE, listing_id) + "/objections"
    assert life.post(path, {"objection_id": "o-1", "reason": "事实有误"}, owner).status_code == 201
    return owner, entry, path


def test_a_stale_verification_is_a_declared_refusal(gateway, life):
    owner, _, path = _objected(gateway, life)
    old = (datetime.now(UTC) - timedelta(days=2)).isoformat()

    answer = life.post(f"{path}/o-1/verified", {"source_updated_at": old}, owner)
    assert (answer.status_code, answer.json_body["error"]["code"]) == (409, "stale_version")

    spec = gateway.client.http.get("/v1/openapi.json").json_body
    route = spec["paths"][f"{_OBJECTION}/verified"]["post"]
    assert "stale_version" in str(route["responses"]), route["responses"].get("409")


def test_a_future_stamped_or_ended_correction_is_a_declared_refusal(gateway, life):
    owner, entry, path = _objected(gateway, life)
    ahead = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    ended = {**entry, "valid_until": (datetime.now(UTC) - timedelta(days=3)).date().isoformat()}

    codes = [
        life.post(f"{path}/o-1/decision", {"outcome": "upheld", "source_updated_at": ahead}, owner),
        life.post(
            f"{path}/o-1/decision",
            {"outcome": "corrected", "source_updated_at": stamp(), "corrected_entry": ended},
            owner,
        ),
    ]
    found = [(a.status_code, a.json_body["error"]["code"]) for a in codes]
    assert found == [(400, "future_version"), (400, "period_ended")]

    spec = gateway.client.http.get("/v1/openapi.json").json_body
    route = spec["paths"][f"{_OBJECTION}/decision"]["post"]
    declared = route["responses"]["400"]["description"]
    assert [code in declared for code in ("future_version", "period_ended")] == [True, True]
