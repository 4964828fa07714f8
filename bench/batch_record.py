"""The size of a delivered batch's record (``chalicelib/dynamodb/batch_records.py``): a file of
``lines`` synthetic lines settled through ``DynamoDeliveryLog.delivered_batch`` on moto, read
back, and sized as DynamoDB bills it (item and index entries: ``bench/indexes.py``).

Numbers are sized at national scale (a log sequence of eight digits, a subscription sequence
of seven): their length is what a line's bytes depend on besides its ids.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import boto3
from moto import mock_aws

from bench.common import CITY, item_size, wru
from bench.indexes import indexes
from chalicelib.dynamodb.deliveries import DynamoDeliveryLog
from gateway.delivery import Attempt, Batch, Delivery
from gateway.intake import promote
from gateway.recognition import recognise
from gateway_client.contract import ListingEntry, change_between
from infra.local import synthetic

SUBSCRIPTION = "sub_89859cca60c56fdee315e298"  # the shape of a subscription id
FIRST_LOG = 10_000_000
FIRST_SEQUENCE = 1_000_000


def _shaped_like_a_delivery_id(change_id: str) -> str:
    return "msg_" + hashlib.sha256(f"{change_id}>{SUBSCRIPTION}".encode()).hexdigest()[:32]


def _lines(count: int, at: datetime) -> list[Delivery]:
    made: list[Delivery] = []
    for i in range(count):
        entry = ListingEntry.model_validate(synthetic.entry(CITY, i))
        listing = promote(entry, CITY, at)
        change = change_between(listing, None) if listing is not None else None
        assert change is not None
        made.append(
            Delivery(
                delivery_id=_shaped_like_a_delivery_id(change.change_id),
                subscription_id=SUBSCRIPTION,
                change=change,
                recognition=recognise(listing, "430000", [], at.date()),  # type: ignore[arg-type]
                log_sequence=FIRST_LOG + i,
                sequence=FIRST_SEQUENCE + i,
            )
        )
    return made


def batch_record_sizes(lines: int) -> dict[str, Any]:
    """The record's bytes and write units, its index entries', for a file of ``lines``."""
    at = datetime.now(UTC)
    made = _lines(lines, at)
    batch = Batch(
        delivery_id="bat_" + "0" * 32,
        subscription_id=SUBSCRIPTION,
        key=f"batches/{SUBSCRIPTION}/x.ndjson",
        sha256="0" * 64,
        size=lines * 2000,
        count=lines,
        first_sequence=FIRST_SEQUENCE,
        last_sequence=FIRST_SEQUENCE + lines - 1,
        first_log_sequence=FIRST_LOG,
        last_log_sequence=FIRST_LOG + lines - 1,
        created_at=at,
    )
    attempt = Attempt(at=at, status=204, latency_ms=180, response_excerpt="")
    with mock_aws():
        client = boto3.client(
            "dynamodb",
            region_name="cn-northwest-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106 - moto's, in process
        )
        client.create_table(
            TableName="deliveries",
            AttributeDefinitions=[{"AttributeName": "delivery_id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "delivery_id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        DynamoDeliveryLog(client, "deliveries").delivered_batch(batch, attempt, made)
        item = client.get_item(
            TableName="deliveries", Key={"delivery_id": {"S": batch.delivery_id}}
        )
    stored: dict[str, Any] = dict(item["Item"])
    entries = {
        index.name: item_size({k: v for k, v in stored.items() if k in index.projected})
        for index in indexes()["deliveries"]
        if index.keys <= stored.keys() and index.projected is not None
    }
    size = item_size(stored)
    return {
        "lines": lines,
        "item_bytes": size,
        "item_bytes_per_line": size / lines,
        "item_wru": wru(size),
        "index_entry_bytes": entries,
        "index_wru": {name: wru(b) for name, b in entries.items()},
        "wru_per_line": (wru(size) + sum(wru(b) for b in entries.values())) / lines,
    }
