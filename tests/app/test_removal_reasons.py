"""A pushed removal's reason must be true of the listing it ends (review 191): ``repaired`` is
credit repair — a black listing, its minimum publicity over, as ``POST …/repair`` holds it —
and ``expired`` the end of its period. Otherwise the entry is refused with a stable code at
``reason``: the listing stays in force, nothing is logged or delivered, and an older removal
of the same listing in the batch still counts."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, Gateway, StreamReader
from lifecycle_support import (
    Lifecycle,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
    stamp,
)

_SERIOUS = {  # 12 months of publicity before repair
    "domain": "food_drug",
    "deciding_authority": "七台河市市场监督管理局",
    "decision_number": "七市监罚〔2026〕1号",
}
_RED = {
    "kind": "red",
    "severity": None,
    "domain": "trustworthiness_model",
    "reason": "诚信经营，获评诚信典型",
    "deciding_authority": "七台河市发展和改革委员会",
    "decision_number": "七发改信〔2026〕1号",
}


@pytest.mark.parametrize(
    ("entry", "reason", "code"),
    [
        (recent_entry(days_ago=30, **_SERIOUS), "repaired", "repair_too_early"),
        (recent_entry(days_ago=30, **_RED), "repaired", "not_repairable"),
        (recent_entry(days_ago=30, **_SERIOUS), "expired", "not_expired"),
    ],
    ids=["repaired-too-early", "repaired-red", "expired-in-its-period"],
)
def test_a_removal_whose_reason_is_not_true_is_refused_and_changes_nothing(
    gateway: Gateway, stream: StreamReader, entry: dict[str, Any], reason: str, code: str
) -> None:
    city = gateway.register_platform(CITY)
    listing_id = pushed(gateway, city, CITY, entry)
    stream.event()  # the push's own change, read

    answer = push_with_removals(gateway, city, CITY, [removal_of(entry, reason)])

    body = answer.json_body
    assert (answer.status_code, body["removed"], body["rejected"]) == (200, 0, 1), body
    [error] = body["errors"]
    assert (error["list"], error["code"], error["field"]) == ("removals", code, "reason")
    assert Lifecycle(gateway).status(CREDIT_CODE, listing_id) == "active"
    assert stream.event()["Records"] == []  # nothing logged, nothing for subscribers


def test_an_older_true_removal_in_the_batch_counts_beside_a_refused_newer_one(
    gateway: Gateway,
) -> None:
    city = gateway.register_platform(CITY)
    entry = recent_entry(days_ago=30, **_SERIOUS)
    listing_id = pushed(gateway, city, CITY, entry)
    revoked = removal_of(entry, "revoked")
    repaired = removal_of(entry, "repaired", source_updated_at=stamp(seconds=1))

    answer = push_with_removals(gateway, city, CITY, [revoked, repaired])

    body = answer.json_body
    assert (body["removed"], [e["code"] for e in body["errors"]]) == (1, ["repair_too_early"])
    assert Lifecycle(gateway).status(CREDIT_CODE, listing_id) == "revoked"
