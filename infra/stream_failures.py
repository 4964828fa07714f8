"""What happens to a listings-stream batch that fan-out cannot process: nothing silent.

Without these settings Lambda retries a failing batch until its records leave the stream (24 h),
blocking the shard the whole time, and then drops them without a trace, and the exchange log is
appended in that same handler. Instead: a failing batch is split in halves until the poison
record stands alone (``BisectBatchOnFunctionError``), retried a bounded number of times, and
then its shard and sequence range go to ``StreamFailureQueue`` (kept 14 days, alarmed on the
first message), while the records behind it flow on. The failure message names the shard and
the sequence range; the operator's re-drive (``chalicelib/stream_redrive.py``, run by the API
function, ``gateway redrive-stream-failures``) reads that range back from the stream and fans
it out again (README "Stream failures").

``fan_out`` raises for the whole batch rather than report item failures, so
``ReportBatchItemFailures`` is not set: bisection isolates the record instead.
"""

from __future__ import annotations

from typing import Any

from chalicelib.settings import STREAM_BATCH_SIZE

# Each retry of a poison record holds its shard back; 5 (after the halvings) is enough for a
# throttle or a brief outage of DynamoDB or SQS, and short enough to unblock within minutes.
MAXIMUM_RETRY_ATTEMPTS = 5
# A record older than 6 h is sent to the failure queue instead of being retried: that leaves
# about 18 h of the stream's 24-hour retention for the re-drive to read it back from the stream.
MAXIMUM_RECORD_AGE_SECONDS = 6 * 3600
PARALLELIZATION_FACTOR = 10
# Records per fan-out invocation (``STREAM_BATCH_SIZE``, in ``chalicelib.settings`` so that
# Chalice's decorator and the local pump read the same number as this template). It bounds a batched
# subscriber's file (one per stream batch and subscriber, ``gateway.delivery.batching``), and a
# batched subscriber's files go one after another in its FIFO group: at 100 a 1M-entry resync is
# 10,000 files in series per province, at 500 it is 2,000 (bench/aws_model.py). Why 500 fits
# FanOutChanges (1,024 MB = 0.58 vCPU, 120 s, infra/sizing.py): the bench measured 0.0142 s of
# full-vCPU CPU per change planned for 10 subscribers (report.json
# ``aws_model.measured.fanout_cpu_seconds_per_change``); for 31 that is 0.044 s, 0.076 s at 0.58
# vCPU, so 500 changes take about 38 s of CPU, plus about 6 s of DynamoDB round trips (2.3 requests
# a change, 5 ms each): about 45 s, under half the timeout. A larger batch would leave too little
# margin for a slow log append and its retries.

# An iterator older than 15 min means fan-out has fallen behind (or is stuck on a batch).
ITERATOR_AGE_ALARM_MS = 15 * 60 * 1000


def stream_event_source() -> dict[str, Any]:
    """The listings-stream event source mapping, merged over Chalice's."""
    return {
        "Type": "DynamoDB",
        "Properties": {
            "Stream": {"Fn::GetAtt": ["ListingsTable", "StreamArn"]},
            "BatchSize": STREAM_BATCH_SIZE,
            "StartingPosition": "TRIM_HORIZON",
            # Never wait to fill a batch: a single push's change goes out at once.
            "MaximumBatchingWindowInSeconds": 0,
            # Ten batches of a shard at once (the most Lambda allows). Lambda keeps records of
            # one partition key in order, and the key is the credit code: a subject's changes
            # still fan out one batch after another, so its order to subscribers holds. A
            # province's resync lands on few shards; this is what lets it fan out in minutes.
            "ParallelizationFactor": PARALLELIZATION_FACTOR,
            "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": MAXIMUM_RETRY_ATTEMPTS,
            "MaximumRecordAgeInSeconds": MAXIMUM_RECORD_AGE_SECONDS,
            "DestinationConfig": {
                "OnFailure": {
                    "Type": "SQS",
                    "Destination": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]},
                }
            },
        },
    }


def on_failure_statement() -> dict[str, Any]:
    """Lambda sends the failed batch's description with the function's own role."""
    return {
        "Effect": "Allow",
        "Action": ["sqs:SendMessage"],
        "Resource": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]},
    }


def redrive_statements() -> list[dict[str, Any]]:
    """The API function runs the operator's re-drive: it takes the failure messages and reads
    the ranges they name back from the listings stream."""
    return [
        {
            "Effect": "Allow",
            "Action": [
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueAttributes",
            ],
            "Resource": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]},
        },
        {
            "Effect": "Allow",
            "Action": ["dynamodb:GetShardIterator", "dynamodb:GetRecords"],
            "Resource": {"Fn::GetAtt": ["ListingsTable", "StreamArn"]},
        },
    ]


def iterator_age_alarm(alarm_actions: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": "fan-out is over 15 minutes behind the listings stream",
            "Namespace": "AWS/Lambda",
            "MetricName": "IteratorAge",
            "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": "FanOutChanges"}}],
            "Statistic": "Maximum",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": ITERATOR_AGE_ALARM_MS,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": alarm_actions,
        },
    }


def without_fifo_batching_window(template: dict[str, Any]) -> dict[str, Any]:
    """Drop ``MaximumBatchingWindowInSeconds`` from SQS triggers on FIFO queues: Chalice always
    writes one, and FIFO event sources do not support a batching window (the merge template
    can add properties but not remove them, so this runs on ``out/sam.json``)."""
    resources = template["Resources"]
    for resource in resources.values():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            queue = event.get("Properties", {}).get("Queue", {})
            logical_id = queue.get("Fn::GetAtt", [None])[0] if isinstance(queue, dict) else None
            queue_props = resources.get(logical_id, {}).get("Properties", {})
            if event.get("Type") == "SQS" and queue_props.get("FifoQueue"):
                event["Properties"].pop("MaximumBatchingWindowInSeconds", None)
    return template
