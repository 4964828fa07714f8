"""A push's removals of one listing answered together (``gateway.intake.removal_batch``): an
entry refused at its own fault takes no part, a resend is judged against what is stored, and
no answer stands for a listing whose write lost a race (review 197)."""

from __future__ import annotations

import json

import pytest
from app_support import CREDIT_CODE, Gateway, StreamReader
from lifecycle_support import Lifecycle, push_with_removals, pushed, recent_entry, removal_of, stamp

from chalicelib.dynamodb.listings import DynamoListings
from gateway_client.contract import Listing
from gateway_client.contract.signing import Ed25519Signer

CITY = "430100"  # 长沙市, relays its counties
COUNTY = "430102"  # 芙蓉区
OTHER_COUNTY = "430103"  # 天心区

_SERIOUS = {  # 12 months of publicity before repair: a month-old listing is repaired too early
    "domain": "food_drug",
    "deciding_authority": "长沙市市场监督管理局",
    "decision_number": "长市监罚〔2026〕1号",
}


def _city(gateway: Gateway, relays: bool = False) -> Ed25519Signer:
    signer = gateway.register_platform(CITY)
    body = json.dumps({"name": "长沙市", "relays_subregions": relays}, ensure_ascii=False)
    put = gateway.client.http.put(
        f"/v1/regions/{CITY}", headers=gateway.operator(), body=body.encode()
    )
    assert put.status_code == 200, put.json_body
    return signer


def test_a_valid_removal_is_not_answered_duplicate_of_a_newer_one_refused_as_reused(
    gateway: Gateway, stream: StreamReader
) -> None:
    """[revoked@t1, repaired@t2 (too early), revoked@t2]: the repaired one is refused at its
    own fault and takes no part; revoked@t2 ends the listing, revoked@t1 a duplicate of it
    (review 197: t1 was answered duplicate of a t2 refused as reused, nothing removed)."""
    city = _city(gateway)
    entry = recent_entry(days_ago=30, **_SERIOUS)
    listing_id = pushed(gateway, city, CITY, entry)
    stream.event()
    t1, t2 = stamp(seconds=-2), stamp(seconds=-1)
    batch = [
        removal_of(entry, "revoked", source_updated_at=t1),
        removal_of(entry, "repaired", source_updated_at=t2),
        removal_of(entry, "revoked", source_updated_at=t2),
    ]

    body = push_with_removals(gateway, city, CITY, batch).json_body

    outcomes = [(o["index"], o["outcome"]) for o in body["outcomes"]]
    errors = [(e["index"], e["code"]) for e in body["errors"]]
    assert (outcomes, errors) == ([(0, "duplicate"), (2, "removed")], [(1, "repair_too_early")])
    assert Lifecycle(gateway).status(CREDIT_CODE, listing_id) == "revoked"


def test_a_relays_valid_removal_is_not_reused_by_one_naming_another_county(
    gateway: Gateway,
) -> None:
    """A relay removes its county's listing; an entry before it, at the same version, names
    another county (unknown_listing: it addresses no listing held) and makes nothing of the
    valid one (review 197: refused as reused)."""
    city = _city(gateway, relays=True)
    gateway.put_region(COUNTY)
    gateway.put_region(OTHER_COUNTY)
    entry = recent_entry(days_ago=30, origin_region=COUNTY, **_SERIOUS)
    listing_id = pushed(gateway, city, CITY, entry)
    at = stamp(seconds=-1)
    wrong = removal_of(entry, "corrected", source_updated_at=at, origin_region=OTHER_COUNTY)
    right = removal_of(entry, "revoked", source_updated_at=at, origin_region=COUNTY)

    body = push_with_removals(gateway, city, CITY, [wrong, right]).json_body

    errors = [(e["index"], e["code"]) for e in body["errors"]]
    status = Lifecycle(gateway).status(CREDIT_CODE, listing_id)
    assert errors == [(0, "unknown_listing")], (errors, body["outcomes"])
    assert (body["removed"], status) == (1, "revoked")


def test_a_resend_of_the_stored_removal_is_a_duplicate_whatever_comes_before_it(
    gateway: Gateway,
) -> None:
    """The listing was revoked at t: in [corrected@t, revoked@t] and in the other order the
    resend is a duplicate, the other refused as the listing has ended (review 197)."""
    city = _city(gateway)
    entry = recent_entry(days_ago=30, **_SERIOUS)
    pushed(gateway, city, CITY, entry)
    at = stamp(seconds=-5)
    revoked = removal_of(entry, "revoked", source_updated_at=at)
    assert push_with_removals(gateway, city, CITY, [revoked]).json_body["removed"] == 1
    corrected = removal_of(entry, "corrected", source_updated_at=at)

    forward = push_with_removals(gateway, city, CITY, [revoked, corrected]).json_body
    backward = push_with_removals(gateway, city, CITY, [corrected, revoked]).json_body

    assert [(o["index"], o["outcome"]) for o in forward["outcomes"]] == [(0, "duplicate")]
    assert [(o["index"], o["outcome"]) for o in backward["outcomes"]] == [(1, "duplicate")]
    assert [(e["index"], e["code"]) for e in backward["errors"]] == [(0, "listing_not_in_force")]


@pytest.mark.parametrize(
    "second", [{"origin_region": CITY}, {"note": "经复核撤销"}], ids=["own-origin-named", "note"]
)
def test_the_same_removal_twice_at_one_version_is_a_duplicate_whatever_its_note(
    gateway: Gateway, second: dict[str, str]
) -> None:
    """Two removals at one version with one reason, the second naming the listing's own region
    or another note: they do the same, so the second is a duplicate, as it is in a later push,
    not refused as reusing the version (review 205)."""
    city = _city(gateway)
    entry = recent_entry(days_ago=30, **_SERIOUS)
    listing_id = pushed(gateway, city, CITY, entry)
    at = stamp(seconds=-1)
    plain = removal_of(entry, "revoked", source_updated_at=at)
    named = removal_of(entry, "revoked", source_updated_at=at, **second)

    body = push_with_removals(gateway, city, CITY, [plain, named]).json_body

    assert Lifecycle(gateway).status(CREDIT_CODE, listing_id) == "revoked"
    assert [(o["index"], o["outcome"]) for o in body["outcomes"]] == [
        (0, "removed"),
        (1, "duplicate"),
    ], body
    assert body["errors"] == []


def test_a_race_retry_round_does_not_leave_an_older_removal_answered_duplicate(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """[revoked@t1, revoked@t2]: t2's write loses a race to a newer version of the entry (t3);
    judged again, both are stale, and t1 is not left answered a duplicate of t2 (review 197)."""
    city = _city(gateway)
    entry = recent_entry(days_ago=30, **_SERIOUS)
    listing_id = pushed(gateway, city, CITY, entry)
    t1, t2, t3 = stamp(seconds=-30), stamp(seconds=-20), stamp(seconds=-10)
    original = DynamoListings.write
    raced: list[bool] = []

    def racing(
        self: DynamoListings, writes: list[tuple[Listing, str | None]], region: str | None
    ) -> set[str]:
        if not raced and any(x.status.value == "revoked" for x, _ in writes):
            raced.append(True)
            newer = gateway.push(city, CITY, [dict(entry, source_updated_at=t3)])
            assert newer.json_body["accepted"] == 1, newer.json_body
        return original(self, writes, region)

    monkeypatch.setattr(DynamoListings, "write", racing)
    batch = [
        removal_of(entry, "revoked", source_updated_at=t1),
        removal_of(entry, "revoked", source_updated_at=t2),
    ]

    body = push_with_removals(gateway, city, CITY, batch).json_body

    assert raced
    assert (body["outcomes"], [(e["index"], e["code"]) for e in body["errors"]]) == (
        [],
        [(0, "stale_version"), (1, "stale_version")],
    )
    assert Lifecycle(gateway).status(CREDIT_CODE, listing_id) == "active"


def test_an_own_fault_refusal_keeps_its_code_when_the_listing_is_contended(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every write lost: the removal that hung on it is contended, the one refused at its own
    fault keeps its code and field (review 200: both were told to send it again)."""
    city = _city(gateway)
    entry = recent_entry(days_ago=30, source_updated_at=stamp(seconds=-60), **_SERIOUS)
    pushed(gateway, city, CITY, entry)
    original = DynamoListings.write
    races: list[int] = []

    def racing(
        self: DynamoListings, writes: list[tuple[Listing, str | None]], region: str | None
    ) -> set[str]:
        if any(x.status.value == "revoked" for x, _ in writes):
            races.append(1)  # another push lands first, each time a newer version
            newer = gateway.push(
                city, CITY, [dict(entry, source_updated_at=stamp(seconds=-50 + len(races)))]
            )
            assert newer.json_body["accepted"] == 1, newer.json_body
        return original(self, writes, region)

    monkeypatch.setattr(DynamoListings, "write", racing)
    at = stamp(seconds=-1)
    batch = [
        removal_of(entry, "repaired", source_updated_at=at),  # too early: 12 months' publicity
        removal_of(entry, "revoked", source_updated_at=at),
    ]

    body = push_with_removals(gateway, city, CITY, batch).json_body

    assert len(races) == 5
    assert [(e["index"], e["code"], e["field"]) for e in body["errors"]] == [
        (0, "repair_too_early", "reason"),
        (1, "listing_contended", ""),
    ]
