"""The packaged template (``out/sam.json``, as ``make package`` leaves it) sizes each function
from its measurements and handles listings-stream failures without losing a change."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bundle_support import TEMPLATE, fresh_package

import app as gateway_app
from chalicelib.settings import STREAM_BATCH_SIZE
from chalicelib.sqs_queue import MESSAGE_RETENTION
from gateway.delivery.reevaluation_job import SAVE_WINDOW
from infra.sizing import INGEST_RANGES_AT_ONCE, SIZES
from infra.stream_failures import MAXIMUM_RECORD_AGE_SECONDS, MAXIMUM_RETRY_ATTEMPTS

pytestmark = pytest.mark.bundle


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    fresh_package()
    resources: dict[str, Any] = json.loads(TEMPLATE.read_text(encoding="utf-8"))["Resources"]
    return resources


def test_each_function_has_its_measured_memory_timeout_and_reservation(resources):
    for function, sizes in SIZES.items():
        properties = resources[function]["Properties"]
        assert properties["MemorySize"] == sizes["MemorySize"], function
        assert properties["Timeout"] == sizes["Timeout"], function
        reserved = properties.get("ReservedConcurrentExecutions")
        assert reserved == sizes.get("ReservedConcurrentExecutions"), function
    assert resources["APIHandler"]["Properties"]["MemorySize"] >= 4 * 120  # max push peak
    assert resources["APIHandler"]["Properties"]["Timeout"] <= 29  # API Gateway's limit
    # an agreement saved by the API commits within this, which re-evaluation relies on
    assert resources["APIHandler"]["Properties"]["Timeout"] < SAVE_WINDOW.total_seconds() / 2
    assert resources["DeliverWebhooks"]["Properties"]["ReservedConcurrentExecutions"] > 0


@pytest.mark.parametrize("function", ["IngestUploads", "ReevaluateAgreements", "DeliverWebhooks"])
def test_a_queue_with_few_retries_invokes_no_more_functions_than_are_reserved(resources, function):
    """A split upload queues more ranges than run at once, an agreement's walk more jobs: the
    pollers stop at the reservation instead of being throttled (a throttled receive counts
    towards the dead-letter queue, five receives there; review 46d for re-evaluation)."""
    [source] = resources[function]["Properties"]["Events"].values()
    reserved = resources[function]["Properties"]["ReservedConcurrentExecutions"]
    assert source["Properties"]["ScalingConfig"] == {"MaximumConcurrency": reserved}
    assert resources["IngestUploads"]["Properties"]["ReservedConcurrentExecutions"] == (
        INGEST_RANGES_AT_ONCE
    )


def test_queue_visibility_covers_the_function_reading_it(resources):
    for function, queue in (
        ("DeliverWebhooks", "DeliveryQueue"),
        ("IngestUploads", "UploadQueue"),
        ("ReevaluateAgreements", "ReevaluationQueue"),
    ):
        visibility = resources[queue]["Properties"]["VisibilityTimeout"]
        assert visibility >= resources[function]["Properties"]["Timeout"], queue


def test_the_delivery_queue_keeps_messages_as_long_as_the_delivery_function_reckons(resources):
    """A retry due after its message's retention is judged dead (``message_expiry``): the
    reckoning must be the queue's own, or a change would be dropped unrecorded (review 170)."""
    kept = resources["DeliveryQueue"]["Properties"]["MessageRetentionPeriod"]
    assert kept == MESSAGE_RETENTION.total_seconds()


def test_fan_out_is_deployed_tested_and_measured_with_one_batch_size(resources):
    """The template's stream batch is the one the local pump hands fan-out and Chalice's
    decorator declares (review 46d: 500 deployed, 100 tested)."""
    [source] = resources["FanOutChanges"]["Properties"]["Events"].values()
    [declared] = [s for s in gateway_app.app.event_sources if s.name == "fan_out_changes"]
    assert source["Properties"]["BatchSize"] == declared.batch_size == STREAM_BATCH_SIZE == 500


def test_a_failing_stream_batch_is_bisected_retried_a_bounded_time_then_kept(resources):
    [source] = resources["FanOutChanges"]["Properties"]["Events"].values()
    properties = source["Properties"]
    assert source["Type"] == "DynamoDB"
    assert properties["BisectBatchOnFunctionError"] is True
    assert properties["MaximumRetryAttempts"] == MAXIMUM_RETRY_ATTEMPTS
    assert 0 < properties["MaximumRetryAttempts"] <= 10
    assert properties["MaximumRecordAgeInSeconds"] == MAXIMUM_RECORD_AGE_SECONDS
    assert properties["MaximumRecordAgeInSeconds"] < 24 * 3600  # re-drivable from the stream
    on_failure = properties["DestinationConfig"]["OnFailure"]
    assert on_failure == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]},
    }
    # fan_out raises for the whole batch (no item failures), so bisection isolates a record
    assert "FunctionResponseTypes" not in properties


def test_the_stream_failure_queue_keeps_failures_and_alarms_on_the_first(resources):
    queue = resources["StreamFailureQueue"]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    alarm = resources["StreamFailuresAlarm"]["Properties"]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["StreamFailureQueue", "QueueName"]}
    assert alarm["Threshold"] == 0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    age = resources["FanOutIteratorAgeAlarm"]["Properties"]
    assert (age["Namespace"], age["MetricName"]) == ("AWS/Lambda", "IteratorAge")
    role = resources["FanOutChangesRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    assert {
        "Effect": "Allow",
        "Action": ["sqs:SendMessage"],
        "Resource": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]},
    } in role["Statement"]


def test_fan_out_reads_and_writes_the_archive_only_under_the_logs_and_batches_prefixes(
    resources,
):
    role = resources["FanOutChangesRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    s3 = [s for s in role["Statement"] if any(a.startswith("s3:") for a in s.get("Action", []))]

    assert s3 == [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": [
                {"Fn::Sub": "${ArchiveBucket.Arn}/log/*"},
                {"Fn::Sub": "${ArchiveBucket.Arn}/checkpoints/*"},
                {"Fn::Sub": "${ArchiveBucket.Arn}/log-chunks/*"},
            ],
        },
        {
            "Effect": "Allow",
            "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject", "s3:GetObject"],
            "Resource": {"Fn::Sub": "${ArchiveBucket.Arn}/batches/*"},
        },
        {  # a file it wrote after a purge: the version holding the erased lines is destroyed
            "Effect": "Allow",
            "Action": ["s3:ListBucketVersions"],
            "Resource": {"Fn::GetAtt": ["ArchiveBucket", "Arn"]},
            "Condition": {"StringLike": {"s3:prefix": "batches/*"}},
        },
        LIST_FOR_404,
    ]


LIST_FOR_404 = {
    # a missing object is 404 only to a role that may list the bucket (else 403: review 142)
    "Effect": "Allow",
    "Action": ["s3:ListBucket"],
    "Resource": {"Fn::GetAtt": ["ArchiveBucket", "Arn"]},
}


def test_the_delivery_function_touches_batch_files_and_reads_log_chunks_only(resources):
    """Batch files it reads, masks and destroys; the log's chunks it reads to re-drive what a
    release may have missed (``Redriving.released``)."""
    role = resources["DeliverWebhooksRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    s3 = [s for s in role["Statement"] if any(a.startswith("s3:") for a in s.get("Action", []))]

    assert [s["Resource"] for s in s3] == [
        {"Fn::Sub": "${ArchiveBucket.Arn}/log-chunks/*"},
        {"Fn::Sub": "${ArchiveBucket.Arn}/batches/*"},
        {"Fn::GetAtt": ["ArchiveBucket", "Arn"]},
        {"Fn::GetAtt": ["ArchiveBucket", "Arn"]},
    ]
    assert s3[0]["Action"] == ["s3:GetObject"]
    assert s3[2]["Condition"] == {"StringLike": {"s3:prefix": "batches/*"}}
    assert s3[3] == LIST_FOR_404


def test_the_stream_trigger_fans_out_ten_batches_of_a_shard_at_once(resources):
    [source] = resources["FanOutChanges"]["Properties"]["Events"].values()
    assert source["Properties"]["ParallelizationFactor"] == 10
    # In order per partition key only: the listings table's must be the subject's code.
    key = resources["ListingsTable"]["Properties"]["KeySchema"]
    assert key[0] == {"AttributeName": "credit_code", "KeyType": "HASH"}


def test_the_fifo_delivery_trigger_has_no_batching_window(resources):
    queue = resources["DeliveryQueue"]["Properties"]
    assert queue["FifoQueue"] is True
    # high-throughput FIFO: order and deduplication per message group (a subscription's
    # subject), so throughput grows with the groups instead of capping the queue
    assert queue["DeduplicationScope"] == "messageGroup"
    assert queue["FifoThroughputLimit"] == "perMessageGroupId"
    [source] = resources["DeliverWebhooks"]["Properties"]["Events"].values()
    assert source["Type"] == "SQS"
    assert "MaximumBatchingWindowInSeconds" not in source["Properties"]
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_every_route_is_throttled_at_the_edge_and_the_query_route_below_it(resources):
    """A flood of any route stops at API Gateway instead of taking the account's Lambda
    concurrency from fan-out and delivery (review 46d); the query route has its own lower
    ceiling, which API Gateway applies over the stage's."""
    settings = resources["RestAPI"]["Properties"]["MethodSettings"]
    by_path = {(s["HttpMethod"], s["ResourcePath"]): s for s in settings}
    stage = by_path[("*", "/*")]
    assert stage["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRate"}
    assert stage["ThrottlingBurstLimit"] == {"Ref": "ApiThrottleBurst"}
    query = by_path[("GET", "/~1v1~1subjects~1{credit_code}")]
    assert query["ThrottlingRateLimit"] == {"Ref": "QueryThrottleRate"}


def test_the_tick_runs_at_the_top_of_every_hour(resources):
    """A period ends at midnight Beijing time (16:00 UTC): a rate schedule would run the tick up
    to an hour later, the listing recognised as in force all that time."""
    [schedule] = resources["LifecycleTick"]["Properties"]["Events"].values()
    assert schedule["Properties"]["Schedule"] == "cron(0 * * * ? *)"


def test_a_failed_tick_is_not_run_again_by_lambda(resources):
    """A run fails at its end when a listing could not be acted on (for the alarm); Lambda's
    two retries would run the whole tick again, and the next hour's run tries anyway."""
    config = resources["LifecycleTick"]["Properties"]["EventInvokeConfig"]
    assert config == {"MaximumRetryAttempts": 0}


def test_every_setting_the_template_gives_a_function_is_one_the_code_reads(resources):
    """An environment variable nothing reads is configuration that configures nothing
    (review 142: the upload and re-evaluation dead-letter queues' URLs were set, unread)."""
    from chalicelib.settings import EventSources, Settings
    from chalicelib.stream_redrive import _Settings as RedriveSettings

    read = {
        f"CG_{name.upper()}"
        for kind in (Settings, EventSources, RedriveSettings)
        for name in kind.model_fields
    }
    given = {
        name
        for resource in resources.values()
        for name in resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
    }

    assert given
    assert sorted(n for n in given if n.startswith("CG_") and n not in read) == []
