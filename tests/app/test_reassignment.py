"""The operator's reassignment: a decision pushed first by a region with no right to it, then
ended by that region, is given to the region that made it with its entry in force (review
54b). Every refusal changes nothing: the listing holds the version it held, and nothing new
reaches a subscriber."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, HUNAN, error_code
from lifecycle_support import (
    XINZHENG,
    Lifecycle,
    fan_out,
    fan_out_and_deliver,
    listing_path,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
    stamp,
    this_month,
    webhook_data,
)

from chalicelib.bootstrap import container
from chalicelib.erasure import StoredCopies

SQUATTER = XINZHENG


def _reassign(gateway: Any, lid: str, body: dict[str, Any] | bytes, headers: Any = None) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return gateway.client.http.post(
        listing_path(CREDIT_CODE, lid) + "/reassignment",
        headers=gateway.operator() if headers is None else headers,
        body=raw,
    )


def _body(entry: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """The reassignment of ``entry`` (as the deciding region stamped it) to 七台河市."""
    body: dict[str, Any] = {
        "corrected_entry": {"origin_region": CITY, **entry},
        "note": "认定部门为七台河市；新郑市无权报送",
    }
    return {**body, **overrides}


def _squatted(gateway: Any) -> tuple[Any, Any, dict[str, Any], str]:
    """七台河's decision, pushed first by 新郑: the squatter, the deciding region's platform,
    the entry and its listing's id."""
    squatter = gateway.register_platform(SQUATTER)
    owner = gateway.register_platform(CITY)
    entry = recent_entry()
    return squatter, owner, entry, pushed(gateway, squatter, SQUATTER, entry)


def _squatted_and_revoked(gateway: Any) -> tuple[Any, Any, dict[str, Any], str]:
    squatter, owner, entry, lid = _squatted(gateway)
    revoked = push_with_removals(gateway, squatter, SQUATTER, [removal_of(entry, "revoked")])
    assert revoked.json_body["removed"] == 1, revoked.json_body
    return squatter, owner, entry, lid


def _subscribed(gateway: Any, receiver: Any) -> None:
    """湖南 subscribes: a region the listing reaches whoever owns it."""
    gateway.register_platform(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201


def _held(gateway: Any, lid: str) -> dict[str, Any]:
    found = Lifecycle(gateway).lookup(CREDIT_CODE).json_body["listings"]
    [view] = [v["listing"] for v in found if v["listing"]["listing_id"] == lid]
    return dict(view)


def test_a_squatted_decision_the_squatter_revoked_is_given_to_its_region_in_force(
    gateway, aws, stream, receiver
):
    _subscribed(gateway, receiver)
    squatter, owner, entry, lid = _squatted_and_revoked(gateway)
    fan_out_and_deliver(aws, stream)
    assert gateway.push(owner, CITY, [entry]).json_body["errors"][0]["code"] == "not_listing_owner"

    moved = _reassign(gateway, lid, _body(entry))

    assert moved.status_code == 200, moved.json_body
    listing = moved.json_body["listing"]
    assert (moved.json_body["changed"], listing["origin_region"]) == (True, CITY)
    assert listing["status"] == "active"
    step = listing["history"][-1]
    assert (step["event"], step["by"], step["status"]) == ("reassigned", "operator", "active")
    assert step["reason"].endswith(f"origin {SQUATTER} → {CITY}")
    [sent] = fan_out_and_deliver(aws, stream)
    assert (sent.change.type.value, sent.change.listing.origin_region) == ("reinstated", CITY)
    update = {**entry, "reason": "经核实，由七台河市报送", "source_updated_at": stamp(1)}
    by_owner = gateway.push(owner, CITY, [update])
    by_squatter = gateway.push(squatter, SQUATTER, [{**update, "source_updated_at": stamp(5)}])
    assert by_owner.json_body["accepted"] == 1, by_owner.json_body
    assert by_squatter.json_body["errors"][0]["code"] == "not_listing_owner"
    assert (_held(gateway, lid)["reason"], _held(gateway, lid)["status"]) == (
        "经核实，由七台河市报送",
        "active",
    )


def test_the_same_reassignment_again_is_a_replay_and_other_content_is_the_owners_to_push(
    gateway,
):
    _, _, entry, lid = _squatted_and_revoked(gateway)
    body = _body(entry)
    assert _reassign(gateway, lid, body).status_code == 200

    again = _reassign(gateway, lid, body)
    other = _reassign(
        gateway, lid, _body({**entry, "reason": "另一事由", "source_updated_at": stamp()})
    )

    assert (again.status_code, again.json_body["changed"]) == (200, False)
    assert (other.status_code, error_code(other)) == (409, "listing_held_already")
    assert other.json_body["error"]["path"] == "corrected_entry.origin_region"
    assert _held(gateway, lid)["version"] == again.json_body["listing"]["version"]


def _refusals(gateway: Any, entry: dict[str, Any]) -> dict[str, tuple[dict[str, Any] | bytes, Any]]:
    return {
        "no_region": (_body({**entry, "origin_region": None}), None),
        "other_listing": (_body({**entry, "decision_number": "另一文号"}), None),
        "unregistered": (_body({**entry, "origin_region": "440300"}), None),
        "future": (_body({**entry, "source_updated_at": stamp(3600)}), None),
        "stamped": (_body(entry, source_updated_at=stamp()), None),  # the step is the gateway's
        "no_note": (_body(entry, note=""), None),
        "blank_note": (_body(entry, note=" \u3000\n"), None),
        # the note goes into the history every region reads: no ID number in it
        "id_in_note": (_body(entry, note="当事人 11010519491231002X 申请"), None),
        "malformed": (b'{"corrected_entry": ', None),
        "anonymous": (_body(entry), {"content-type": "application/json"}),
    }


EXPECTED = {
    "no_region": (400, "corrected_entry.origin_region"),
    "other_listing": (400, "corrected_entry.decision_number"),
    "unregistered": (403, "corrected_entry.origin_region"),
    "future": (400, "corrected_entry.source_updated_at"),
    "stamped": (400, "source_updated_at"),
    "no_note": (400, "note"),
    "blank_note": (400, "note"),
    "id_in_note": (400, "note"),
    "malformed": (400, None),
    "anonymous": (401, None),
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_a_refused_reassignment_changes_nothing(gateway, aws, stream, receiver, case):
    _subscribed(gateway, receiver)
    _, _, entry, lid = _squatted_and_revoked(gateway)
    fan_out_and_deliver(aws, stream)
    before = _held(gateway, lid)
    body, headers = _refusals(gateway, entry)[case]

    refused = _reassign(gateway, lid, body, headers)

    status, path = EXPECTED[case]
    assert refused.status_code == status, refused.json_body
    if path is not None:
        assert refused.json_body["error"]["path"] == path, refused.json_body
    assert _held(gateway, lid) == before
    assert fan_out_and_deliver(aws, stream) == []


def test_a_platform_may_not_reassign_not_even_the_squatter_or_the_deciding_region(gateway):
    squatter, owner, entry, lid = _squatted_and_revoked(gateway)
    before = _held(gateway, lid)
    path = listing_path(CREDIT_CODE, lid) + "/reassignment"
    raw = json.dumps(_body(entry), ensure_ascii=False).encode()

    by_owner = gateway.send_signed("POST", path, owner, raw)
    by_squatter = gateway.send_signed("POST", path, squatter, raw)

    assert (by_owner.status_code, error_code(by_owner)) == (403, "operator_only")
    assert (by_squatter.status_code, error_code(by_squatter)) == (403, "operator_only")
    assert _held(gateway, lid) == before


def test_an_open_objection_is_decided_first(gateway):
    _, _, entry, lid = _squatted(gateway)
    filed = Lifecycle(gateway).file_objection(CREDIT_CODE, lid, "op-1")
    assert filed.status_code == 201, filed.json_body
    before = _held(gateway, lid)

    refused = _reassign(gateway, lid, _body(entry))

    assert (refused.status_code, error_code(refused)) == (409, "objection_open")
    assert refused.json_body["error"]["path"] == "objection_id"
    assert _held(gateway, lid) == before


def test_a_listing_in_force_is_reassigned_and_told_to_who_had_it_whatever_their_filters(
    gateway, aws, stream, receiver
):
    """Review 60 F1: a move in force is an ``updated``, which only matching subscriptions got:
    湖南's, filtered to 河南's listings, kept the squatter's copy for good."""
    _filtered_to_henan(gateway, receiver)
    _, _, entry, lid = _squatted(gateway)
    [listed] = fan_out_and_deliver(aws, stream)
    assert listed.change.listing.origin_region == SQUATTER

    moved = _reassign(gateway, lid, _body({**entry, "reason": "七台河市认定的事由"}))

    assert moved.status_code == 200, moved.json_body
    assert (_held(gateway, lid)["origin_region"], _held(gateway, lid)["status"]) == (CITY, "active")
    [told] = fan_out_and_deliver(aws, stream)
    assert (told.subscription_id, told.change.type.value) == (listed.subscription_id, "updated")
    assert (told.change.listing.origin_region, told.change.listing.reason) == (
        CITY,
        "七台河市认定的事由",
    )


def test_a_case_reported_after_the_move_counts_to_the_listings_owner_not_the_squatter(
    gateway, aws, stream, receiver
):
    """Review 78 F3: feedback kept the origin at delivery, so the squatter was credited with a
    case (联合奖惩案例) on a listing it had no right to, and the owner was not."""
    henan = gateway.register_platform("410000")
    assert gateway.subscribe_as_operator(region="410000", url=receiver.url).status_code == 201
    _, _, entry, lid = _squatted(gateway)
    [delivery] = fan_out_and_deliver(aws, stream)
    assert _reassign(gateway, lid, _body(entry)).status_code == 200
    fan_out_and_deliver(aws, stream)
    life = Lifecycle(gateway)

    reported = life.post_feedback(henan, delivery.delivery_id)

    assert reported.status_code == 201, reported.json_body
    assert reported.json_body["origin_region"] == CITY
    owner, squatter = (life.stats(r, this_month()).json_body["cases"] for r in (CITY, SQUATTER))
    assert (owner["total"], squatter["total"]) == (1, 0)


def test_a_squatter_stamping_ahead_neither_keeps_the_operator_out_nor_the_owners_updates(
    gateway,
):
    """Review 60 F5, F6: the step is the gateway's revision, the content the deciding
    region's with its own stamp: neither the squatter's future stamps nor an operator's
    clock decides which of the owner's later updates apply."""
    squatter, owner, entry, lid = _squatted(gateway)
    ahead = {**entry, "reason": "新郑抢先", "source_updated_at": stamp(280)}
    assert gateway.push(squatter, SQUATTER, [ahead]).json_body["accepted"] == 1
    decided = {**entry, "source_updated_at": stamp(-30)}

    moved = _reassign(gateway, lid, _body(decided))
    later = gateway.push(
        owner, CITY, [{**entry, "reason": "更正", "source_updated_at": stamp(290)}]
    )
    older = gateway.push(
        owner, CITY, [{**entry, "reason": "旧稿", "source_updated_at": stamp(-60)}]
    )

    assert moved.status_code == 200, moved.json_body
    assert later.json_body["accepted"] == 1, later.json_body
    assert older.json_body["duplicate"] == 1, older.json_body  # older than what it pushed
    assert _held(gateway, lid)["reason"] == "更正"


def test_a_listing_retention_is_erasing_is_not_put_back_in_force(gateway):
    """Review 60 F2: reassigned between the purge's erasure and its delete, the listing came
    back in force holding the person under an erased mark, its deliveries withheld."""
    _, _, entry, lid = _squatted_and_revoked(gateway)
    c = container()
    # the tick's first step of a purge: the log's erasure marks the id
    StoredCopies(c.exchange_log, c.feedback, c.persons).erase(lid, "chg_" + "0" * 32)
    before = _held(gateway, lid)

    refused = _reassign(gateway, lid, _body(entry))

    assert (refused.status_code, error_code(refused)) == (409, "listing_purged")
    assert _held(gateway, lid) == before


def test_a_message_made_before_the_reassignment_never_acts_on_its_content(gateway):
    """Review 61 F3: the content kept the deciding region's older stamp, so a repair made
    before the reassignment, arriving again, repaired the reassigned listing."""
    squatter = gateway.register_platform(SQUATTER)
    gateway.register_platform(CITY)
    entry = recent_entry(days_ago=450)
    lid = pushed(gateway, squatter, SQUATTER, entry)
    repair = {"reason": "已履行全部义务", "source_updated_at": stamp()}
    path = listing_path(CREDIT_CODE, lid) + "/repair"
    raw = json.dumps(repair, ensure_ascii=False).encode()
    first = gateway.client.http.post(path, headers=gateway.operator(), body=raw)
    assert first.json_body["listing"]["status"] == "repaired", first.json_body
    assert _reassign(gateway, lid, _body(entry)).status_code == 200

    again = gateway.client.http.post(path, headers=gateway.operator(), body=raw)

    assert (again.status_code, error_code(again)) == (409, "stale_version")
    assert _held(gateway, lid)["status"] == "active"
    assert _held(gateway, lid)["version"] > first.json_body["listing"]["version"]


def _filtered_to_henan(gateway: Any, receiver: Any) -> str:
    """湖南's subscription to 河南's listings only: the squatter's, never 七台河's."""
    gateway.register_platform(HUNAN)
    assert gateway.put_region(SQUATTER).status_code == 200
    filters = {"source_regions": ["410000"]}
    made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url, filters=filters)
    assert made.status_code == 201, made.json_body
    return str(made.json_body["subscription_id"])


def test_a_move_reaches_a_recipient_whose_delivery_was_still_on_its_way(
    gateway, aws, stream, receiver
):
    """Review 61 F1: past recipients were those with an acknowledged delivery; one still
    retrying (or paused, or parked) when the listing moved would keep the squatter's copy."""
    subscription_id = _filtered_to_henan(gateway, receiver)
    _, _, entry, lid = _squatted(gateway)
    [queued] = fan_out(aws, stream)  # queued, not yet delivered
    assert queued["subscription_id"] == subscription_id

    assert _reassign(gateway, lid, _body(entry)).status_code == 200

    [told] = fan_out(aws, stream)
    assert told["subscription_id"] == subscription_id
    assert (webhook_data(told)["type"], webhook_data(told)["listing"]["origin_region"]) == (
        "updated",
        CITY,
    )


def test_a_replay_sends_the_move_where_the_filters_admitted_the_listing_before_it(
    gateway, aws, stream, receiver
):
    subscription_id = _filtered_to_henan(gateway, receiver)
    _, _, entry, lid = _squatted(gateway)
    fan_out_and_deliver(aws, stream)
    assert _reassign(gateway, lid, _body(entry)).status_code == 200
    fan_out_and_deliver(aws, stream)

    replay = Lifecycle(gateway).post(
        f"/v1/subscriptions/{subscription_id}/replay", {"from_sequence": 1}
    )
    resent = fan_out_and_deliver(aws, stream)

    assert replay.status_code == 202, replay.json_body
    assert [(d.change.type.value, d.change.listing.origin_region) for d in resent] == [
        ("listed", SQUATTER),
        ("updated", CITY),
    ]
