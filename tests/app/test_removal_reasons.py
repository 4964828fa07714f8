"""A pushed removal's reason must be true of the listing it ends (review 191): ``repaired`` is
credit repair — a bad record (a black listing, a poor grade), its minimum publicity over, as
``POST …/repair`` holds it — and ``expired`` the end of its period. Otherwise the entry is
refused with a stable code at ``reason``: the listing stays in force, nothing is logged or
delivered, and an older removal of the same listing in the batch still counts; in a batch,
the entry refused is the one at fault (review 194)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, HUNAN, Gateway, StreamReader
from lifecycle_support import (
    Lifecycle,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
    stamp,
)
from test_evaluation_standing import grade

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


def test_a_poor_grade_is_repaired_as_a_black_listing_is(gateway: Gateway) -> None:
    """纳税信用修复: a D tax grade is a bad record (review 147), ended as repaired (review
    194: refused, its owner could only revoke it, which erases the record)."""
    gateway.put_region(HUNAN, name="湖南省")
    city = gateway.register_platform(CITY)
    entry = grade("D")
    listing_id = pushed(gateway, city, CITY, entry)

    red_id = pushed(gateway, city, CITY, recent_entry(days_ago=30, **_RED))
    life = Lifecycle(gateway)

    answer = push_with_removals(gateway, city, CITY, [removal_of(entry, "repaired")])

    assert answer.json_body["removed"] == 1, answer.json_body["errors"]
    assert life.status(CREDIT_CODE, listing_id) == "repaired"
    # the route as well: another year's D grade is repaired there, a red listing is refused
    other = pushed(gateway, city, CITY, grade("D", decision_number="七税信评〔2026〕6号"))
    repaired = life.repair(city, CREDIT_CODE, other)
    refused = life.repair(city, CREDIT_CODE, red_id)
    assert repaired.status_code == 200, repaired.json_body
    assert (refused.status_code, refused.json_body["error"]["path"]) == (400, "listing_id")


def test_a_false_reason_beside_a_resend_of_an_ended_listing_is_refused_as_ended(
    gateway: Gateway,
) -> None:
    """The resend is a duplicate; the newer ``repaired`` of the revoked red listing is refused
    as it is alone, never answered as a duplicate (review 194)."""
    city = gateway.register_platform(CITY)
    entry = recent_entry(days_ago=30, **_RED)
    pushed(gateway, city, CITY, entry)
    revoked = removal_of(entry, "revoked", source_updated_at=stamp(seconds=-5))
    assert push_with_removals(gateway, city, CITY, [revoked]).json_body["removed"] == 1
    repaired = removal_of(entry, "repaired", source_updated_at=stamp(seconds=2))

    body = push_with_removals(gateway, city, CITY, [revoked, repaired]).json_body

    assert [(o["index"], o["outcome"]) for o in body["outcomes"]] == [(0, "duplicate")]
    assert [(e["index"], e["code"]) for e in body["errors"]] == [(1, "listing_not_in_force")]


def test_a_removal_refused_at_its_own_fault_takes_no_part_in_the_batch(gateway: Gateway) -> None:
    """Refused on its own (too early a repair), a removal neither makes another at its version
    "reused" nor an older one a duplicate of it: the valid ones are judged among themselves
    (reviews 194, 197)."""
    city = gateway.register_platform(CITY)
    entry = recent_entry(days_ago=30, **_SERIOUS)
    listing_id = pushed(gateway, city, CITY, entry)
    at, later = stamp(seconds=-1), stamp()
    batch = [
        removal_of(entry, "revoked", source_updated_at=at),
        removal_of(entry, "repaired", source_updated_at=later),
        removal_of(entry, "corrected", source_updated_at=later),
    ]

    body = push_with_removals(gateway, city, CITY, batch).json_body

    assert [(e["index"], e["code"], e["field"]) for e in body["errors"]] == [
        (1, "repair_too_early", "reason")
    ]
    assert [(o["index"], o["outcome"]) for o in body["outcomes"]] == [
        (0, "duplicate"),
        (2, "removed"),
    ]
    assert Lifecycle(gateway).status(CREDIT_CODE, listing_id) == "corrected"
