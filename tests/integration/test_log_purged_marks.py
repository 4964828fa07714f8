"""What intake asks the exchange log before it stores a new listing: which of these ids a purge
erased. Only the erased are named (a logged listing that is not, and an id never logged, are
not), read consistently, one BatchGetItem per 100 ids however many are asked."""

from __future__ import annotations

from typing import Any

import pytest
from test_dynamo_exchange_log import changes, purge_of

from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.s3_archive import S3Archive


def test_the_purged_ids_are_read_in_consistent_batches_of_a_hundred(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = aws.env["CG_EXCHANGE_LOG_TABLE"]
    log = DynamoExchangeLog(aws.dynamodb, table, S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"]))
    gone, kept = changes(2, first=900)
    log.append([gone, kept])
    log.erase(gone.listing.listing_id, purge_of(gone).change_id)
    never = [f"lst_never_{i}" for i in range(248)]
    asked = [*never[:120], gone.listing.listing_id, kept.listing.listing_id, *never[120:]]
    requests: list[dict[str, Any]] = []
    read = aws.dynamodb.batch_get_item

    def counted(**request: Any) -> Any:
        requests.append(request)
        return read(**request)

    monkeypatch.setattr(aws.dynamodb, "batch_get_item", counted)

    assert log.purged(asked) == {gone.listing.listing_id: ""}  # erased naming no owner
    assert [len(x["RequestItems"][table]["Keys"]) for x in requests] == [100, 100, 50]
    assert all(x["RequestItems"][table]["ConsistentRead"] for x in requests)
    assert log.purged([]) == {}
