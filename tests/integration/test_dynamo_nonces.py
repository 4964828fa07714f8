"""DynamoNonces: a platform key's request id is used once (batches table) until it expires."""

from __future__ import annotations

from datetime import timedelta

import pytest
from integration_support import ACCEPTED_AT

from chalicelib.dynamodb.batches import DynamoBatchLedger
from chalicelib.dynamodb.nonces import DynamoNonces

UNTIL = ACCEPTED_AT + timedelta(minutes=10)


@pytest.fixture
def nonces(aws) -> DynamoNonces:
    return DynamoNonces(aws.dynamodb, aws.env["CG_BATCHES_TABLE"])


def test_an_id_is_used_once_per_region(nonces):
    assert nonces.use("430000", "req_a", ACCEPTED_AT, UNTIL) is True
    assert nonces.use("430000", "req_a", ACCEPTED_AT + timedelta(seconds=1), UNTIL) is False
    assert nonces.use("420000", "req_a", ACCEPTED_AT, UNTIL) is True


def test_the_item_carries_the_tables_ttl_attribute(aws, nonces):
    nonces.use("430000", "req_b", ACCEPTED_AT, UNTIL)

    item = aws.dynamodb.get_item(
        TableName=aws.env["CG_BATCHES_TABLE"], Key={"pk": {"S": "nonce#430000#req_b"}}
    )["Item"]

    assert item["expires_at"] == {"N": str(int(UNTIL.timestamp()))}


def test_an_expired_id_not_yet_swept_by_the_ttl_counts_as_gone(nonces):
    nonces.use("430000", "req_c", ACCEPTED_AT, UNTIL)

    assert nonces.use("430000", "req_c", UNTIL + timedelta(seconds=1), UNTIL + timedelta(hours=1))


def test_a_used_id_is_no_batch_of_the_same_name(aws, nonces):
    nonces.use("430000", "req_d", ACCEPTED_AT, UNTIL)

    ledger = DynamoBatchLedger(aws.dynamodb, aws.env["CG_BATCHES_TABLE"])
    assert ledger.claim("430000", "req_d", "h", ACCEPTED_AT, timedelta(minutes=2)) is None
