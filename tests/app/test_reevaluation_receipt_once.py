"""A subscription whose filters take the listing is planned once by a re-evaluation, also when
it holds a receipt of the listing and another subscription of the region is left out by its
filters (review 273): receipts answer every subscription that received the listing, not only
those asked, and were added to those told already."""

from __future__ import annotations

from typing import Any

from app_support import (
    CITY,
    HUNAN,
    agreement_terms,
    black_entry,
    consume,
    end_agreement,
    hunan_recognises_city,
    reevaluate,
    revise_agreement,
    sqs_event,
)
from delivery_support import subscribe
from lifecycle_support import fan_out_and_deliver

import app as gateway_app
from chalicelib.bootstrap import container


def _deliver_all(aws: Any) -> list[Any]:
    from gateway.delivery import Delivery

    url = aws.env["CG_DELIVERY_QUEUE_URL"]
    event = sqs_event(aws.sqs, url, "cn-northwest-1")
    assert gateway_app.deliver_webhooks(event, None) == {"batchItemFailures": []}
    consume(aws.sqs, url, event)
    return [Delivery.model_validate_json(r["body"]) for r in event["Records"]]


def test_a_matching_subscription_with_a_receipt_is_planned_once(gateway, aws, stream, receiver):
    hunan_recognises_city(gateway)
    reevaluate(aws)
    city = gateway.register_platform(CITY)
    sid = subscribe(gateway, receiver.url)["subscription_id"]
    subscribe(gateway, receiver.url, filters={"domains": ["food_drug"]})  # left out
    assert gateway.push(city, CITY, [black_entry()]).status_code == 200
    [first] = fan_out_and_deliver(aws, stream)
    assert first.subscription_id == sid
    assert first.recognition.recognised

    listed = gateway.client.http.get(f"/v1/agreements?subscriber={HUNAN}").json_body
    [agreement] = listed["agreements"]
    aid = agreement["agreement_id"]
    terms = {k: agreement[k] for k in agreement_terms() if k in agreement}
    terms["measures"] = [
        *agreement["measures"],
        {
            "measure_id": "strict_licensing_review",
            "text": "从严审核行政许可审批项目",
            "department": "各行政许可管理部门",
            "mandatory": True,
        },
    ]
    revised = revise_agreement(gateway, aid, terms)
    assert revised.status_code == 200, revised.json_body
    reevaluate(aws)
    [changed] = _deliver_all(aws)  # by_listing now holds sid's delivered recognition.changed
    assert changed.subscription_id == sid
    assert changed.type == "recognition.changed"

    assert end_agreement(gateway, aid).status_code == 200
    reevaluate(aws)
    ended = container().agreements.get(aid)
    job = container().reevaluations.get(f"{aid}@{ended.revision}")
    assert job is not None
    assert job.finished
    assert job.deliveries == 1, f"the job queued {job.deliveries} deliveries for one listing"
