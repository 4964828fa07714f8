"""A listing version accepted after an agreement's save (its own fan-out read the new terms) is
not reported again by the save's re-evaluation, but stays in its subject's context: a black
listing red measures yield to, a domain the intensified flag counts (review 94 F2). Each case
also runs without the correction, as a control."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from app_support import (
    DAYE,
    HUBEI,
    HUNAN,
    agreement_terms,
    consume,
    create_agreement,
    daye_black_entry,
    queued_messages,
    reevaluate,
    sqs_event,
)
from lifecycle_support import Lifecycle
from test_query_as_region import red_entry

import app as gateway_app
from gateway_client.contract import ListKind, china_date
from gateway_client.contract.identity import listing_id


def deliveries(aws):
    return queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])


TAX = {
    "domain": "major_tax_violation",
    "deciding_authority": "国家税务总局大冶市税务局",
    "decision_number": "大税稽罚〔2024〕3号",
}


def hunan_subscribed(gateway, receiver):  # type: ignore[no-untyped-def]
    """湖南 subscribed; 大冶's platform, whose listings it recognises once agreed."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    return daye


def agreed_on_court_and_tax(gateway) -> None:  # type: ignore[no-untyped-def]
    made = create_agreement(
        gateway, agreement_terms(domains=["court_defaulter", "major_tax_violation"])
    )
    assert made.status_code == 201, made.json_body


def corrected(entry: dict) -> dict:  # type: ignore[type-arg]
    """The entry again, its reason corrected, a version stamped now."""
    stamp = datetime.now(UTC).isoformat()
    return {**entry, "reason": entry["reason"] + "（更正）", "source_updated_at": stamp}


def assert_flag_raised_once(aws) -> None:  # type: ignore[no-untyped-def]
    """The job run: one ``subject.intensified``, raised."""
    reevaluate(aws)
    told = deliveries(aws)
    flags = [d for d in told if d.type == "subject.intensified"]
    assert len(flags) == 1, [(d.type, d.change.listing.domain) for d in told]
    assert flags[0].intensified.intensified is True


@pytest.mark.parametrize("corrected_meanwhile", [False, True], ids=["control", "corrected"])
def test_red_yield_in_reevaluation_sees_a_black_listing_updated_after_the_save(
    gateway, receiver, stream, aws, corrected_meanwhile
):
    daye = hunan_subscribed(gateway, receiver)
    recent = (china_date(datetime.now(UTC)) - timedelta(days=1)).isoformat()
    black = daye_black_entry(decided_on=recent, valid_from=recent)
    red = red_entry(decided_on=recent, valid_from=recent)
    assert gateway.push(daye, DAYE, [black, red]).json_body["accepted"] == 2
    gateway_app.fan_out_changes(stream.event(), None)
    deliveries(aws)

    terms = agreement_terms(
        kinds=["black", "red"],
        sources=[{"region": HUBEI, "subtree": True}],
        measures=[
            *agreement_terms()["measures"],
            {
                "measure_id": "green_channel",
                "text": "绿色通道",
                "department": "各部门",
                "mandatory": False,
            },
        ],
    )
    made = create_agreement(gateway, terms)
    assert made.status_code == 201, made.json_body
    # 大冶 corrects its black listing's wording before the job has run
    if corrected_meanwhile:
        pushed = gateway.push(daye, DAYE, [corrected(black)])
        assert pushed.json_body["accepted"] == 1, pushed.json_body
        gateway_app.fan_out_changes(stream.event(), None)
    reevaluate(aws)
    told = [d for d in deliveries(aws) if d.type == "recognition.changed"]
    reds = [d for d in told if d.change.listing.kind == "red"]
    assert len(reds) == 1, told
    recognition = reds[0].recognition
    # a black listing is in force: the red listing's incentives are held back
    assert [m.measure_id for m in recognition.measures] == []
    assert [m.measure_id for m in recognition.suspended_measures] == ["green_channel"]
    # what the one-stop query says of the same listing now
    code = reds[0].change.listing.credit_code
    asked = gateway.client.http.get(
        f"/v1/subjects/{code}?as={HUNAN}&purpose=supervision", headers=gateway.operator()
    )
    [red_view] = [v for v in asked.json_body["listings"] if v["listing"]["kind"] == "red"]
    assert [m["measure_id"] for m in red_view["suspended_measures"]] == ["green_channel"]


@pytest.mark.parametrize("corrected_meanwhile", [False, True], ids=["control", "corrected"])
def test_intensified_flip_survives_a_correction_pushed_before_the_job_ran(
    gateway, receiver, stream, aws, corrected_meanwhile
):
    daye = hunan_subscribed(gateway, receiver)
    court = daye_black_entry()
    tax = daye_black_entry(**TAX)
    assert gateway.push(daye, DAYE, [court, tax]).json_body["accepted"] == 2
    gateway_app.fan_out_changes(stream.event(), None)
    deliveries(aws)
    agreed_on_court_and_tax(gateway)
    if corrected_meanwhile:
        assert gateway.push(daye, DAYE, [corrected(tax)]).json_body["accepted"] == 1
        gateway_app.fan_out_changes(stream.event(), None)
    assert_flag_raised_once(aws)


def test_a_new_listing_after_the_save_has_its_flip_told_and_never_contradicted(
    gateway, receiver, stream, aws
):
    """Its own fan-out read the new terms and told the flag. The job judges the subject with
    that listing too (review 130: leaving it out made the job contradict a fan-out's word), so
    it may tell the same flag again (review 95 F3 asked for once): never another one."""
    daye = hunan_subscribed(gateway, receiver)
    court = daye_black_entry()
    assert gateway.push(daye, DAYE, [court]).json_body["accepted"] == 1
    gateway_app.fan_out_changes(stream.event(), None)
    deliveries(aws)
    agreed_on_court_and_tax(gateway)
    # a new tax listing of the same subject, accepted after the save, before the job runs
    tax = daye_black_entry(**TAX)
    assert gateway.push(daye, DAYE, [tax]).json_body["accepted"] == 1
    gateway_app.fan_out_changes(stream.event(), None)
    by_fan_out = [d for d in deliveries(aws) if d.type == "subject.intensified"]
    reevaluate(aws)
    by_job = [d for d in deliveries(aws) if d.type == "subject.intensified"]
    flags = by_fan_out + by_job
    assert by_fan_out  # told by the listing's own fan-out
    assert len(flags) <= 2
    assert {(d.intensified.intensified, d.intensified.domains) for d in flags} == {
        (True, ("court_defaulter", "major_tax_violation"))
    }


HENAN = "410000"


class _OnePage:
    """A Lambda context with time for one page only."""

    def __init__(self) -> None:
        self.calls = 0

    def get_remaining_time_in_millis(self) -> int:
        self.calls += 1
        return 900_000 if self.calls == 1 else 1


@pytest.mark.parametrize("listed_meanwhile", [False, True], ids=["control", "new_listing"])
def test_the_flag_raised_by_an_agreement_is_told_though_a_new_listing_came_mid_job(
    gateway, receiver, stream, aws, listed_meanwhile
):
    """The flag goes with the subject's first listing by id that the job walks: one listed
    since, with an id before the others on a page walked already, must not take it (review
    95 F4)."""
    daye = gateway.register_platform(DAYE)
    henan = gateway.register_platform(HENAN)
    gateway.put_region(HUNAN, name="湖南省")
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    court = daye_black_entry()
    tax = daye_black_entry(**TAX)
    pushed = gateway.push(daye, DAYE, [court, tax]).json_body
    assert pushed["accepted"] == 2, pushed
    held_ids = [o["listing_id"] for o in pushed["outcomes"]]
    gateway_app.fan_out_changes(stream.event(), None)
    deliveries(aws)

    # a 河南 court listing of the same subject whose id sorts before both
    for n in range(1, 500):
        number = f"(2024)豫执{n}号"
        new_id = listing_id(
            court["credit_code"], ListKind.BLACK, "court_defaulter", "河南省高级人民法院", number
        )
        if new_id < min(held_ids):
            break
    assert new_id < min(held_ids)
    henan_court = daye_black_entry(deciding_authority="河南省高级人民法院", decision_number=number)

    made = create_agreement(
        gateway,
        agreement_terms(
            sources=[{"region": HENAN, "subtree": True}, {"region": HUBEI, "subtree": True}],
            domains=["court_defaulter", "major_tax_violation"],
        ),
    )
    assert made.status_code == 201, made.json_body
    # the job walks 河南 (empty yet) and stops for time
    url = aws.env["CG_REEVALUATION_QUEUE_URL"]
    event = sqs_event(aws.sqs, url, "cn-northwest-1")
    assert len(event["Records"]) == 1
    gateway_app.reevaluate_agreements(event, _OnePage())
    consume(aws.sqs, url, event)
    # 河南 lists the subject meanwhile: its fan-out has no flip to tell (flagged either way)
    if listed_meanwhile:
        reply = gateway.push(henan, HENAN, [henan_court]).json_body
        assert reply["accepted"] == 1, reply
        assert reply["outcomes"][0]["listing_id"] == new_id
        gateway_app.fan_out_changes(stream.event(), None)
    by_fan_out = [d for d in deliveries(aws) if d.type == "subject.intensified"]
    reevaluate(aws)
    by_job = [d for d in deliveries(aws) if d.type == "subject.intensified"]
    assert len(by_fan_out + by_job) == 1, (by_fan_out, by_job)


def strip_listed_at(aws):
    table = aws.env["CG_LISTINGS_TABLE"]
    n = 0
    for item in aws.dynamodb.scan(TableName=table)["Items"]:
        if "doc" not in item:
            continue
        doc = json.loads(item["doc"]["S"])
        if "listed_at" in doc:
            del doc["listed_at"]
            item["doc"] = {"S": json.dumps(doc, ensure_ascii=False, separators=(",", ":"))}
            aws.dynamodb.put_item(TableName=table, Item=item)
            n += 1
    return n


@pytest.mark.parametrize("since_the_save", ["", "objected", "objected, updated"])
def test_a_listing_stored_before_listed_at_and_changed_since_stays_context(
    gateway, receiver, stream, aws, since_the_save
):
    """Stored before the field, it was listed before any save since: a lifecycle step after the
    save (an objection here) moves its ``accepted_at`` only (review 98 F1), and fills in
    ``listed_at`` from the acceptance it moves on, so an update after it keeps the listing's
    first listing, not the step's time (review 101 F4)."""
    daye = hunan_subscribed(gateway, receiver)
    court = daye_black_entry()
    tax = daye_black_entry(**TAX)
    reply = gateway.push(daye, DAYE, [court, tax]).json_body
    assert reply["accepted"] == 2
    gateway_app.fan_out_changes(stream.event(), None)
    deliveries(aws)
    assert strip_listed_at(aws) == 2  # stored before the field existed
    agreed_on_court_and_tax(gateway)
    if "objected" in since_the_save:
        tax_id = reply["outcomes"][1]["listing_id"]
        filed = Lifecycle(gateway).file_objection(tax["credit_code"], tax_id)
        assert filed.status_code in (200, 201), filed.json_body
        gateway_app.fan_out_changes(stream.event(), None)
    if "updated" in since_the_save:
        assert gateway.push(daye, DAYE, [corrected(tax)]).json_body["accepted"] == 1
        gateway_app.fan_out_changes(stream.event(), None)
    assert_flag_raised_once(aws)
