"""Lifecycle, feedback and statistics through the app: signed calls, stream fan-out, the queue.

Builds on ``app_support`` (``Gateway``, ``StreamReader``, ``sqs_event``) without changing it.
"""

from __future__ import annotations

import calendar
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from app_support import Gateway, StreamReader, black_entry, consume, new_batch_id, sqs_event
from chalice.test import HTTPResponse

import app as gateway_app
from gateway.delivery.planning import Delivery, payload_for
from gateway_client.contract.clock import CHINA, china_date
from gateway_client.contract.signing import Ed25519Signer

AWS_REGION = "cn-northwest-1"
QINGCHENG = "441802"  # 清远市清城区: objections suspend measures, 20 calendar days
XINZHENG = "410184"  # 郑州市新郑市: 12 working days, measures not suspended
GUANGDONG = "440000"
PERSON_CODE = "11010519491231002X"  # a resident ID number (natural person)
PERSON_CODE_MASKED = "110105" + "*" * 11 + "X"


# --- time -----------------------------------------------------------------------------------


def now() -> datetime:
    return datetime.now(UTC)


def stamp(seconds: float = 0) -> str:
    """A source time ``seconds`` from now (platform actions carry their own version)."""
    return (now() + timedelta(seconds=seconds)).isoformat()


def china_today() -> date:
    return china_date(now())


def this_month() -> str:
    return china_today().strftime("%Y-%m")


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clipped to the month's end."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def china_noon(day: date) -> datetime:
    """Midday in Beijing on ``day`` (for ticks at a chosen time)."""
    return datetime.combine(day, time(12), tzinfo=CHINA)


# --- entries and pushes ---------------------------------------------------------------------


def recent_entry(days_ago: int = 30, **overrides: Any) -> dict[str, Any]:
    """A black-list entry decided ``days_ago`` days ago (so neither due to expire nor old)."""
    start = (china_today() - timedelta(days=days_ago)).isoformat()
    fields: dict[str, Any] = {
        "decided_on": start,
        "valid_from": start,
        "source_updated_at": (now() - timedelta(hours=1)).isoformat(),
    }
    fields.update(overrides)
    return black_entry(**fields)


def qingcheng_entry(**overrides: Any) -> dict[str, Any]:
    return recent_entry(
        **{
            "subject_name": "清远某某化工有限公司",
            "domain": "ecology_environment",
            "severity": "relatively_serious",
            "deciding_authority": "清远市生态环境局清城分局",
            "decision_number": "清环罚〔2026〕12号",
            **overrides,
        }
    )


def xinzheng_entry(**overrides: Any) -> dict[str, Any]:
    return recent_entry(
        **{
            "subject_name": "新郑某某食品有限公司",
            "domain": "food_drug",
            "severity": "relatively_serious",
            "deciding_authority": "新郑市市场监督管理局",
            "decision_number": "新市监罚〔2026〕34号",
            **overrides,
        }
    )


def removal_of(entry: dict[str, Any], reason: str, **overrides: Any) -> dict[str, Any]:
    """移出 of the listing ``entry`` created."""
    removal = {
        "credit_code": entry["credit_code"],
        "kind": entry["kind"],
        "domain": entry["domain"],
        "deciding_authority": entry["deciding_authority"],
        "decision_number": entry["decision_number"],
        "reason": reason,
        "note": "",
        "source_updated_at": stamp(),
        "source_sequence": 0,
    }
    removal.update(overrides)
    return removal


def push_with_removals(
    gateway: Gateway,
    signer: Ed25519Signer,
    region: str,
    removals: list[Any],
    entries: list[Any] | None = None,
) -> HTTPResponse:
    batch_id = new_batch_id()
    body = {
        "region": region,
        "batch_id": batch_id,
        "issued_at": stamp(),
        "entries": entries or [],
        "removals": removals,
    }
    raw = json.dumps(body, ensure_ascii=False).encode()
    return gateway.post_signed("/v1/pushes", signer, batch_id, raw)


def pushed(gateway: Gateway, signer: Ed25519Signer, region: str, entry: dict[str, Any]) -> str:
    """Push one entry that must be accepted; its listing id."""
    response = gateway.push(signer, region, [entry])
    assert response.status_code == 200, response.json_body
    assert response.json_body["accepted"] == 1, response.json_body
    return str(response.json_body["outcomes"][0]["listing_id"])


# --- the lifecycle routes -------------------------------------------------------------------


def listing_path(code: str, listing_id: str) -> str:
    return f"/v1/subjects/{code}/listings/{listing_id}"


@dataclass
class Lifecycle:
    """The lifecycle, feedback and statistics routes, as the operator or a signing platform."""

    gateway: Gateway

    def post(
        self, path: str, body: dict[str, Any] | bytes, signer: Ed25519Signer | None = None
    ) -> HTTPResponse:
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        if signer is None:
            return self.gateway.client.http.post(path, headers=self.gateway.operator(), body=raw)
        return self.gateway.post_signed(path, signer, f"m-{uuid.uuid4().hex}", raw)

    def get(self, path: str, signer: Ed25519Signer | None = None) -> HTTPResponse:
        """The operator's GET, or a platform's: a signed GET signs the empty body."""
        if signer is None:
            return self.gateway.client.http.get(path, headers=self.gateway.operator())
        return self.gateway.send_signed("GET", path, signer)

    def file_objection(
        self,
        code: str,
        listing_id: str,
        objection_id: str = "obj-1",
        signer: Ed25519Signer | None = None,
        reason: str = "主体对认定事实有异议",
    ) -> HTTPResponse:
        body = {"objection_id": objection_id, "reason": reason}
        return self.post(listing_path(code, listing_id) + "/objections", body, signer)

    def decide(
        self,
        signer: Ed25519Signer,
        code: str,
        listing_id: str,
        objection_id: str,
        outcome: str,
        **extra: Any,
    ) -> HTTPResponse:
        body = {"outcome": outcome, "note": "经核查", "source_updated_at": stamp(), **extra}
        path = listing_path(code, listing_id) + f"/objections/{objection_id}/decision"
        return self.post(path, body, signer)

    def repair(
        self, signer: Ed25519Signer, code: str, listing_id: str, **extra: Any
    ) -> HTTPResponse:
        body = {"reason": "已履行全部义务并完成整改", "source_updated_at": stamp(), **extra}
        return self.post(listing_path(code, listing_id) + "/repair", body, signer)

    def tick(self, at: datetime | None = None) -> HTTPResponse:
        return self.post("/v1/tick", {"at": at.isoformat()} if at else {})

    def lookup(self, code: str) -> HTTPResponse:
        """The operator's query: a listing that ended is shown to its owner and the operator
        only, and a query that may show a person states its purpose."""
        return self.gateway.client.http.get(
            f"/v1/subjects/{code}?purpose=supervision", headers=self.gateway.operator()
        )

    def status(self, code: str, listing_id: str) -> str:
        response = self.lookup(code)
        assert response.status_code == 200, response.json_body
        [view] = [
            v for v in response.json_body["listings"] if v["listing"]["listing_id"] == listing_id
        ]
        return str(view["listing"]["status"])

    def post_feedback(
        self, signer: Ed25519Signer, delivery_id: str, measure_id: str = "key_supervision"
    ) -> HTTPResponse:
        body = {
            "delivery_id": delivery_id,
            "measures": [
                {
                    "measure_id": measure_id,
                    "department": "各行业主管部门",
                    "executed_on": china_today().isoformat(),
                    "result": "executed",
                }
            ],
        }
        return self.post("/v1/feedback", body, signer)

    def stats(self, region: str, month: str, signer: Ed25519Signer | None = None) -> HTTPResponse:
        return self.get(f"/v1/stats?region={region}&month={month}", signer)


# --- stream → fan-out → queue → webhooks ----------------------------------------------------


def listings_stream(aws: Any) -> StreamReader:
    return StreamReader(aws.streams, aws.env["CG_LISTINGS_STREAM_ARN"], AWS_REGION)


def queued_event(aws: Any) -> dict[str, Any]:
    return sqs_event(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], AWS_REGION)


def fan_out(aws: Any, stream: StreamReader) -> list[dict[str, Any]]:
    """Run the stream's new records through ``app.fan_out_changes``; the queued message bodies
    (received, so hidden from later reads)."""
    return fan_out_event(aws, stream.event())


def fan_out_event(aws: Any, event: dict[str, Any]) -> list[dict[str, Any]]:
    """Run one stream event through ``app.fan_out_changes``; the queued message bodies
    (consumed, as the delivery handler would)."""
    gateway_app.fan_out_changes(event, None)
    queued = queued_event(aws)
    consume(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], queued)
    return [json.loads(r["body"]) for r in queued["Records"]]


def webhook_data(message: dict[str, Any]) -> dict[str, Any]:
    """The ``data`` object the subscriber's webhook body carries for a queued message."""
    delivery = Delivery.model_validate(message)
    payload = payload_for(delivery, subscriber_region="000000").model_dump(mode="json")
    return dict(payload["data"])


def change_types(messages: list[dict[str, Any]]) -> list[str]:
    return [webhook_data(m)["type"] for m in messages]


def fan_out_and_deliver(aws: Any, stream: StreamReader) -> list[Delivery]:
    """Fan out the stream's new records and deliver every queued message (``deliver_webhooks``)."""
    gateway_app.fan_out_changes(stream.event(), None)
    event = queued_event(aws)
    outcome = gateway_app.deliver_webhooks(event, None)
    assert outcome == {"batchItemFailures": []}
    consume(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], event)
    return [Delivery.model_validate_json(r["body"]) for r in event["Records"]]
