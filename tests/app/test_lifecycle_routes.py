"""Listing lifecycle through the Chalice app: objections and their decisions, credit repair,
removals in a push, the tick (expiry, retention purge, overdue objections), and each step's
change reaching subscribers through the listings stream and ``app.fan_out_changes``."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import time_machine
from app_support import (
    CITY,
    CREDIT_CODE,
    HUNAN,
    PROVINCE,
    black_entry,
    error_code,
)
from lifecycle_support import (
    PERSON_CODE,
    PERSON_CODE_MASKED,
    QINGCHENG,
    XINZHENG,
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    fan_out,
    fan_out_event,
    now,
    push_with_removals,
    pushed,
    qingcheng_entry,
    recent_entry,
    removal_of,
    stamp,
    webhook_data,
    xinzheng_entry,
)

WRONG_TOKEN = "not-the-operator-token-0123456789"


@pytest.fixture
def life(gateway) -> Lifecycle:
    return Lifecycle(gateway)


@pytest.fixture
def qingcheng(gateway):  # type: ignore[no-untyped-def]
    return gateway.register_platform(QINGCHENG)


def subscribe(gateway, region: str = HUNAN) -> str:  # type: ignore[no-untyped-def]
    gateway.put_region(region)
    response = gateway.subscribe_as_operator(region=region, url="https://sub.example.cn/hooks")
    assert response.status_code == 201
    return str(response.json_body["subscription_id"])


def listed_and_drained(gateway, aws, stream, signer, region, entry) -> str:  # type: ignore[no-untyped-def]
    """Push ``entry`` for a subscriber already in place; fan out and drain its ``listed``."""
    listing_id = pushed(gateway, signer, region, entry)
    assert [webhook_data(m)["type"] for m in fan_out(aws, stream)] == ["listed"]
    return listing_id


def the_one_change(aws, stream) -> dict:  # type: ignore[no-untyped-def]
    [message] = fan_out(aws, stream)
    return message


# --- objections -----------------------------------------------------------------------------


def test_an_owner_s_objection_on_a_qingcheng_listing_suspends_it_for_20_calendar_days(
    gateway, aws, stream, life, qingcheng
):
    """The owner filing has the notice that day (001 §二(四)6: 收到核查通知之日); an operator's
    filing waits for the owner's acknowledgement (tests/app/test_objection_routes.py)."""
    subscribe(gateway)
    entry = qingcheng_entry()
    listing_id = listed_and_drained(gateway, aws, stream, qingcheng, QINGCHENG, entry)
    before = china_today()

    response = life.file_objection(CREDIT_CODE, listing_id, "qc-obj-1", qingcheng)

    assert response.status_code == 201, response.json_body
    assert response.json_body["changed"] is True
    listing = response.json_body["listing"]
    assert listing["status"] == "suspended"
    objection = listing["objection"]
    assert objection["objection_id"] == "qc-obj-1"
    assert objection["filed_by"] == QINGCHENG
    assert objection["suspends"] is True
    assert objection["outcome"] is None
    assert objection["deadline"] in {
        (before + timedelta(days=20)).isoformat(),
        (china_today() + timedelta(days=20)).isoformat(),
    }
    assert objection["deadline_basis"].startswith("20 calendar days from the notice")
    assert listing["history"][-1]["event"] == "objection_filed"
    assert life.status(CREDIT_CODE, listing_id) == "suspended"
    message = the_one_change(aws, stream)
    data = webhook_data(message)
    assert data["type"] == "suspended"
    assert data["previous_status"] == "active"
    assert data["listing"]["listing_id"] == listing_id
    assert message["recognition"]["recognised"] is False
    assert message["recognition"]["reasons"] == ["measures_suspended"]


def test_xinzheng_objecting_to_its_own_listing_keeps_it_active_for_12_working_days(
    gateway, aws, stream, life
):
    subscribe(gateway)
    xinzheng = gateway.register_platform(XINZHENG)
    listing_id = listed_and_drained(gateway, aws, stream, xinzheng, XINZHENG, xinzheng_entry())

    response = life.file_objection(CREDIT_CODE, listing_id, "xz-obj-1", xinzheng)

    assert response.status_code == 201, response.json_body
    listing = response.json_body["listing"]
    assert listing["status"] == "active"
    objection = listing["objection"]
    assert objection["filed_by"] == XINZHENG
    assert objection["suspends"] is False
    assert objection["deadline_basis"].startswith("12 working days")
    assert objection["deadline"] > (china_today() + timedelta(days=12)).isoformat()
    message = the_one_change(aws, stream)
    assert webhook_data(message)["type"] == "objection_filed"
    assert "measures_suspended" not in message["recognition"]["reasons"]


def test_a_region_never_delivered_the_listing_may_not_object(gateway, life, qingcheng):
    listing_id = pushed(gateway, qingcheng, QINGCHENG, qingcheng_entry())
    hunan = gateway.register_platform(HUNAN)
    path = f"/v1/subjects/{CREDIT_CODE}/listings/{listing_id}/objections"
    body = json.dumps({"objection_id": "obj-1", "reason": "异议"}).encode()

    unrelated = life.file_objection(CREDIT_CODE, listing_id, "obj-x", hunan)
    unsigned = gateway.client.http.post(
        path, headers={"content-type": "application/json"}, body=body
    )
    wrong_token = gateway.client.http.post(path, headers=gateway.operator(WRONG_TOKEN), body=body)

    assert unrelated.status_code == 403
    assert error_code(unrelated) == "listing_not_received"
    assert unsigned.status_code == 401
    assert error_code(unsigned) == "missing_signature"
    assert wrong_token.status_code == 401
    assert life.status(CREDIT_CODE, listing_id) == "active"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"objection_id": "obj-1"}, "reason"),
        ({"objection_id": "bad id!", "reason": "异议"}, "objection_id"),
        ({"objection_id": "obj-1", "reason": "异议", "extra": 1}, "extra"),
    ],
)
def test_a_malformed_objection_is_400_with_the_path(life, body, path):
    # The body is checked before the listing is looked up: no push needed.
    response = life.post(f"/v1/subjects/{CREDIT_CODE}/listings/lst_unknown/objections", body)

    assert response.status_code == 400
    assert error_code(response) == "invalid_schema"
    assert response.json_body["error"]["path"] == path


def test_objections_to_unknown_or_already_objected_listings(gateway, life, qingcheng):
    listing_id = pushed(gateway, qingcheng, QINGCHENG, qingcheng_entry())
    first = life.file_objection(CREDIT_CODE, listing_id, "obj-1")

    same_again = life.file_objection(CREDIT_CODE, listing_id, "obj-1")
    not_its_own = life.file_objection(CREDIT_CODE, listing_id, "obj-1", qingcheng)
    second = life.file_objection(CREDIT_CODE, listing_id, "obj-2", qingcheng)
    unknown = life.file_objection(CREDIT_CODE, "lst_" + "0" * 32, "obj-3")
    bad_code = life.file_objection("91110000600037341X", listing_id, "obj-4")

    assert same_again.status_code == 200
    assert same_again.json_body["changed"] is False
    assert same_again.json_body["listing"] == first.json_body["listing"]
    # the same filing is a replay only from whoever filed it (here the operator)
    assert (not_its_own.status_code, error_code(not_its_own)) == (409, "objection_id_reused")
    assert second.status_code == 409
    assert error_code(second) == "objection_open"
    assert second.json_body["error"]["path"] == "objection_id"
    assert unknown.status_code == 404
    assert error_code(unknown) == "not_found"
    assert unknown.json_body["error"]["path"] == "listing_id"
    assert bad_code.status_code == 400
    assert bad_code.json_body["error"]["path"] == "credit_code"
    # the operator filed for the subject: the owner has no notice yet, so its measures apply
    assert life.status(CREDIT_CODE, listing_id) == "active"


# --- decisions ------------------------------------------------------------------------------


@pytest.fixture
def suspended(gateway, aws, stream, life, qingcheng) -> str:  # type: ignore[no-untyped-def]
    """A 清城区 listing under objection ``qc-obj-1`` (suspended), its changes drained."""
    subscribe(gateway)
    listing_id = listed_and_drained(gateway, aws, stream, qingcheng, QINGCHENG, qingcheng_entry())
    filed = life.file_objection(CREDIT_CODE, listing_id, "qc-obj-1", qingcheng)  # the owner
    assert filed.status_code == 201
    fan_out(aws, stream)
    return listing_id


def test_an_upheld_objection_reinstates_the_listing_and_a_replay_is_a_no_op(
    aws, stream, life, qingcheng, suspended
):
    source_time = stamp(1)

    response = life.decide(
        qingcheng, CREDIT_CODE, suspended, "qc-obj-1", "upheld", source_updated_at=source_time
    )

    assert response.status_code == 200, response.json_body
    assert response.json_body["changed"] is True
    listing = response.json_body["listing"]
    assert listing["status"] == "active"
    assert listing["objection"]["outcome"] == "upheld"
    assert listing["objection"]["decided_at"] is not None
    message = the_one_change(aws, stream)
    assert webhook_data(message)["type"] == "reinstated"
    assert webhook_data(message)["previous_status"] == "suspended"

    replay = life.decide(
        qingcheng, CREDIT_CODE, suspended, "qc-obj-1", "upheld", source_updated_at=source_time
    )

    assert replay.status_code == 200
    assert replay.json_body["changed"] is False
    assert replay.json_body["listing"] == listing
    assert fan_out(aws, stream) == []
    overruled = life.decide(
        qingcheng, CREDIT_CODE, suspended, "qc-obj-1", "revoked", source_updated_at=stamp(5)
    )
    # The objection is decided: a later, different decision is refused, not silently dropped.
    assert overruled.status_code == 409
    assert (overruled.json_body["error"]["code"], overruled.json_body["error"]["path"]) == (
        "objection_decided",
        "outcome",
    )
    assert life.status(CREDIT_CODE, suspended) == "active"
    assert fan_out(aws, stream) == []


def test_a_revoked_objection_revokes_the_listing(aws, stream, life, qingcheng, suspended):
    # Stamped by the platform before the gateway filed the objection: still applied, once.
    before_filing = (now() - timedelta(minutes=5)).isoformat()

    response = life.decide(
        qingcheng, CREDIT_CODE, suspended, "qc-obj-1", "revoked", source_updated_at=before_filing
    )

    assert response.status_code == 200, response.json_body
    assert response.json_body["changed"] is True
    assert response.json_body["listing"]["status"] == "revoked"
    assert life.status(CREDIT_CODE, suspended) == "revoked"
    message = the_one_change(aws, stream)
    assert webhook_data(message)["type"] == "revoked"
    assert message["recognition"]["reasons"] == ["listing_not_in_force"]


def test_a_corrected_objection_replaces_the_content_and_reinstates_it(
    aws, stream, life, qingcheng, suspended
):
    corrected = qingcheng_entry(reason="超标排放（经复核更正：仅一次）", severity="general")

    response = life.decide(
        qingcheng, CREDIT_CODE, suspended, "qc-obj-1", "corrected", corrected_entry=corrected
    )

    assert response.status_code == 200, response.json_body
    listing = response.json_body["listing"]
    assert listing["status"] == "active"
    assert listing["reason"] == "超标排放（经复核更正：仅一次）"
    assert listing["severity"] == "general"
    assert listing["objection"]["outcome"] == "corrected"
    data = webhook_data(the_one_change(aws, stream))
    assert data["type"] == "corrected"
    assert data["listing"]["reason"] == "超标排放（经复核更正：仅一次）"


def test_a_correction_whose_period_ended_is_refused_as_a_push_would_be(life, qingcheng, suspended):
    """The corrected entry's own code and field (``period_ended``, as for a pushed entry)."""
    yesterday = (china_today() - timedelta(days=1)).isoformat()
    ended = qingcheng_entry(valid_until=yesterday)

    response = life.decide(
        qingcheng, CREDIT_CODE, suspended, "qc-obj-1", "corrected", corrected_entry=ended
    )

    assert response.status_code == 400, response.json_body
    error = response.json_body["error"]
    assert (error["code"], error["path"]) == ("period_ended", "corrected_entry.valid_until")
    assert life.status(CREDIT_CODE, suspended) == "suspended"


def test_decisions_that_are_refused_leave_the_listing_suspended(
    gateway, life, qingcheng, suspended
):
    other = qingcheng_entry(decision_number="清环罚〔2026〕99号")
    hunan = gateway.register_platform(HUNAN)
    path = f"/v1/subjects/{CREDIT_CODE}/listings/{suspended}/objections/qc-obj-1/decision"

    another_listing = life.decide(
        qingcheng, CREDIT_CODE, suspended, "qc-obj-1", "corrected", corrected_entry=other
    )
    no_entry = life.decide(qingcheng, CREDIT_CODE, suspended, "qc-obj-1", "corrected")
    another_region = life.decide(hunan, CREDIT_CODE, suspended, "qc-obj-1", "revoked")
    anonymous = gateway.client.http.post(
        path, body=json.dumps({"outcome": "revoked", "source_updated_at": stamp()}).encode()
    )
    another_objection = life.decide(qingcheng, CREDIT_CODE, suspended, "qc-obj-9", "upheld")
    unknown_outcome = life.decide(qingcheng, CREDIT_CODE, suspended, "qc-obj-1", "dismissed")
    content = qingcheng_entry(reason="超标排放（经复核更正）")
    # a correction's content under another outcome would be dropped unread (review 46a)
    upheld_with_content = life.decide(
        qingcheng, CREDIT_CODE, suspended, "qc-obj-1", "upheld", corrected_entry=content
    )
    revoked_with_content = life.decide(
        qingcheng, CREDIT_CODE, suspended, "qc-obj-1", "revoked", corrected_entry=content
    )

    assert another_listing.status_code == 400
    assert another_listing.json_body["error"]["path"] == "corrected_entry.decision_number"
    assert no_entry.status_code == 400
    assert no_entry.json_body["error"]["path"] == "corrected_entry"
    assert another_region.status_code == 403
    assert error_code(another_region) == "not_listing_owner"
    assert anonymous.status_code == 401  # the owner's chain, signed, or the operator
    assert another_objection.status_code == 404
    assert another_objection.json_body["error"]["path"] == "objection_id"
    assert unknown_outcome.status_code == 400
    assert error_code(unknown_outcome) == "invalid_schema"
    assert unknown_outcome.json_body["error"]["path"] == "outcome"
    for refused in (upheld_with_content, revoked_with_content):
        assert refused.status_code == 400, refused.json_body
        assert (error_code(refused), refused.json_body["error"]["path"]) == (
            "bad_request",
            "corrected_entry",
        )
    assert life.status(CREDIT_CODE, suspended) == "suspended"


def test_an_upheld_decision_does_not_undo_a_credit_repair_granted_meanwhile(
    gateway, life, qingcheng
):
    # A general listing 4 months old may be repaired; the objection is still open meanwhile.
    entry = qingcheng_entry(days_ago=125, severity="general")
    listing_id = pushed(gateway, qingcheng, QINGCHENG, entry)
    assert life.file_objection(CREDIT_CODE, listing_id, "qc-obj-1").status_code == 201
    repaired = life.repair(qingcheng, CREDIT_CODE, listing_id, source_updated_at=stamp(1))
    assert repaired.json_body["listing"]["status"] == "repaired"

    life.decide(
        qingcheng, CREDIT_CODE, listing_id, "qc-obj-1", "upheld", source_updated_at=stamp(2)
    )

    # "upheld" means the listing stands as it was; it must not bring a repaired listing back
    # into force (a 409, or a decision that leaves the status alone, would both be right).
    assert life.status(CREDIT_CODE, listing_id) == "repaired"


# --- credit repair --------------------------------------------------------------------------


def test_repair_before_the_minimum_publicity_period_is_409_with_the_earliest_day(gateway, life):
    city = gateway.register_platform(CITY)
    # serious: 12 months minimum (a court defaulter has none: test_court_defaulters.py)
    entry = recent_entry(
        days_ago=30,
        domain="food_drug",
        deciding_authority="七台河市市场监督管理局",
        decision_number="七市监罚〔2026〕1号",
    )
    listing_id = pushed(gateway, city, CITY, entry)

    response = life.repair(city, CREDIT_CODE, listing_id)

    assert response.status_code == 409
    assert error_code(response) == "repair_too_early"
    valid_from = china_today() - timedelta(days=30)
    assert response.json_body["error"]["earliest"] == add_months(valid_from, 12).isoformat()
    assert life.status(CREDIT_CODE, listing_id) == "active"


def test_a_general_listing_decided_four_months_ago_is_repaired(gateway, aws, stream, life):
    subscribe(gateway)
    city = gateway.register_platform(CITY)
    entry = recent_entry(days_ago=125, severity="general")
    listing_id = listed_and_drained(gateway, aws, stream, city, CITY, entry)
    source_time = stamp()

    response = life.repair(city, CREDIT_CODE, listing_id, source_updated_at=source_time)

    assert response.status_code == 200, response.json_body
    assert response.json_body["changed"] is True
    listing = response.json_body["listing"]
    assert listing["status"] == "repaired"
    assert listing["history"][-1]["event"] == "repaired"
    assert listing["history"][-1]["by"] == CITY
    assert life.status(CREDIT_CODE, listing_id) == "repaired"
    assert webhook_data(the_one_change(aws, stream))["type"] == "repaired"

    replay = life.repair(city, CREDIT_CODE, listing_id, source_updated_at=source_time)
    objection = life.file_objection(CREDIT_CODE, listing_id, "obj-late")

    assert replay.status_code == 200
    assert replay.json_body["changed"] is False
    assert objection.status_code == 409  # nothing left to object to
    assert error_code(objection) == "listing_not_in_force"


def test_a_later_repair_for_another_reason_is_refused_and_the_first_one_kept(  # type: ignore[no-untyped-def]
    gateway, aws, stream, life
):
    """The same repair sent again later is a replay; another reason is not dropped in
    silence (review 46a), and an older message is one (as for every stamped action)."""
    subscribe(gateway)
    city = gateway.register_platform(CITY)
    entry = recent_entry(days_ago=125, severity="general")
    listing_id = listed_and_drained(gateway, aws, stream, city, CITY, entry)
    first = life.repair(city, CREDIT_CODE, listing_id, source_updated_at=stamp(-60))
    assert first.status_code == 200, first.json_body
    assert webhook_data(the_one_change(aws, stream))["type"] == "repaired"

    again = life.repair(city, CREDIT_CODE, listing_id)
    other = life.repair(city, CREDIT_CODE, listing_id, reason="另一理由")
    older = life.repair(
        city, CREDIT_CODE, listing_id, reason="另一理由", source_updated_at=stamp(-120)
    )

    assert (again.status_code, again.json_body["changed"]) == (200, False)
    assert other.status_code == 409
    error = other.json_body["error"]
    assert (error["code"], error["path"]) == ("listing_not_in_force", "reason")
    assert (older.status_code, older.json_body["changed"]) == (200, False)
    [view] = [
        v
        for v in life.lookup(CREDIT_CODE).json_body["listings"]
        if v["listing"]["listing_id"] == listing_id
    ]
    repairs = [
        (s["reason"], s["note"]) for s in view["listing"]["history"] if s["event"] == "repaired"
    ]
    assert repairs == [("credit repair", "已履行全部义务并完成整改")]
    assert fan_out(aws, stream) == []


def test_the_source_or_the_province_above_it_may_repair_but_no_other_region(gateway, life):
    city = gateway.register_platform(CITY)
    listing_id = pushed(gateway, city, CITY, recent_entry(days_ago=125, severity="general"))
    hunan = gateway.register_platform(HUNAN)
    province = gateway.register_platform(PROVINCE)

    refused = life.repair(hunan, CREDIT_CODE, listing_id)
    by_province = life.repair(province, CREDIT_CODE, listing_id)

    assert refused.status_code == 403
    assert error_code(refused) == "not_listing_owner"
    assert by_province.status_code == 200, by_province.json_body
    assert by_province.json_body["listing"]["status"] == "repaired"


# --- removals in a push ---------------------------------------------------------------------


def test_a_removal_in_a_push_ends_the_listing(gateway, aws, stream, life):
    subscribe(gateway)
    city = gateway.register_platform(CITY)
    entry = black_entry()
    listing_id = listed_and_drained(gateway, aws, stream, city, CITY, entry)

    response = push_with_removals(
        gateway, city, CITY, [removal_of(entry, "revoked", note="法院撤销原决定")]
    )

    assert response.status_code == 200, response.json_body
    result = response.json_body
    assert (result["accepted"], result["removed"], result["rejected"]) == (0, 1, 0)
    assert result["outcomes"] == [
        {"list": "removals", "index": 0, "listing_id": listing_id, "outcome": "removed"}
    ]
    assert life.status(CREDIT_CODE, listing_id) == "revoked"
    message = the_one_change(aws, stream)
    assert webhook_data(message)["type"] == "revoked"


def test_each_removal_reason_sets_its_status(gateway, life):
    city = gateway.register_platform(CITY)
    reasons = ["repaired", "expired", "corrected"]
    # an owner's expiry ends a listing whose period the gateway does not know (open-ended):
    # one it knows ends on its own day (``test_removal_reasons``)
    entries = [
        black_entry(decision_number=f"(2024)黑09执{i}号", open_ended=r == "expired")
        for i, r in enumerate(reasons)
    ]
    ids = [o["listing_id"] for o in gateway.push(city, CITY, entries).json_body["outcomes"]]

    response = push_with_removals(
        gateway, city, CITY, [removal_of(e, r) for e, r in zip(entries, reasons, strict=True)]
    )

    assert response.json_body["removed"] == 3
    assert [life.status(CREDIT_CODE, i) for i in ids] == reasons


def test_a_replayed_or_older_removal_is_a_duplicate(gateway, life):
    city = gateway.register_platform(CITY)
    entry = black_entry()
    listing_id = pushed(gateway, city, CITY, entry)
    removal = removal_of(entry, "revoked")
    assert push_with_removals(gateway, city, CITY, [removal]).json_body["removed"] == 1
    # an older one for the same reason (another reason is refused as it is alone:
    # test_removal_reasons)
    older = removal_of(entry, "revoked", source_updated_at="2024-06-01T09:00:00+08:00")

    response = push_with_removals(gateway, city, CITY, [removal, older])

    result = response.json_body
    assert (result["removed"], result["duplicate"], result["rejected"]) == (0, 2, 0)
    assert {o["outcome"] for o in result["outcomes"]} == {"duplicate"}
    assert life.status(CREDIT_CODE, listing_id) == "revoked"


def test_removals_of_unknown_foreign_or_malformed_listings_are_rejected(gateway, life):
    city = gateway.register_platform(CITY)
    entry = black_entry()
    listing_id = pushed(gateway, city, CITY, entry)
    hunan = gateway.register_platform(HUNAN)
    unknown = removal_of(black_entry(decision_number="(2024)黑09执999号"), "revoked")

    mine = push_with_removals(gateway, city, CITY, [unknown, removal_of(entry, "forgiven")])
    foreign = push_with_removals(gateway, hunan, HUNAN, [removal_of(entry, "revoked")])

    result = mine.json_body
    assert (result["removed"], result["rejected"]) == (0, 2)
    assert [(e["list"], e["index"], e["code"]) for e in result["errors"]] == [
        ("removals", 0, "unknown_listing"),
        ("removals", 1, "invalid_value"),
    ]
    assert result["errors"][1]["field"] == "reason"
    [error] = foreign.json_body["errors"]
    assert (error["list"], error["code"]) == ("removals", "not_listing_owner")
    assert life.status(CREDIT_CODE, listing_id) == "active"


# --- the tick: expiry -----------------------------------------------------------------------


def test_the_tick_expires_a_court_defaulter_listing_two_years_on(gateway, aws, stream, life):
    subscribe(gateway)
    city = gateway.register_platform(CITY)
    entry = black_entry(valid_from="2026-03-01", decided_on="2026-03-01")  # no valid_until
    listing_id = listed_and_drained(gateway, aws, stream, city, CITY, entry)
    last_day = china_noon(date(2028, 2, 29))

    early = life.tick(last_day)

    assert early.status_code == 200, early.json_body
    assert early.json_body["expired"] == 0
    assert life.status(CREDIT_CODE, listing_id) == "active"

    response = life.tick(china_noon(last_day.date() + timedelta(days=2)))  # 2028-03-02

    assert response.status_code == 200
    assert response.json_body["expired"] == 1
    assert response.json_body["purged"] == 0
    assert life.status(CREDIT_CODE, listing_id) == "expired"
    message = the_one_change(aws, stream)
    assert webhook_data(message)["type"] == "expired"
    assert life.tick(china_noon(last_day.date() + timedelta(days=3))).json_body["expired"] == 0


def test_the_tick_is_the_operators_and_takes_another_time_on_the_local_stage_only(gateway, life):
    city = gateway.register_platform(CITY)
    signed = gateway.post_signed("/v1/tick", city, "tick-1", b"{}")
    naive = life.post("/v1/tick", {"at": "2030-01-01T12:00:00"})
    assert signed.status_code == 403
    assert error_code(signed) == "operator_only"
    assert naive.status_code == 400
    assert naive.json_body["error"]["path"] == "at"
    gateway.configure(stage="prod", identity_key="a-deployment-identity-secret")

    response = life.tick(now() + timedelta(days=1))

    assert response.status_code == 400
    assert response.json_body["error"]["path"] == "at"
    assert life.tick().status_code == 200


# --- the tick: retention purge --------------------------------------------------------------


def test_a_natural_persons_ended_black_listing_is_purged_five_years_on(gateway, aws, stream, life):
    subscribe(gateway, PROVINCE)  # 黑龙江 recognises its own subtree: it saw the full ID
    city = gateway.register_platform(CITY)
    person = black_entry(credit_code=PERSON_CODE, subject_name="张某某")
    company = black_entry()  # a legal person's listing, ended at the same time: kept
    listing_id = pushed(gateway, city, CITY, person)
    pushed(gateway, city, CITY, company)
    listed = {webhook_data(m)["listing"]["credit_code"] for m in fan_out(aws, stream)}
    assert listed == {PERSON_CODE, CREDIT_CODE}
    ended = push_with_removals(
        gateway, city, CITY, [removal_of(person, "revoked"), removal_of(company, "revoked")]
    )
    assert ended.json_body["removed"] == 2
    assert [webhook_data(m)["type"] for m in fan_out(aws, stream)] == ["revoked", "revoked"]
    five_years = add_months(china_today(), 60)

    early = life.tick(china_noon(five_years - timedelta(days=1)))

    assert early.json_body["purged"] == 0
    assert life.status(PERSON_CODE, listing_id) == "revoked"

    response = life.tick(china_noon(five_years + timedelta(days=1)))

    assert response.status_code == 200, response.json_body
    assert response.json_body["purged"] == 1
    assert response.json_body["purged_by_region"] == {CITY: 1}
    assert life.lookup(PERSON_CODE).status_code == 404
    assert life.lookup(CREDIT_CODE).status_code == 200
    event = stream.event()
    assert [r["eventName"] for r in event["Records"]] == ["REMOVE"]
    [message] = fan_out_event(aws, event)
    data = webhook_data(message)
    assert data["type"] == "purged"
    assert data["listing"]["listing_id"] == listing_id
    assert data["listing"]["credit_code"] == PERSON_CODE_MASKED
    assert PERSON_CODE not in json.dumps(message, ensure_ascii=False)
    objects = aws.s3.list_objects_v2(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Prefix="purges/")
    [key] = [o["Key"] for o in objects.get("Contents", [])]
    assert key.startswith(f"purges/{five_years + timedelta(days=1):%Y/%m/%d}/")
    body = aws.s3.get_object(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=key)["Body"].read()
    record = json.loads(body)
    assert record["purged"] == 1
    assert record["by_region"] == {CITY: 1}
    assert PERSON_CODE.encode() not in body
    assert "张".encode() not in body
    assert listing_id.encode() not in body


def test_an_objected_persons_listing_is_kept_until_the_objection_is_decided(gateway, life):
    """Decided once the five years have run out, it is purged at the next tick: the decision
    is no archived push, and the evidence window counted from it kept the person's data a year
    longer (review 181)."""
    city = gateway.register_platform(CITY)
    person = black_entry(credit_code=PERSON_CODE, subject_name="李某某")
    listing_id = pushed(gateway, city, CITY, person)
    assert life.file_objection(PERSON_CODE, listing_id, "obj-1").status_code == 201
    ended = push_with_removals(gateway, city, CITY, [removal_of(person, "revoked")])
    assert ended.json_body["removed"] == 1
    five_years_on = china_noon(add_months(china_today(), 60) + timedelta(days=1))

    kept = life.tick(five_years_on)
    with time_machine.travel(five_years_on, tick=False):
        decided = life.decide(city, PERSON_CODE, listing_id, "obj-1", "upheld")
    purged = life.tick(five_years_on + timedelta(days=1))

    assert kept.json_body["purged"] == 0
    assert decided.status_code == 200, decided.json_body
    assert decided.json_body["listing"]["status"] == "revoked"  # upheld does not revive it
    assert purged.json_body["purged"] == 1
    assert life.lookup(PERSON_CODE).status_code == 404


# --- overdue objections ---------------------------------------------------------------------


def test_overdue_objections_are_the_operators_and_due_after_the_deadline(gateway, life, qingcheng):
    listing_id = pushed(gateway, qingcheng, QINGCHENG, qingcheng_entry())
    filed = life.file_objection(CREDIT_CODE, listing_id, "qc-obj-1", qingcheng).json_body["listing"]
    deadline = filed["objection"]["deadline"]
    deadline_day = date.fromisoformat(deadline)

    listed = life.get("/v1/objections/overdue")
    anonymous = gateway.client.http.get("/v1/objections/overdue")
    signed = life.get("/v1/objections/overdue", qingcheng)
    on_the_day = life.tick(china_noon(deadline_day))
    after = life.tick(china_noon(deadline_day + timedelta(days=1)))

    # The route reads the real clock (it takes no ``at``): an objection filed now is not
    # overdue yet. The tick at a later time reports it.
    assert listed.status_code == 200
    assert listed.json_body == {"overdue": [], "next": None}
    assert anonymous.status_code == 401
    assert signed.status_code == 403
    assert error_code(signed) == "operator_only"
    assert on_the_day.json_body["overdue_objections"] == []
    assert after.json_body["overdue_objections"] == [
        {
            "listing_id": listing_id,
            "origin_region": QINGCHENG,
            "objection_id": "qc-obj-1",
            "step": "decision",
            "deadline": deadline,
            "filed_at": filed["objection"]["filed_at"].replace("Z", "+00:00"),
        }
    ]
    assert after.json_body["expired"] == 0
