"""执行反馈 and monthly statistics through the Chalice app: a delivery reaches a real local
receiver, the subscriber region reports what it did, the source platform reads it back, and
``GET /v1/stats`` counts pushes, active lists, objections, repairs and the feedback rate."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from app_support import (
    CITY,
    CREDIT_CODE,
    HUNAN,
    PROVINCE,
    black_entry,
    error_code,
    hunan_recognises_city,
    refusal,
)
from lifecycle_support import (
    GUANGDONG,
    Lifecycle,
    fan_out,
    fan_out_and_deliver,
    pushed,
    qingcheng_entry,
    queued_event,
    recent_entry,
    this_month,
)

import app as gateway_app
from chalicelib.bootstrap import container
from gateway.delivery.planning import Delivery
from gateway.delivery.records import Attempt, DeliveryState


@pytest.fixture
def life(gateway) -> Lifecycle:
    return Lifecycle(gateway)


def subscribe(gateway, url: str, region: str = HUNAN) -> str:  # type: ignore[no-untyped-def]
    gateway.put_region(region)
    response = gateway.subscribe_as_operator(region=region, url=url)
    assert response.status_code == 201
    if region == HUNAN:
        hunan_recognises_city(gateway)
    return str(response.json_body["subscription_id"])


# --- feedback -------------------------------------------------------------------------------


def test_the_subscriber_reports_feedback_and_the_source_platform_reads_it(
    gateway, aws, stream, life, receiver
):
    subscription_id = subscribe(gateway, receiver.url)
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    listing_id = pushed(gateway, city, CITY, black_entry())
    [delivery] = fan_out_and_deliver(aws, stream)
    assert len(receiver.requests) == 1

    response = life.post_feedback(hunan, delivery.delivery_id)

    assert response.status_code == 201, response.json_body
    feedback = response.json_body
    assert feedback["delivery_id"] == delivery.delivery_id
    assert feedback["subscription_id"] == subscription_id
    assert feedback["subscriber_region"] == HUNAN
    assert feedback["listing_id"] == listing_id
    assert feedback["credit_code"] == CREDIT_CODE
    assert feedback["origin_region"] == CITY
    assert [m["measure_id"] for m in feedback["measures"]] == ["key_supervision"]

    path = f"/v1/subjects/{CREDIT_CODE}/listings/{listing_id}/feedback"
    by_source = life.get(path, city)
    by_operator = life.get(path)
    by_province = life.get(path, gateway.register_platform(PROVINCE))
    by_stranger = life.get(path, gateway.register_platform(GUANGDONG))
    unsigned = gateway.client.http.get(path)

    assert by_source.status_code == 200, by_source.json_body
    assert by_source.json_body == {"feedback": [feedback], "next": None}
    assert by_operator.json_body == {"feedback": [feedback], "next": None}
    assert by_province.status_code == 200
    assert by_stranger.status_code == 403
    assert error_code(by_stranger) == "not_listing_owner"
    assert unsigned.status_code == 401


def test_feedback_is_refused_for_deliveries_that_are_not_the_regions_or_not_delivered(
    gateway, aws, stream, life, receiver
):
    receiver.status = 500
    subscribe(gateway, receiver.url)
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    guangdong = gateway.register_platform(GUANGDONG)
    listing_id = pushed(gateway, city, CITY, black_entry())
    gateway_app.fan_out_changes(stream.event(), None)
    event = queued_event(aws)
    [delivery] = [Delivery.model_validate_json(r["body"]) for r in event["Records"]]
    gateway_app.deliver_webhooks(event, None)  # 500: retrying

    not_yet = life.post_feedback(hunan, delivery.delivery_id)
    receiver.status = 204
    assert gateway_app.deliver_webhooks(event, None) == {"batchItemFailures": []}
    not_yours = life.post_feedback(guangdong, delivery.delivery_id)
    unknown = life.post_feedback(hunan, "msg_" + "0" * 32)
    malformed = life.post_feedback(hunan, "delivery-1")
    no_measures = life.post(
        "/v1/feedback", {"delivery_id": delivery.delivery_id, "measures": []}, hunan
    )
    by_operator = life.post_feedback(None, delivery.delivery_id)  # type: ignore[arg-type]

    assert not_yet.status_code == 409
    assert not_yet.json_body["error"]["path"] == "delivery_id"
    assert not_yours.status_code == 403
    assert error_code(not_yours) == "not_your_delivery"
    assert not_yours.json_body["error"]["path"] == "delivery_id"
    assert unknown.status_code == 404
    assert unknown.json_body["error"]["path"] == "delivery_id"
    assert malformed.status_code == 400
    assert error_code(malformed) == "invalid_schema"
    assert malformed.json_body["error"]["path"] == "delivery_id"
    assert no_measures.status_code == 400
    assert no_measures.json_body["error"]["path"] == "measures"
    assert by_operator.status_code == 401  # feedback is signed by the subscriber's platform
    path = f"/v1/subjects/{CREDIT_CODE}/listings/{listing_id}/feedback"
    assert life.get(path).json_body == {"feedback": [], "next": None}
    assert life.post_feedback(hunan, delivery.delivery_id).status_code == 201


def test_one_execution_is_one_case_and_none_without_recognition(
    gateway, aws, stream, life, receiver
):
    """Reviews 16 and 17: the same measure reported on the same day against two deliveries of
    one listing counted two cases; a region that did not recognise the listing counted one."""
    subscribe(gateway, receiver.url)
    subscribe(gateway, receiver.url)  # a second subscription of 湖南: the listing twice
    gateway.put_region(GUANGDONG)
    assert gateway.subscribe_as_operator(region=GUANGDONG, url=receiver.url).status_code == 201
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    guangdong = gateway.register_platform(GUANGDONG)
    pushed(gateway, city, CITY, black_entry())
    deliveries = fan_out_and_deliver(aws, stream)
    to_hunan = [d for d in deliveries if d.recognition.subscriber_region == HUNAN]
    [to_guangdong] = [d for d in deliveries if d.recognition.subscriber_region == GUANGDONG]

    first = life.post_feedback(hunan, to_hunan[0].delivery_id)
    again = life.post_feedback(hunan, to_hunan[1].delivery_id)
    unrecognised = life.post_feedback(guangdong, to_guangdong.delivery_id)
    replaced = life.post_feedback(hunan, to_hunan[0].delivery_id)  # its own report, sent again

    assert (first.status_code, replaced.status_code) == (201, 200)  # the same: a retry
    assert refusal(again) == (409, "already_reported", "measures.0")
    assert to_hunan[0].delivery_id in again.json_body["error"]["message"]
    assert refusal(unrecognised) == (409, "measure_not_delivered", "measures.0.measure_id")
    assert life.stats(CITY, this_month()).json_body["cases"]["total"] == 1


def test_a_region_reports_on_what_a_subscription_it_has_since_replaced_received(
    gateway, aws, stream, life, receiver
):
    """Review 16, F4: after its subscription was deleted (replaced, say to change its signature
    scheme), the region was told the delivery "did not go to" it."""
    subscription_id = subscribe(gateway, receiver.url)
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    guangdong = gateway.register_platform(GUANGDONG)
    pushed(gateway, city, CITY, black_entry())
    [delivery] = fan_out_and_deliver(aws, stream)
    deleted = gateway.client.http.delete(
        f"/v1/subscriptions/{subscription_id}", headers=gateway.operator()
    )
    assert deleted.status_code == 200, deleted.json_body

    read = life.get(f"/v1/deliveries/{delivery.delivery_id}", hunan)
    read_by_other = life.get(f"/v1/deliveries/{delivery.delivery_id}", guangdong)
    reported = life.post_feedback(hunan, delivery.delivery_id)
    by_other = life.post_feedback(guangdong, delivery.delivery_id)

    assert read.status_code == 200, read.json_body
    assert read_by_other.status_code == 403
    assert reported.status_code == 201, reported.json_body
    assert refusal(by_other) == (403, "not_your_delivery", "delivery_id")


# --- statistics -----------------------------------------------------------------------------


def test_monthly_statistics_count_pushes_lists_objections_repairs_and_feedback(
    gateway, aws, stream, life, receiver
):
    subscription_id = subscribe(gateway, receiver.url)
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    suspended = recent_entry(decision_number="(2026)黑09执1号")
    active = recent_entry(decision_number="(2026)黑09执2号")
    old_general = recent_entry(days_ago=125, severity="general", decision_number="(2026)黑09执3号")
    first = gateway.push(city, CITY, [suspended, active, old_general]).json_body
    ecology = qingcheng_entry(
        deciding_authority="七台河市生态环境局", decision_number="七环罚〔2026〕5号"
    )
    second = gateway.push(city, CITY, [ecology, suspended]).json_body
    assert (first["accepted"], second["accepted"], second["duplicate"]) == (3, 1, 1)
    ids = [o["listing_id"] for o in first["outcomes"]]
    assert life.file_objection(CREDIT_CODE, ids[0], "obj-1", city).status_code == 201
    assert life.repair(city, CREDIT_CODE, ids[2]).status_code == 200
    deliveries = fan_out_and_deliver(aws, stream)
    # listed ×4, suspended, repaired
    assert len(deliveries) == 6
    for delivery in deliveries[:2]:
        assert life.post_feedback(hunan, delivery.delivery_id).status_code == 201

    response = life.stats(CITY, this_month())

    assert response.status_code == 200, response.json_body
    stats = response.json_body
    assert stats["region"] == CITY
    assert stats["month"] == this_month()
    assert stats["pushes"] == {
        "batches": 2,
        "accepted": 4,
        "duplicate": 1,
        "removed": 0,
        "rejected": 0,
    }
    assert stats["active_black"] == {"court_defaulter": {"serious": 1}}
    # 较重 is a dishonesty record under the default policy (serious only: seed 000, 49号)
    assert stats["active_dishonesty_records"] == {"ecology_environment": {"relatively_serious": 1}}
    assert stats["performed_removals"] == {"removed": 0, "late": 0, "on_time_share": None}
    assert stats["active_red"] == {}
    assert stats["objections"] == {"opened": 1, "decided": 0, "overdue": 0}
    assert stats["repairs"] == 1
    assert stats["expiries"] == 0
    assert stats["feedback"] == [
        {
            "subscription_id": subscription_id,
            "subscriber_region": HUNAN,
            # not the repair's (it told of the listing's end), nor the suspension's (nothing
            # new to execute: review 275)
            "deliveries": 4,
            "with_feedback": 2,
            "rate": 0.5,
        }
    ]
    assert stats["publication"]["listings"] == 4
    cases = stats["cases"]  # two measures reported executed in 湖南; no pilot in 七台河
    assert (cases["total"], cases["punishments"], cases["by_executing_region"]) == (
        2,
        2,
        {HUNAN: 2},
    )
    assert cases["pilots"] == []
    assert stats["usage"] == {"checks": 0, "codes_checked": 0, "reports": 0}
    # The province's subtree holds the same; the city's own platform may read its own.
    assert life.stats(PROVINCE, this_month()).json_body == {**stats, "region": PROVINCE}
    assert life.stats(CITY, this_month(), city).json_body == stats
    checked = gateway.post_signed(
        "/v1/checks",
        hunan,
        None,
        json.dumps({"codes": [CREDIT_CODE], "purpose": "supervision", "report": True}).encode(),
    )
    assert checked.status_code == 200, checked.json_body
    elsewhere = life.stats(HUNAN, this_month()).json_body
    assert elsewhere["pushes"]["batches"] == 0
    assert elsewhere["active_black"] == {}
    assert elsewhere["feedback"] == []
    assert elsewhere["cases"]["total"] == 2  # executed in 湖南, about 七台河's listings
    assert elsewhere["usage"] == {"checks": 1, "codes_checked": 1, "reports": 1}
    last_year = life.stats(CITY, f"{int(this_month()[:4]) - 1}{this_month()[4:]}").json_body
    assert last_year["pushes"]["batches"] == 0
    assert last_year["objections"]["opened"] == 0


def test_statistics_are_for_the_operator_or_a_platform_within_its_own_subtree(gateway, life):
    city = gateway.register_platform(CITY)
    province = gateway.register_platform(PROVINCE)
    hunan = gateway.register_platform(HUNAN)
    month = this_month()

    assert life.stats(CITY, month, city).status_code == 200
    assert life.stats(CITY, month, province).status_code == 200
    upward = life.stats(PROVINCE, month, city)
    sideways = life.stats(CITY, month, hunan)
    assert upward.status_code == 403
    assert error_code(upward) == "region_mismatch"
    assert sideways.status_code == 403
    assert gateway.client.http.get(f"/v1/stats?region={CITY}&month={month}").status_code == 401


@pytest.mark.parametrize(
    ("query", "path"),
    [
        (f"region={CITY}&month=2026-13", "month"),
        (f"region={CITY}&month=2026-1", "month"),
        (f"region={CITY}&month=202611", "month"),
        (f"region={CITY}", "month"),
        ("region=23090&month=2026-11", "region"),
        ("month=2026-11", "region"),
    ],
)
def test_statistics_with_a_bad_month_or_region_are_400_with_the_path(life, query, path):
    response = life.get(f"/v1/stats?{query}")

    assert response.status_code == 400
    assert response.json_body["error"]["path"] == path


def test_a_delivery_early_on_the_first_beijing_day_counts_in_that_month(gateway, aws, stream, life):
    subscription_id = subscribe(gateway, "https://sub.example.cn/hooks")
    city = gateway.register_platform(CITY)
    pushed(gateway, city, CITY, black_entry())
    [message] = fan_out(aws, stream)
    # Delivered at 01:00 on 1 November in Beijing (17:00 UTC on 31 October), recorded as the
    # delivery handler records it. Statistics date pushes, objections and repairs in Beijing
    # (``Month.has``), so this delivery belongs to November.
    log = container().deliveries  # the log the handler records with, which counts deliveries
    attempt = Attempt(
        at=datetime(2026, 10, 31, 17, 0, tzinfo=UTC),
        status=204,
        latency_ms=12,
        response_excerpt="",
    )
    log.record(Delivery.model_validate(message), attempt, DeliveryState.DELIVERED)

    november = life.stats(CITY, "2026-11").json_body
    october = life.stats(CITY, "2026-10").json_body

    assert november["feedback"] == [
        {
            "subscription_id": subscription_id,
            "subscriber_region": HUNAN,
            "deliveries": 1,
            "with_feedback": 0,
            "rate": 0.0,
        }
    ]
    assert october["feedback"] == []
