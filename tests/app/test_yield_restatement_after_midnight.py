"""A red listing's yield restatement (``recognition.changed``, incentives held back) is judged
at its attempt on the subject's listings as stored, as fan-out judges yield flips: attempted
after midnight, when the black listing's period ended but before the tick wrote it, it still
stands and is sent, before or after midnight alike (review 297: judged as the tick will have
them, it was settled dead ``superseded``; a new black listing pushed before the tick flipped
nothing in fan-out's eyes, nor did the tick's expiry: the region's last word was "incentives
apply" with a black listing in force)."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

import pytest
import time_machine
from app_support import DAYE, HUNAN, create_agreement
from lifecycle_support import Lifecycle, china_today, fan_out_and_deliver, recent_entry
from test_feedback_held_back_incentive import red_recognition_terms
from test_query_as_region import red_entry

import app as gateway_app
from chalicelib import bootstrap
from gateway_client.contract.clock import CHINA


@pytest.fixture(autouse=True)
def _clock_reset():
    yield
    bootstrap.override_clock(None)


def _about(receiver, listing_id):
    told = []
    for r in receiver.requests:
        try:
            body = json.loads(r.body)
        except ValueError:
            continue
        change = body.get("data") or {}
        if (change.get("listing") or {}).get("listing_id") == listing_id:
            rec = change.get("recognition") or body.get("recognition") or {}
            told.append((body.get("type"), bool(rec.get("suspended_measures"))))
    return told


@pytest.mark.parametrize(
    "first_attempt", [-60, 20], ids=["attempted before midnight", "after midnight"]
)
def test_the_red_listing_ends_held_back_while_a_black_one_is_in_force(
    gateway, aws, stream, receiver, queue, first_attempt
):
    daye = gateway.register_platform(DAYE)
    gateway.register_platform(HUNAN)
    terms = red_recognition_terms()
    assert create_agreement(gateway, terms).status_code == 201
    made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert made.status_code == 201
    sub_id = made.json_body["subscription_id"]
    dates = recent_entry()
    red = red_entry(decided_on=dates["decided_on"], valid_from=dates["valid_from"])
    reply = gateway.push(daye, DAYE, [red]).json_body
    assert reply["accepted"] == 1
    red_id = reply["outcomes"][0]["listing_id"]
    fan_out_and_deliver(aws, stream)

    ends = china_today() + timedelta(days=1)
    black = recent_entry(
        days_ago=1,
        subject_name="大冶某某矿业有限公司",
        deciding_authority="大冶市人民法院",
        decision_number="(2026)鄂0281执9号",
        valid_until=ends.isoformat(),
    )
    first = gateway.push(daye, DAYE, [black]).json_body
    assert first.get("accepted") == 1, first
    gateway_app.fan_out_changes(stream.event(), None)  # queued: the yield restatement

    midnight = datetime.combine(ends, time(), CHINA)
    with time_machine.travel(midnight + timedelta(minutes=first_attempt), tick=True):
        queue.run()  # its first attempt, after midnight, before the tick

    with time_machine.travel(midnight + timedelta(minutes=30), tick=True):
        other = recent_entry(
            days_ago=0,
            subject_name="大冶某某矿业有限公司",
            domain="major_tax_violation",
            deciding_authority="国家税务总局大冶市税务局",
            decision_number="大税稽罚〔2026〕5号",
        )
        pushed = gateway.push(daye, DAYE, [other]).json_body
        assert pushed.get("accepted") == 1, pushed
        gateway_app.fan_out_changes(stream.event(), None)
        queue.run()

    at = midnight + timedelta(minutes=60)
    with time_machine.travel(at, tick=True):
        assert Lifecycle(gateway).tick().status_code == 200
        gateway_app.fan_out_changes(stream.event(), None)
        queue.run()

    told = _about(receiver, red_id)
    dead = gateway.client.http.get(
        f"/v1/subscriptions/{sub_id}/deliveries?state=dead", headers=gateway.operator()
    ).json_body
    settled = [a.get("not_sent") for d in dead["deliveries"] for a in d.get("attempts", [])]
    seen = [
        (json.loads(r.body).get("type"), json.loads(r.body)["data"]["listing"]["domain"])
        for r in receiver.requests
    ]
    with time_machine.travel(at + timedelta(minutes=5), tick=True):
        code = red["credit_code"]
        view = gateway.client.http.get(
            f"/v1/subjects/{code}?as={HUNAN}", headers=gateway.operator()
        ).json_body
    [red_view] = [v for v in view["listings"] if v["listing"]["listing_id"] == red_id]
    assert "suspended" in json.dumps(red_view), red_view  # the truth
    assert told, ("nothing about the red listing", seen)
    assert told[-1][1], (told, seen, settled)  # the last word: held back, as in force
