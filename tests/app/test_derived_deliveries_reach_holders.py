"""What a subject's other changes do to a listing a subscription holds reaches it whatever the
subscription's filters say now: its intensified flag dropping, a red listing's incentives held
back by a black listing, an agreement revision dropping a measure or no longer aiming it at the
responsible persons. Each was planned by filters only, so a subscription that narrowed them
after the listing was delivered kept the flag raised, the incentives granted and the measure
applied for good (review 390 F2; review 399 F4: the measure applied to 王某 still)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from app_support import (
    CITY,
    DAYE,
    HUNAN,
    Gateway,
    StreamReader,
    agreement_terms,
    black_entry,
    create_agreement,
    daye_black_entry,
    reevaluate,
    revise_agreement,
)
from delivery_support import AnsweringReceiver, DeliveryQueue, push_and_fan_out, subscribe
from lifecycle_support import now, push_with_removals, recent_entry, removal_of
from personal_support import REPRESENTATIVE_ID
from test_query_as_region import red_entry
from test_verify_log_terms import patched

import app as gateway_app


def _bodies(hook: AnsweringReceiver, event: str) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in hook.requests if f'"{event}"'.encode() in r.body]


def test_a_flag_dropping_reaches_a_subscription_filtered_away_from_its_listings(
    gateway: Gateway, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    city = gateway.register_platform(CITY)
    created = subscribe(gateway, hook.url, region=CITY)  # its own listings: recognised
    tax = black_entry(
        domain="major_tax_violation",
        deciding_authority="国家税务总局七台河市税务局",
        decision_number="七税稽罚〔2024〕9号",
    )
    push_and_fan_out(gateway, stream, city, CITY, [black_entry(), tax])
    queue.run()
    assert [b["intensified"]["intensified"] for b in _bodies(hook, "subject.intensified")] == [True]
    patched(gateway, created["subscription_id"], {"filters": {"kinds": ["red"]}})
    removed = push_with_removals(gateway, city, CITY, [removal_of(tax, "revoked")])
    assert removed.json_body["removed"] == 1, removed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()

    flags = [b["intensified"]["intensified"] for b in _bodies(hook, "subject.intensified")]
    assert flags == [True, False]


def test_incentives_held_back_reach_a_subscription_filtered_away_from_red(
    gateway: Gateway, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    daye = gateway.register_platform(DAYE)
    created = subscribe(gateway, hook.url, region=DAYE)
    dates = recent_entry()
    red = red_entry(decided_on=dates["decided_on"], valid_from=dates["valid_from"])
    push_and_fan_out(gateway, stream, daye, DAYE, [red])
    queue.run()
    [sent] = _bodies(hook, "listing.changed")
    assert sent["recognition"]["measures"], sent["recognition"]  # the incentives, granted
    patched(gateway, created["subscription_id"], {"filters": {"kinds": ["black"]}})
    black = daye_black_entry(decided_on=dates["decided_on"], valid_from=dates["valid_from"])
    push_and_fan_out(gateway, stream, daye, DAYE, [black])
    queue.run()

    changed = _bodies(hook, "recognition.changed")
    red_id = sent["data"]["listing"]["listing_id"]
    assert [b["data"]["listing"]["listing_id"] for b in changed] == [red_id]
    assert changed[0]["recognition"]["measures"] == []  # held back while the black one holds
    assert changed[0]["recognition"]["suspended_measures"], changed[0]["recognition"]


def test_incentives_held_back_reach_a_holder_when_the_red_listing_is_updated_in_the_batch(
    gateway: Gateway, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    """The red listing's own update in the same batch reaches only subscriptions whose filters
    take it: a holder filtered away was told nothing (review 399 F1)."""
    daye = gateway.register_platform(DAYE)
    created = subscribe(gateway, hook.url, region=DAYE)
    dates = recent_entry()
    red = red_entry(decided_on=dates["decided_on"], valid_from=dates["valid_from"])
    push_and_fan_out(gateway, stream, daye, DAYE, [red])
    queue.run()
    [sent] = _bodies(hook, "listing.changed")
    patched(gateway, created["subscription_id"], {"filters": {"kinds": ["black"]}})
    reworded = {**red, "reason": "诚信经营，获评诚信典型（更正表述）"}
    reworded["source_updated_at"] = (now() - timedelta(minutes=5)).isoformat()
    black = daye_black_entry(decided_on=dates["decided_on"], valid_from=dates["valid_from"])
    push_and_fan_out(gateway, stream, daye, DAYE, [reworded, black])
    queue.run()

    changed = _bodies(hook, "recognition.changed")
    assert [b["data"]["listing"]["listing_id"] for b in changed] == [
        sent["data"]["listing"]["listing_id"]
    ]
    assert changed[0]["recognition"]["measures"] == []


def test_a_dropped_measure_reaches_a_subscription_filtered_away_from_the_listing(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    terms = agreement_terms()  # 湖南 recognises 湖北's serious black lists: two measures
    made = create_agreement(gateway, terms)
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    created = subscribe(gateway, hook.url, region=HUNAN)
    push_and_fan_out(gateway, stream, daye, DAYE, [daye_black_entry()])
    queue.run()
    [sent] = _bodies(hook, "listing.changed")
    assert len(sent["recognition"]["measures"]) == 2, sent["recognition"]
    patched(gateway, created["subscription_id"], {"filters": {"kinds": ["red"]}})
    agreement_id = made.json_body["agreement"]["agreement_id"]
    one_measure = {**terms, "measures": terms["measures"][1:]}
    revised = revise_agreement(gateway, agreement_id, one_measure)
    assert revised.status_code == 200, revised.json_body
    reevaluate(aws)
    queue.run()

    changed = _bodies(hook, "recognition.changed")
    assert [len(b["recognition"]["measures"]) for b in changed] == [1], changed


OWN_MEASURE = {
    "measure_id": "hunan_restrict_public_posts",
    "text": "限制担任本省国有企业高级管理人员",
    "department": "湖南省国资委",
    "mandatory": False,
}


def _aimed_at(targets: list[str]) -> dict[str, Any]:
    """湖南's serious-black agreement with a measure of its own (not catalogued) at ``targets``."""
    terms = agreement_terms()
    return {**terms, "measures": [*terms["measures"], {**OWN_MEASURE, "targets": targets}]}


def test_a_measure_no_longer_aimed_at_persons_reaches_a_holder(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue, hook: AnsweringReceiver
) -> None:
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    made = create_agreement(gateway, _aimed_at(["subject", "responsible_person"]))
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    created = subscribe(gateway, hook.url, region=HUNAN)
    representative = {
        "name": "王某",
        "role": "legal_representative",
        "id_number": REPRESENTATIVE_ID,
    }
    entry = daye_black_entry(responsible_persons=[representative])
    push_and_fan_out(gateway, stream, daye, DAYE, [entry])
    queue.run()
    [sent] = _bodies(hook, "listing.changed")
    assert sent.get("person_measures"), sent  # the measure reaches 王某
    patched(gateway, created["subscription_id"], {"filters": {"kinds": ["red"]}})
    agreement_id = made.json_body["agreement"]["agreement_id"]
    revised = revise_agreement(gateway, agreement_id, _aimed_at(["subject"]))
    assert revised.status_code == 200, revised.json_body
    reevaluate(aws)
    queue.run()

    [told] = _bodies(hook, "recognition.changed")
    assert told["data"]["listing"]["listing_id"] == sent["data"]["listing"]["listing_id"]
    assert not told.get("person_measures"), told
