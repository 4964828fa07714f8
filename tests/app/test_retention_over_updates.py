"""Past a listing's retention, beside ``test_update_past_retention`` (review 356): an update
naming a person for the first time is refused as one of a person's listing (push and bulk
delta); the operator's reassignment and performance correction (review 359) give no such
listing a new version, and an update lengthening its period is told so; and the same entry
sent again is still a duplicate, an older one stale, as ever (only a version that would be
stored is refused)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from app_support import CITY, CREDIT_CODE, HUNAN, PROVINCE
from lifecycle_support import (
    XINZHENG,
    Lifecycle,
    add_months,
    china_today,
    fan_out_and_deliver,
    listing_path,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
    stamp,
)
from test_update_past_retention import listed_and_ended, push_at

from chalicelib import bootstrap
from chalicelib.bootstrap import container
from gateway_client.contract import FixedClock

REPRESENTATIVE = "110108198506150478"
NAMED = [{"name": "周某某", "role": "legal_representative", "id_number": REPRESENTATIVE}]


def test_a_person_named_in_an_update_past_retention_is_refused(
    gateway: Any, aws: Any, stream: Any, receiver: Any
) -> None:
    start = datetime.now(UTC)
    clock = FixedClock(start)
    bootstrap.override_clock(clock)
    try:
        gateway.put_region(PROVINCE)
        assert gateway.subscribe_as_operator(region=PROVINCE, url=receiver.url).status_code == 201
        city = gateway.register_platform(CITY)
        entry = listed_and_ended(
            gateway,
            city,
            start,
            72,
            credit_code=CREDIT_CODE,
            subject_name="七台河某某建设工程有限公司",
            decision_number="(2026)黑09执78号",
        )
        fan_out_and_deliver(aws, stream)
        before = len(receiver.requests)

        clock.advance(timedelta(days=200))
        later = clock.now()
        update = {
            **entry,
            "responsible_persons": NAMED,
            "source_updated_at": (later - timedelta(minutes=1)).isoformat(),
        }
        taken = push_at(gateway, city, later, [update], [])
        fan_out_and_deliver(aws, stream)
        sent = receiver.requests[before:]
    finally:
        bootstrap.override_clock(None)

    stored = [
        i
        for i in aws.dynamodb.scan(TableName=aws.env["CG_LISTINGS_TABLE"])["Items"]
        if REPRESENTATIVE in str(i)
    ]
    assert (taken["accepted"], taken["rejected"]) == (0, 1), taken
    [error] = taken["errors"]
    assert (error["field"], error["code"]) == ("decision_number", "period_ended"), error
    assert sent == []
    assert stored == []


def ended_long_after_its_conduct(gateway: Any, city: Any, **fields: Any) -> dict[str, Any]:
    """A listing whose conduct ended six years ago, pushed and revoked today: its retention is
    over at once, no clock moved. The entry pushed (``fields`` over ``recent_entry``'s)."""
    conduct_ended_on = add_months(china_today(), -72).isoformat()
    entry = recent_entry(conduct_ended_on=conduct_ended_on, **fields)
    pushed(gateway, city, CITY, entry)
    ended = push_with_removals(gateway, city, CITY, [removal_of(entry, "revoked")])
    assert ended.json_body["removed"] == 1, ended.json_body
    return entry


def test_the_same_update_through_a_delta_upload_is_refused(gateway: Any, aws: Any) -> None:
    """The same through a bulk delta (no clock moved: the conduct ended six years ago, the
    listing was ended today, so its retention is over at once)."""
    from upload_support import uploaded

    city = gateway.register_platform(CITY)
    entry = ended_long_after_its_conduct(gateway, city, decision_number="(2026)黑09执82号")
    update = {
        **entry,
        "responsible_persons": NAMED,
        "source_updated_at": (datetime.now(UTC) + timedelta(seconds=1)).isoformat(),
    }
    done = container().uploads.get(CITY, uploaded(gateway, aws, city, [update], mode="delta"))

    assert (done.accepted, done.rejected) == (0, 1), (done.accepted, done.rejected, done.errors)
    assert [(e.field, e.code) for e in done.errors] == [("decision_number", "period_ended")]


def test_a_reassignment_of_a_listing_past_retention_is_refused(
    gateway: Any, aws: Any, stream: Any, receiver: Any
) -> None:
    gateway.register_platform(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    squatter = gateway.register_platform(XINZHENG)
    gateway.register_platform(CITY)
    entry = recent_entry(
        conduct_ended_on=add_months(china_today(), -72).isoformat(),
        responsible_persons=NAMED,
    )
    lid = pushed(gateway, squatter, XINZHENG, entry)
    ended = push_with_removals(gateway, squatter, XINZHENG, [removal_of(entry, "revoked")])
    assert ended.json_body["removed"] == 1, ended.json_body
    fan_out_and_deliver(aws, stream)
    before = len(receiver.requests)

    body = {"corrected_entry": {**entry, "origin_region": CITY}, "note": "认定部门为七台河市"}
    moved = gateway.client.http.post(
        listing_path(CREDIT_CODE, lid) + "/reassignment",
        headers=gateway.operator(),
        body=json.dumps(body, ensure_ascii=False).encode(),
    )
    fan_out_and_deliver(aws, stream)
    sent = len(receiver.requests) - before

    assert moved.status_code == 400, moved.json_body
    error = moved.json_body["error"]
    assert (error["code"], error["path"]) == ("period_ended", "corrected_entry.decision_number")
    assert sent == 0
    assert Lifecycle(gateway).status(CREDIT_CODE, lid) == "revoked"


def test_the_same_entry_again_past_retention_is_a_duplicate(
    gateway: Any, aws: Any, stream: Any, receiver: Any
) -> None:
    start = datetime.now(UTC)
    clock = FixedClock(start)
    bootstrap.override_clock(clock)
    try:
        gateway.put_region(PROVINCE)
        city = gateway.register_platform(CITY)
        entry = listed_and_ended(gateway, city, start, 72, decision_number="(2026)黑09执80号")
        # within the evidence window (the purge is not due yet), the first push sent again
        clock.advance(timedelta(days=10))
        again = push_at(gateway, city, clock.now(), [entry], [])
    finally:
        bootstrap.override_clock(None)

    assert (again["accepted"], again["duplicate"], again["rejected"]) == (0, 1, 0), again["errors"]


def performed_past_retention(gateway: Any, city: Any, decision_number: str) -> tuple[str, str]:
    """A listing naming a person, its conduct ended six years ago, pushed and removed as
    performed ten days ago (so its retention is over): its id, and the day performed."""
    entry = recent_entry(
        days_ago=30,
        decision_number=decision_number,
        conduct_ended_on=add_months(china_today(), -72).isoformat(),
        responsible_persons=NAMED,
    )
    lid = pushed(gateway, city, CITY, entry)
    ten_days_ago = (china_today() - timedelta(days=10)).isoformat()
    removed = removal_of(
        entry, "performed", source_updated_at=stamp(-60), performed_on=ten_days_ago
    )
    reply = push_with_removals(gateway, city, CITY, [removed]).json_body
    assert reply["removed"] == 1, reply
    return lid, ten_days_ago


def test_a_performance_correction_past_retention_is_refused(  # review 359
    gateway: Any, aws: Any, stream: Any, receiver: Any
) -> None:
    gateway.put_region(PROVINCE)
    assert gateway.subscribe_as_operator(region=PROVINCE, url=receiver.url).status_code == 201
    city = gateway.register_platform(CITY)
    lid, _ = performed_past_retention(gateway, city, "(2026)黑09执91号")
    fan_out_and_deliver(aws, stream)
    before = len(receiver.requests)
    held_before = container().listings.current([(CREDIT_CODE, lid)])[lid]

    path = listing_path(CREDIT_CODE, lid) + "/performance"
    corrected = Lifecycle(gateway).post(
        path, {"performed_on": china_today().isoformat(), "note": "执行法院来函:履行日期录入有误"}
    )
    fan_out_and_deliver(aws, stream)
    sent = len(receiver.requests) - before
    held_after = container().listings.current([(CREDIT_CODE, lid)])[lid]

    assert corrected.status_code == 400, corrected.json_body
    error = corrected.json_body["error"]
    assert (error["code"], error["path"]) == ("period_ended", "listing_id"), error
    assert held_after.version == held_before.version
    assert sent == 0


def test_a_lengthening_update_past_retention_is_refused_as_period_ended(gateway: Any) -> None:
    """Not period_lengthened: no version of it is taken in anew, whatever else it changes."""
    city = gateway.register_platform(CITY)
    entry = ended_long_after_its_conduct(
        gateway, city, decision_number="(2026)黑09执93号", responsible_persons=NAMED
    )

    update = {
        **entry,
        "open_ended": True,
        "source_updated_at": (datetime.now(UTC) + timedelta(seconds=1)).isoformat(),
    }
    reply = gateway.push(city, CITY, [update]).json_body

    assert (reply["accepted"], reply["rejected"]) == (0, 1), reply
    [error] = reply["errors"]
    assert (error["field"], error["code"]) == ("decision_number", "period_ended"), error


def test_the_day_held_already_is_a_replay_past_retention(gateway: Any) -> None:
    """A performance correction naming the day held already is a replay (200, ``changed:
    false``) past retention too: the operator's retry of one that went through was told 400
    ``period_ended``, that nothing was done (review 362)."""
    city = gateway.register_platform(CITY)
    lid, ten_days_ago = performed_past_retention(gateway, city, "(2026)黑09执92号")

    path = listing_path(CREDIT_CODE, lid) + "/performance"
    again = Lifecycle(gateway).post(path, {"performed_on": ten_days_ago, "note": "重发"})

    assert again.status_code == 200, again.json_body
    assert again.json_body["changed"] is False, again.json_body
