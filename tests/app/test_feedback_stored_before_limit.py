"""A feedback report kept before the 384 KB bound on a report's measures (4-byte characters,
within every field's own limit) is still read: the bound judges reports sent, not read back."""

from __future__ import annotations

from datetime import UTC, datetime

from app_support import CITY, black_entry
from lifecycle_support import Lifecycle, pushed

from chalicelib.bootstrap import container
from chalicelib.dynamodb.base import s
from gateway.recognition.feedback import MAX_MEASURES_BYTES, ExecutedMeasure, Feedback


def test_a_report_kept_before_the_bound_is_still_read(gateway, aws):
    city = gateway.register_platform(CITY)
    entry = black_entry()
    listing_id = pushed(gateway, city, CITY, entry)
    wide = "\U00020000"  # CJK Extension B: 4 bytes in UTF-8
    measure = ExecutedMeasure.model_construct(
        measure_id="key_supervision",
        department=wide * 200,
        executed_on=datetime.now(UTC).date(),
        result="executed",
        note=wide * 1000,
    )
    kept = Feedback.model_construct(
        delivery_id="msg_" + "1" * 32,
        batch_id=None,
        measures=(measure,) * 82,
        subscription_id="sub_0123456789abcdef01234567",
        subscriber_region="230000",
        listing_id=listing_id,
        credit_code=entry["credit_code"],
        origin_region=CITY,
        submitted_at=datetime.now(UTC),
    )
    doc = kept.model_dump_json()
    assert MAX_MEASURES_BYTES < len(doc.encode()) < 400 * 1024 - 1024  # fitted one item
    table = container().feedback
    table._client.put_item(
        TableName=table._table,
        Item={
            "delivery_id": s(kept.delivery_id),
            "listing_id": s(listing_id),
            "submitted_at": s(kept.submitted_at.isoformat()),
            "doc": s(doc),
        },
    )
    shown = Lifecycle(gateway).get(
        f"/v1/subjects/{entry['credit_code']}/listings/{listing_id}/feedback", city
    )
    assert shown.status_code == 200, shown.json_body
