"""/v1/agreements (signed, revised and ended by the operator only; read by anyone, since
agreements are published policy) and what agreements change for subscribers, end to end:
the listing stream fans out ``listing.changed`` with each subscriber's own recognition, and an
agreement signed, revised or ended queues ``recognition.changed`` for its subscriber only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import (
    CREDIT_CODE,
    DAYE,
    GUANGDONG,
    HUBEI,
    HUNAN,
    NATURAL_PERSON_CODE,
    Gateway,
    StreamReader,
    agreement_terms,
    create_agreement,
    daye_black_entry,
    end_agreement,
    error_code,
    new_batch_id,
    platform_headers,
    queued_messages,
    reevaluate,
    revise_agreement,
    signed_agreement,
    sqs_event,
)

import app as gateway_app
from chalicelib import bootstrap
from gateway.delivery.planning import Delivery
from gateway_client.contract.clock import FixedClock, china_date
from gateway_client.contract.signing import Ed25519Signer, load_public_key
from gateway_client.receiver import verify_delivery

WRONG_TOKEN = "not-the-operator-token-0123456789"


def today() -> str:
    """Agreements are dated in Beijing."""
    return china_date(datetime.now(UTC)).isoformat()


def listed_agreements(gateway: Gateway, subscriber: str | None = None) -> list[dict]:
    path = "/v1/agreements" + (f"?subscriber={subscriber}" if subscriber else "")
    response = gateway.client.http.get(path)
    assert response.status_code == 200
    return list(response.json_body["agreements"])


@pytest.fixture(autouse=True)
def hubei_has_a_platform(gateway: Gateway) -> None:
    """The agreements here recognise 湖北's lists: a source needs a registered platform."""
    gateway.put_region(HUBEI, name="湖北省")


# --- the routes ------------------------------------------------------------------------------


def test_an_operator_signs_an_agreement_for_a_registered_region(gateway):
    gateway.put_region(HUNAN, name="湖南省")
    terms = agreement_terms()

    response = create_agreement(gateway, terms)

    assert response.status_code == 201
    body = response.json_body
    agreement = body["agreement"]
    # re-evaluated after the reply, by a job saved with the revision
    assert body["reevaluation"] == {"job_id": f"{agreement['agreement_id']}@1", "state": "queued"}
    assert agreement["agreement_id"].startswith("agr_")
    assert agreement["revision"] == 1
    assert agreement["subscriber_region"] == HUNAN
    assert agreement["sources"] == [{"region": HUBEI, "subtree": True}]
    assert agreement["kinds"] == ["black"]
    assert agreement["min_severity"] == "serious"
    assert agreement["effective_from"] == "2024-01-01"
    assert agreement["effective_until"] is None
    assert [m["measure_id"] for m in agreement["measures"]] == [
        "restrict_franchise",
        "strict_licensing_review",
    ]
    assert listed_agreements(gateway) == [agreement]


def test_signing_revising_and_ending_agreements_is_operator_only(gateway):
    gateway.put_region(HUNAN)
    agreement = signed_agreement(gateway)
    agreement_id = agreement["agreement_id"]

    refused = {
        "post without": create_agreement(gateway, agreement_terms(), token=None),
        "post wrong": create_agreement(gateway, agreement_terms(), token=WRONG_TOKEN),
        "put without": revise_agreement(gateway, agreement_id, agreement_terms(), token=None),
        "put wrong": revise_agreement(gateway, agreement_id, agreement_terms(), WRONG_TOKEN),
        "delete without": end_agreement(gateway, agreement_id, token=None),
        "delete wrong": end_agreement(gateway, agreement_id, token=WRONG_TOKEN),
    }

    assert {k: (r.status_code, error_code(r)) for k, r in refused.items()} == dict.fromkeys(
        refused, (401, "operator_credentials_required")
    )
    assert listed_agreements(gateway) == [agreement]


def test_a_platform_whose_signature_verifies_may_not_sign_an_agreement(gateway):
    gateway.put_region(HUNAN)
    platform = gateway.register_platform(HUBEI)
    body = json.dumps(agreement_terms(), ensure_ascii=False).encode()

    response = gateway.post_signed("/v1/agreements", platform, new_batch_id(), body)

    assert (response.status_code, error_code(response)) == (403, "operator_only")
    assert listed_agreements(gateway) == []


def test_anyone_may_read_the_agreements(gateway):
    """Agreements are published policy: reading them is not managing them."""
    gateway.put_region(HUNAN)
    agreement = signed_agreement(gateway)
    platform = gateway.register_platform(HUBEI)
    callers = {
        "anonymous": {},
        "wrong token": gateway.operator(WRONG_TOKEN),
        "platform": platform_headers(platform, "GET", "/v1/agreements", b""),
    }

    replies = {
        name: gateway.client.http.get("/v1/agreements", headers=headers)
        for name, headers in callers.items()
    }

    assert {name: (r.status_code, r.json_body) for name, r in replies.items()} == dict.fromkeys(
        callers, (200, {"agreements": [agreement], "next": None})
    )


def test_invalid_terms_are_schema_errors_naming_the_offending_field(gateway):
    gateway.put_region(HUNAN)
    measure = agreement_terms()["measures"][0]
    without_measures = agreement_terms()
    del without_measures["measures"]
    cases = {
        "unknown domain": agreement_terms(domains=["court_defaulter", "no_such_domain"]),
        "until before from": agreement_terms(
            effective_from="2025-06-01", effective_until="2025-05-31"
        ),
        "missing measures": without_measures,
        "no measures": agreement_terms(measures=[]),
        "no sources": agreement_terms(sources=[]),
        "no kinds": agreement_terms(kinds=[]),
        "bad source region": agreement_terms(sources=[{"region": "42", "subtree": True}]),
        "bad subscriber region": agreement_terms(subscriber_region="4300000"),
        "unknown kind": agreement_terms(kinds=["grey"]),
        "unknown severity": agreement_terms(min_severity="catastrophic"),
        "bad measure id": agreement_terms(measures=[{**measure, "measure_id": "Bad Id"}]),
        "unknown field": agreement_terms(colour="red"),
        "unknown measure field": agreement_terms(measures=[{**measure, "colour": "red"}]),
    }

    replies = {name: create_agreement(gateway, terms) for name, terms in cases.items()}
    not_json = gateway.client.http.post(
        "/v1/agreements", headers=gateway.operator(), body=b"{not json"
    )

    seen = {
        name: (reply.status_code, error_code(reply), reply.json_body["error"]["path"])
        for name, reply in replies.items()
    }
    assert seen == {
        "unknown domain": (400, "invalid_schema", "domains"),
        "until before from": (400, "invalid_schema", "effective_until"),
        "missing measures": (400, "invalid_schema", "measures"),
        "no measures": (400, "invalid_schema", "measures"),
        "no sources": (400, "invalid_schema", "sources"),
        "no kinds": (400, "invalid_schema", "kinds"),
        "bad source region": (400, "invalid_schema", "sources.0.region"),
        "bad subscriber region": (400, "invalid_schema", "subscriber_region"),
        "unknown kind": (400, "invalid_schema", "kinds.0"),
        "unknown severity": (400, "invalid_schema", "min_severity"),
        "bad measure id": (400, "invalid_schema", "measures.0.measure_id"),
        "unknown field": (400, "invalid_schema", "colour"),
        "unknown measure field": (400, "invalid_schema", "measures.0.colour"),
    }
    codes = {
        name: [e["code"] for e in replies[name].json_body["error"]["errors"]]
        for name in ("unknown domain", "until before from", "missing measures")
    }
    assert codes == {
        "unknown domain": ["unknown_domain"],
        "until before from": ["dates_out_of_order"],
        "missing measures": ["missing_field"],
    }
    assert "no_such_domain" in replies["unknown domain"].json_body["error"]["message"]
    assert (not_json.status_code, error_code(not_json)) == (400, "malformed_json")
    assert listed_agreements(gateway) == []


def test_a_measure_limited_to_an_unknown_domain_is_a_schema_error(gateway):
    """A typo in a measure's domains would make the measure silently never apply."""
    gateway.put_region(HUNAN)
    measure = {**agreement_terms()["measures"][1], "domains": ["court_defaulterr"]}

    response = create_agreement(gateway, agreement_terms(measures=[measure]))

    assert response.status_code == 400
    assert error_code(response) == "invalid_schema"
    assert response.json_body["error"]["path"] == "measures.0.domains"


def test_an_agreement_for_an_unregistered_subscriber_region_is_refused(gateway):
    response = create_agreement(gateway, agreement_terms(subscriber_region=GUANGDONG))

    assert response.status_code == 403
    assert error_code(response) == "unknown_region"
    assert response.json_body["error"]["path"] == "subscriber_region"
    assert listed_agreements(gateway) == []


def test_revising_or_ending_an_unknown_agreement_is_not_found(gateway):
    gateway.put_region(HUNAN)

    revised = revise_agreement(gateway, "agr_0000000000000000", agreement_terms())
    ended = end_agreement(gateway, "agr_0000000000000000")

    assert (revised.status_code, error_code(revised)) == (404, "not_found")
    assert (ended.status_code, error_code(ended)) == (404, "not_found")
    assert listed_agreements(gateway) == []


def test_a_revision_keeps_the_id_and_increments_the_revision(gateway):
    gateway.put_region(HUNAN)
    first = signed_agreement(gateway)
    agreement_id = first["agreement_id"]

    second = revise_agreement(
        gateway, agreement_id, agreement_terms(title="修订版", min_severity="general")
    )
    invalid = revise_agreement(gateway, agreement_id, agreement_terms(domains=["no_such"]))
    third = revise_agreement(gateway, agreement_id, agreement_terms(title="第三版"))

    assert second.status_code == 200
    assert second.json_body["agreement"]["agreement_id"] == agreement_id
    assert second.json_body["agreement"]["revision"] == 2
    assert second.json_body["agreement"]["min_severity"] == "general"
    assert (invalid.status_code, invalid.json_body["error"]["path"]) == (400, "domains")
    assert third.status_code == 200
    assert third.json_body["agreement"]["revision"] == 3
    [stored] = listed_agreements(gateway)
    assert (stored["agreement_id"], stored["revision"], stored["title"]) == (
        agreement_id,
        3,
        "第三版",
    )


def test_a_revision_to_the_terms_it_holds_makes_none(gateway):
    """A ``PUT`` retried: no new revision (its day is what feedback is judged from), no job."""
    gateway.put_region(HUNAN)
    first = signed_agreement(gateway)
    agreement_id = first["agreement_id"]

    again = revise_agreement(gateway, agreement_id, agreement_terms())
    changed = revise_agreement(gateway, agreement_id, agreement_terms(title="修订版"))

    assert (again.status_code, again.json_body) == (
        200,
        {"agreement": first, "reevaluation": None},
    )
    assert changed.json_body["agreement"]["revision"] == 2
    assert changed.json_body["reevaluation"]["job_id"] == f"{agreement_id}@2"
    assert listed_agreements(gateway) == [changed.json_body["agreement"]]


def test_a_revision_cannot_move_an_agreement_to_another_subscriber(gateway):
    gateway.put_region(HUNAN)
    gateway.put_region(GUANGDONG)
    agreement = signed_agreement(gateway)

    response = revise_agreement(
        gateway, agreement["agreement_id"], agreement_terms(subscriber_region=GUANGDONG)
    )

    assert response.status_code == 400
    assert response.json_body["error"]["path"] == "subscriber_region"
    assert listed_agreements(gateway) == [agreement]


def test_ending_an_agreement_keeps_it_with_effective_until_today(gateway):
    gateway.put_region(HUNAN)
    agreement = signed_agreement(gateway)
    start = (china_date(datetime.now(UTC)) + timedelta(days=30)).isoformat()
    future = signed_agreement(gateway, title="尚未生效", effective_from=start)

    response = end_agreement(gateway, agreement["agreement_id"])
    not_started = end_agreement(gateway, future["agreement_id"])

    assert response.status_code == 200
    ended = response.json_body["agreement"]
    assert ended["effective_until"] == today()
    assert ended["revision"] == 2
    assert ended["effective_from"] == agreement["effective_from"]
    assert ended["measures"] == agreement["measures"]
    assert response.json_body["reevaluation"]["job_id"] == f"{agreement['agreement_id']}@2"
    assert not_started.status_code == 200
    assert not_started.json_body["agreement"]["effective_until"] == start  # never effective
    assert ended in listed_agreements(gateway, HUNAN)


def test_ending_an_agreement_that_already_lapsed_does_not_extend_it(gateway):
    """Ending ends: an agreement that lapsed in 2024 must not be recorded as in force till today."""
    gateway.put_region(HUNAN)
    bootstrap.override_clock(FixedClock(datetime(2024, 3, 1, 2, tzinfo=UTC)))  # signed then
    agreement = signed_agreement(gateway, effective_until="2024-06-30")
    bootstrap.override_clock(None)

    response = end_agreement(gateway, agreement["agreement_id"])

    assert response.status_code in (200, 409)  # ended again as it was, or refused
    [stored] = listed_agreements(gateway)
    assert stored["effective_until"] == "2024-06-30"


@pytest.mark.parametrize(
    ("until", "code"),
    [("2024-01-01", "dates_out_of_order"), ("2024-06-30", "period_ended")],
    ids=["ends-the-day-it-begins", "ended-already"],
)
def test_terms_that_would_apply_on_no_day_are_refused_and_nothing_is_signed(gateway, until, code):
    """``effective_until`` is the first day out: from 2024-01-01 until 2024-01-01 is no day,
    and an end that has passed leaves none from today."""
    gateway.put_region(HUNAN)

    response = create_agreement(gateway, agreement_terms(effective_until=until))

    assert response.status_code == 400, response.json_body
    [problem] = response.json_body["error"]["errors"]
    assert (problem["path"], problem["code"]) == ("effective_until", code)
    assert listed_agreements(gateway) == []


def test_the_list_is_filtered_by_subscriber_region(gateway):
    gateway.put_region(HUNAN)
    gateway.put_region(GUANGDONG)
    hunan_1 = signed_agreement(gateway)
    hunan_2 = signed_agreement(gateway, title="湘鄂税务互认", domains=["major_tax_violation"])
    guangdong = signed_agreement(
        gateway, title="粤鄂互认", subscriber_region=GUANGDONG, min_severity=None
    )

    for_hunan = listed_agreements(gateway, HUNAN)
    for_guangdong = listed_agreements(gateway, GUANGDONG)
    everything = listed_agreements(gateway)

    by_id = sorted([hunan_1, hunan_2], key=lambda a: a["agreement_id"])
    assert for_hunan == by_id
    assert for_guangdong == [guangdong]
    assert everything == [*by_id, guangdong]  # by subscriber region, then id
    assert listed_agreements(gateway, "110000") == []


# --- end to end: stream → listing.changed, agreement → recognition.changed -------------------


@dataclass
class Provinces:
    """大冶市 pushes; 湖南 and 广东 each subscribe one webhook at the same receiver."""

    daye: Ed25519Signer
    hunan: str
    guangdong: str

    def region_of(self, subscription_id: str) -> str:
        return {self.hunan: HUNAN, self.guangdong: GUANGDONG}[subscription_id]


def subscribe(gateway: Gateway, region: str, url: str, **extra: object) -> str:
    response = gateway.subscribe_as_operator(region=region, url=url, **extra)
    assert response.status_code == 201, response.json_body
    return str(response.json_body["subscription_id"])


@pytest.fixture
def provinces(gateway, receiver) -> Provinces:
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    gateway.put_region(GUANGDONG, name="广东省")
    return Provinces(
        daye=daye,
        hunan=subscribe(gateway, HUNAN, receiver.url),
        guangdong=subscribe(gateway, GUANGDONG, receiver.url),
    )


def queued(aws: Any) -> list[Delivery]:
    """The deliveries queued, once every re-evaluation job queued so far has run."""
    reevaluate(aws)
    return queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])


def push_and_fan_out(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    signer: Ed25519Signer,
    entries: list[dict[str, Any]],
) -> list[Delivery]:
    """Push from 大冶市, run the stream through the fan-out handler, drain the queue."""
    response = gateway.push(signer, DAYE, entries)
    assert response.json_body["accepted"] == len(entries), response.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    return queued(aws)


def test_a_listing_fans_out_to_both_provinces_then_an_agreement_reaches_hunan_only(
    gateway, aws, stream, provinces, receiver
):
    listed = push_and_fan_out(gateway, aws, stream, provinces.daye, [daye_black_entry()])
    assert sorted((provinces.region_of(d.subscription_id), d.type) for d in listed) == [
        (HUNAN, "listing.changed"),
        (GUANGDONG, "listing.changed"),
    ]
    assert [d.recognition.recognised for d in listed] == [False, False]

    response = create_agreement(gateway, agreement_terms())

    assert response.status_code == 201
    assert sqs_event(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], "cn-northwest-1")["Records"] == []
    reevaluate(aws)  # after the reply
    agreement = response.json_body["agreement"]
    records = sqs_event(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], "cn-northwest-1")
    [message] = [Delivery.model_validate_json(r["body"]) for r in records["Records"]]
    assert message.type == "recognition.changed"
    assert message.subscription_id == provinces.hunan
    assert message.change.type == "recognition"
    assert message.change.listing.listing_id == listed[0].change.listing.listing_id
    assert message.recognition.subscriber_region == HUNAN
    assert message.recognition.recognised is True
    assert message.recognition.basis == (agreement["agreement_id"],)
    assert message.recognition.reasons == ()
    assert [(m.measure_id, m.mandatory) for m in message.recognition.measures] == [
        ("strict_licensing_review", True),  # mandatory first
        ("restrict_franchise", False),
    ]
    assert message.delivery_id not in {d.delivery_id for d in listed}
    # ... and it reaches 湖南's webhook signed by the gateway.
    assert gateway_app.deliver_webhooks(records, None) == {"batchItemFailures": []}
    [request] = receiver.requests
    payload = verify_delivery(
        request.headers,
        request.body,
        datetime.now(UTC),
        subscription_id=provinces.hunan,
        region=HUNAN,
        public_keys=[load_public_key(gateway.public_key)],
    )
    assert (payload.type, payload.subscription_id) == ("recognition.changed", provinces.hunan)
    assert payload.recognition.recognised is True
    assert json.loads(request.body)["data"]["listing"]["credit_code"] == CREDIT_CODE


def test_ending_the_agreement_tells_hunan_the_listing_is_no_longer_recognised(
    gateway, aws, stream, provinces
):
    push_and_fan_out(gateway, aws, stream, provinces.daye, [daye_black_entry()])
    agreement = signed_agreement(gateway)
    [signed] = queued(aws)

    response = end_agreement(gateway, agreement["agreement_id"])
    [message] = queued(aws)
    again = end_agreement(gateway, agreement["agreement_id"])

    assert response.status_code == 200
    assert response.json_body["reevaluation"]["state"] == "queued"
    assert message.type == "recognition.changed"
    assert message.subscription_id == provinces.hunan
    assert message.recognition.recognised is False
    assert message.recognition.basis == ()
    assert message.recognition.measures == ()
    assert message.recognition.reasons == ("agreement_no_longer_effective",)
    assert message.delivery_id != signed.delivery_id
    assert again.json_body["reevaluation"] is None  # already ended: nothing changes
    assert queued(aws) == []


def test_a_revision_is_delivered_only_when_it_changes_the_measures(gateway, aws, stream, provinces):
    push_and_fan_out(gateway, aws, stream, provinces.daye, [daye_black_entry()])
    agreement = signed_agreement(gateway)
    queued(aws)
    revised_measures = [
        {
            "measure_id": "restrict_fiscal_funds",
            "text": "严格限制申请财政性资金项目",
            "department": "财政部门",
            "mandatory": True,
        }
    ]

    renamed = revise_agreement(gateway, agreement["agreement_id"], agreement_terms(title="更名"))
    after_rename = queued(aws)
    remeasured = revise_agreement(
        gateway, agreement["agreement_id"], agreement_terms(measures=revised_measures)
    )

    assert renamed.json_body["reevaluation"]["state"] == "queued"
    assert after_rename == []
    assert remeasured.json_body["reevaluation"]["state"] == "queued"
    [message] = queued(aws)
    assert (message.type, message.subscription_id) == ("recognition.changed", provinces.hunan)
    assert message.recognition.recognised is True
    assert [m.measure_id for m in message.recognition.measures] == ["restrict_fiscal_funds"]


def test_an_agreement_reaches_only_its_subscriber_and_only_for_listings_it_covers(
    gateway, aws, stream, provinces
):
    push_and_fan_out(gateway, aws, stream, provinces.daye, [daye_black_entry()])

    uncovered = create_agreement(gateway, agreement_terms(domains=["major_tax_violation"]))
    nothing = queued(aws)
    covering = create_agreement(gateway, agreement_terms(subscriber_region=GUANGDONG))

    assert uncovered.status_code == covering.status_code == 201
    assert nothing == []
    [message] = queued(aws)
    assert message.subscription_id == provinces.guangdong
    assert message.recognition.subscriber_region == GUANGDONG
    assert message.recognition.recognised is True


def test_signing_an_agreement_over_two_listed_domains_also_flags_the_subject_intensified(
    gateway, aws, stream, provinces
):
    tax = daye_black_entry(
        domain="major_tax_violation",
        deciding_authority="国家税务总局大冶市税务局",
        decision_number="大税稽罚〔2024〕3号",
    )
    push_and_fan_out(gateway, aws, stream, provinces.daye, [daye_black_entry(), tax])

    response = create_agreement(
        gateway, agreement_terms(domains=["court_defaulter", "major_tax_violation"])
    )

    assert response.json_body["reevaluation"]["state"] == "queued"
    messages = queued(aws)
    assert {d.subscription_id for d in messages} == {provinces.hunan}
    assert sorted(d.type for d in messages) == [
        "recognition.changed",
        "recognition.changed",
        "subject.intensified",
    ]
    [flag] = [d.intensified for d in messages if d.type == "subject.intensified"]
    assert flag is not None
    assert flag.intensified is True
    assert flag.credit_code == CREDIT_CODE
    assert flag.domains == ("court_defaulter", "major_tax_violation")


def test_ending_the_agreement_lifts_the_intensified_flag(gateway, aws, stream, provinces):
    tax = daye_black_entry(
        domain="major_tax_violation",
        deciding_authority="国家税务总局大冶市税务局",
        decision_number="大税稽罚〔2024〕3号",
    )
    push_and_fan_out(gateway, aws, stream, provinces.daye, [daye_black_entry(), tax])
    agreement = signed_agreement(gateway, domains=["court_defaulter", "major_tax_violation"])
    queued(aws)

    response = end_agreement(gateway, agreement["agreement_id"])

    assert response.json_body["reevaluation"]["state"] == "queued"
    messages = queued(aws)
    assert {d.subscription_id for d in messages} == {provinces.hunan}
    [lifted] = [d for d in messages if d.type == "subject.intensified"]
    assert lifted.intensified is not None
    assert lifted.intensified.intensified is False
    assert lifted.intensified.domains == ()
    assert [d.recognition.recognised for d in messages if d.type != "subject.intensified"] == [
        False,
        False,
    ]


def test_two_recognised_domains_pushed_through_the_stream_flag_the_subject_for_hunan_only(
    gateway, aws, stream, provinces
):
    signed_agreement(gateway, domains=["court_defaulter", "major_tax_violation"])
    assert reevaluate(aws) == 1  # as its trigger runs it, before anything is listed
    tax = daye_black_entry(
        domain="major_tax_violation",
        deciding_authority="国家税务总局大冶市税务局",
        decision_number="大税稽罚〔2024〕3号",
    )

    messages = push_and_fan_out(gateway, aws, stream, provinces.daye, [daye_black_entry(), tax])

    by_type = sorted((provinces.region_of(d.subscription_id), d.type) for d in messages)
    assert by_type == [
        (HUNAN, "listing.changed"),
        (HUNAN, "listing.changed"),
        (HUNAN, "subject.intensified"),
        (GUANGDONG, "listing.changed"),
        (GUANGDONG, "listing.changed"),
    ]
    [flag] = [d for d in messages if d.type == "subject.intensified"]
    assert flag.subscription_id == provinces.hunan
    assert flag.intensified is not None
    assert flag.intensified.intensified is True
    assert flag.intensified.credit_code == CREDIT_CODE
    assert flag.intensified.domains == ("court_defaulter", "major_tax_violation")
    assert flag.recognition.recognised is True


def test_each_listing_changed_delivery_carries_its_own_subscribers_recognition(
    gateway, aws, stream, provinces, receiver
):
    gateway.put_region(HUBEI, name="湖北省")
    hubei = subscribe(gateway, HUBEI, receiver.url)
    agreement = signed_agreement(gateway)
    reevaluate(aws)  # as its trigger runs it, before anything is listed
    person = daye_black_entry(
        credit_code=NATURAL_PERSON_CODE, subject_name="张三", decision_number="(2024)鄂0281执9号"
    )

    messages = push_and_fan_out(gateway, aws, stream, provinces.daye, [daye_black_entry(), person])

    assert {d.type for d in messages} == {"listing.changed"}
    company = {
        d.subscription_id: d.recognition
        for d in messages
        if d.change.listing.listing_id == messages[0].change.listing.listing_id
    }
    assert set(company) == {hubei, provinces.hunan, provinces.guangdong}
    own = company[hubei]
    assert (own.subscriber_region, own.recognised, own.basis) == (HUBEI, True, ("own_subtree",))
    flags = [m.mandatory for m in own.measures]
    assert flags
    assert flags == sorted(flags, reverse=True)  # the catalogue's measures, mandatory first
    assert "restrict_high_consumption" in {m.measure_id for m in own.measures}
    hunan = company[provinces.hunan]
    assert (hunan.subscriber_region, hunan.recognised) == (HUNAN, True)
    assert hunan.basis == (agreement["agreement_id"],)
    guangdong = company[provinces.guangdong]
    assert (guangdong.subscriber_region, guangdong.recognised) == (GUANGDONG, False)
    assert guangdong.reasons == ("no_agreement",)
    assert guangdong.measures == ()
    # A natural person's ID is masked only for the province that does not recognise the listing.
    codes = {
        d.subscription_id: d.change.listing.credit_code
        for d in messages
        if d.change.listing.subject_type == "natural_person"
    }
    assert codes == {
        hubei: NATURAL_PERSON_CODE,
        provinces.hunan: NATURAL_PERSON_CODE,
        provinces.guangdong: "110105***********X",
    }


def test_a_keyed_creation_racing_its_first_request_answers_what_the_first_signed(gateway, aws):  # type: ignore[no-untyped-def]
    """The retry read the key's agreement before the first request stored it: its own save is
    refused as the other request's, and it answers the agreement the first signed (review
    218: 409 at agreement_id), nothing written twice."""
    gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    store = bootstrap.container().agreement_desk.agreements
    real_get = store.get
    headers = {**gateway.operator(), "Idempotency-Key": "retry-key-0001"}
    body = json.dumps(agreement_terms(), ensure_ascii=False).encode()
    first = gateway.client.http.post("/v1/agreements", headers=headers, body=body)
    assert first.status_code == 201, first.json_body
    reads = iter([None])  # its first look finds nothing yet; the look after the conflict finds it
    store.get = lambda agreement_id: next(reads, real_get(agreement_id))  # type: ignore[method-assign]
    try:
        retried = gateway.client.http.post("/v1/agreements", headers=headers, body=body)
    finally:
        store.get = real_get  # type: ignore[method-assign]

    assert retried.status_code == 200, retried.json_body
    assert retried.json_body["agreement"] == first.json_body["agreement"]
    listed = gateway.client.http.get("/v1/agreements", headers=gateway.operator()).json_body
    assert len(listed["agreements"]) == 1
