"""What Lambda sends a stream trigger's on-failure destination when a batch has used up its
retries (the local event pump sends the same): the batch's place in the stream, never its
records — ``chalicelib/stream_redrive.py`` reads them back from there."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any


def _arrival(record: Any) -> str:
    created = record["dynamodb"]["ApproximateCreationDateTime"]
    return f"{created.astimezone(UTC).isoformat(timespec='seconds')[:-6]}Z"


def on_failure_message(
    shard_id: str, batch: list[Any], invocations: int, stream_arn: str, region: str
) -> dict[str, Any]:
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"arn:aws-cn:lambda:{region}:000000000000:function:fan_out",
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": invocations,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": batch[0]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": batch[-1]["dynamodb"]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _arrival(batch[0]),
            "approximateArrivalOfLastRecord": _arrival(batch[-1]),
            "batchSize": len(batch),
            "streamArn": stream_arn,
        },
    }
