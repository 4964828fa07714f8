"""The owner reads what subscribers did about its listing a page at a time: every report in one
reply (a report may hold up to 384 KB) passed Lambda's 6 MB reply with about 18 reports, and
the owner could read none (review 292). A page's ``next`` opens only this listing's next page."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from app_support import CITY, HUNAN, Gateway, black_entry, refusal
from lifecycle_support import Lifecycle, pushed

from chalicelib.bootstrap import container
from chalicelib.dynamodb.base import s
from gateway.recognition.feedback import ExecutedMeasure, Feedback

LAMBDA_REPLY_LIMIT = 6 * 1024 * 1024


def kept(listing_id: str, code: str) -> str:
    """A report near the largest the POST accepts (100 measures of long notes), stored."""
    first = date(2026, 3, 2)
    report = Feedback(
        delivery_id="msg_" + uuid.uuid4().hex,
        measures=tuple(
            ExecutedMeasure(
                measure_id="key_supervision",
                department="湖" * 200,
                executed_on=first + timedelta(days=day),
                result="executed",
                note="经" * 1000,
            )
            for day in range(100)
        ),
        subscription_id="sub_" + uuid.uuid4().hex[:24],
        subscriber_region=HUNAN,
        listing_id=listing_id,
        credit_code=code,
        origin_region=CITY,
        submitted_at=datetime.now(UTC),
    )
    store = container().feedback
    store._client.put_item(
        TableName=store._table,
        Item={
            "delivery_id": s(report.delivery_id),
            "listing_id": s(listing_id),
            "submitted_at": s(report.submitted_at.isoformat()),
            "doc": s(report.model_dump_json()),
        },
    )
    return report.delivery_id


def test_the_reports_come_a_page_at_a_time_each_within_a_reply(gateway: Gateway) -> None:
    city = gateway.register_platform(CITY)
    entry = black_entry()
    listing_id = pushed(gateway, city, CITY, entry)
    other_id = pushed(gateway, city, CITY, black_entry(decision_number="(2026)黑09执77号"))
    made = {kept(listing_id, entry["credit_code"]) for _ in range(23)}
    life = Lifecycle(gateway)
    path = f"/v1/subjects/{entry['credit_code']}/listings/{listing_id}/feedback"

    seen: list[str] = []
    pages: list[Any] = []
    after = ""
    while True:
        shown = life.get(path + after, city)
        assert shown.status_code == 200, shown.json_body
        assert len(shown.body) < LAMBDA_REPLY_LIMIT
        pages.append(shown.json_body)
        seen += [f["delivery_id"] for f in shown.json_body["feedback"]]
        if shown.json_body["next"] is None:
            break
        after = f"?after={shown.json_body['next']}"

    assert set(seen) == made
    assert len(seen) == len(made)
    assert max(len(p["feedback"]) for p in pages) <= 10  # and a query reads 1 MB at most
    elsewhere = f"/v1/subjects/{entry['credit_code']}/listings/{other_id}/feedback"
    refused = life.get(elsewhere + f"?after={pages[0]['next']}", city)
    assert refusal(refused) == (400, "invalid_schema", "after")
