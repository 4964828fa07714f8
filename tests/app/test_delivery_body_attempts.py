"""GET /v1/deliveries/{id}/body for a delivery whose attempts posted different bodies: an
objection's reason in full at first, withheld at a retry once the agreement ended. The route
shows what the region may see today (review 199: it showed the reason the retry withheld) and
signs nothing the view changed (review 200: a signature dated at the latest attempt covered a
body never posted)."""

from __future__ import annotations

import json
from typing import Any

from app_support import HUNAN, Gateway, StreamReader, end_agreement, reevaluate
from delivery_support import AnsweringReceiver, DeliveryQueue, subscribe
from lifecycle_support import Lifecycle
from personal_support import Askers, company_entry

import app as gateway_app
from gateway_client.contract.listing import WITHHELD

REASON = "本人患重病住院期间无法履行，附医院诊断证明"


def _withheld_on_retry(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue, **overrides: Any
) -> tuple[Askers, dict[str, Any]]:
    """An objection's delivery first tried in full (failed), retried after the agreement
    ended, posted with the reason withheld: (askers, posted body)."""
    askers = Askers(gateway).register()
    with AnsweringReceiver() as hook, AnsweringReceiver() as objectors:
        subscribe(gateway, hook.url, region=HUNAN, retry_schedule_seconds=[0, 0, 0])
        subscribe(gateway, objectors.url, region="440000")
        entry = company_entry(**overrides)
        [listing_id] = askers.push("owner", entry)
        gateway_app.fan_out_changes(stream.event(), None)
        queue.run()
        filed = Lifecycle(gateway).file_objection(
            entry["credit_code"], listing_id, "o-203", askers.signers["no_agreement"], reason=REASON
        )
        assert filed.status_code == 201, filed.json_body
        hook.answer(500, "down")
        gateway_app.fan_out_changes(stream.event(), None)
        queue.run()
        [objected] = [
            json.loads(r.body)
            for r in hook.requests
            if json.loads(r.body)["data"]["type"] == "objection_filed"
        ]
        assert objected["data"]["listing"]["objection"]["reason"] == REASON
        for agreement in gateway.client.http.get("/v1/agreements").json_body["agreements"]:
            if agreement["subscriber_region"] == HUNAN:
                end_agreement(gateway, agreement["agreement_id"])
        reevaluate(aws)
        hook.answer(204)
        for _ in range(3):
            queue.run()
        *_, last = [
            r for r in hook.requests if json.loads(r.body)["delivery_id"] == objected["delivery_id"]
        ]
    posted = json.loads(last.body)
    assert posted["data"]["listing"]["objection"]["reason"] == WITHHELD
    return askers, posted


def test_the_body_shows_what_the_retry_withheld_as_withheld(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue
) -> None:
    askers, posted = _withheld_on_retry(gateway, aws, stream, queue)

    path = f"/v1/deliveries/{posted['delivery_id']}/body"
    shown = gateway.send_signed("GET", path, askers.signers["agreement"])

    assert shown.status_code == 200, shown.json_body
    assert shown.json_body["body"]["data"]["listing"]["objection"]["reason"] == WITHHELD
    assert "webhook-signature" not in shown.json_body["headers"]  # not as first planned
