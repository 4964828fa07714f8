"""The provisioner creates exactly what infra/resources.json defines."""

from __future__ import annotations

import json
from datetime import timedelta

from gateway.lifecycle.retention import EVIDENCE_DAYS, RETENTION_YEARS
from infra import resource_template

RESOURCES = resource_template()["Resources"]


def template(logical_id: str) -> dict:
    return RESOURCES[logical_id]["Properties"]


def test_every_resource_feeds_its_declared_setting(aws):
    metadata = [r["Metadata"] for r in RESOURCES.values() if "Metadata" in r]
    declared = {m["EnvVar"] for m in metadata}
    declared |= {m["StreamEnvVar"] for m in metadata if "StreamEnvVar" in m}

    assert declared <= set(aws.env)
    assert aws.env["CG_DELIVERY_QUEUE_NAME"] == "t-deliveryqueue.fifo"


def test_every_table_has_the_key_schema_and_attributes_of_the_template(aws):
    tables = {lid: r for lid, r in RESOURCES.items() if r["Type"] == "AWS::DynamoDB::Table"}

    for logical_id, resource in tables.items():
        described = aws.dynamodb.describe_table(TableName=aws.env[resource["Metadata"]["EnvVar"]])
        table = described["Table"]
        props = resource["Properties"]
        assert table["KeySchema"] == props["KeySchema"], logical_id
        assert sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == sorted(
            props["AttributeDefinitions"], key=lambda a: a["AttributeName"]
        ), logical_id
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST", logical_id


def test_the_listings_table_streams_new_and_old_images_to_the_announced_arn(aws):
    table = aws.dynamodb.describe_table(TableName=aws.env["CG_LISTINGS_TABLE"])["Table"]

    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": template("ListingsTable")["StreamSpecification"]["StreamViewType"],
    }
    assert table["LatestStreamArn"] == aws.env["CG_LISTINGS_STREAM_ARN"]
    stream = aws.streams.describe_stream(StreamArn=aws.env["CG_LISTINGS_STREAM_ARN"])
    assert stream["StreamDescription"]["StreamStatus"] == "ENABLED"


def test_only_the_listings_table_has_a_stream(aws):
    for name in ("CG_REGISTRY_TABLE", "CG_BATCHES_TABLE", "CG_SUBSCRIPTIONS_TABLE"):
        table = aws.dynamodb.describe_table(TableName=aws.env[name])["Table"]
        assert not table.get("StreamSpecification", {}).get("StreamEnabled", False), name


def test_the_batches_table_expires_items_by_their_ttl_attribute(aws):
    ttl = aws.dynamodb.describe_time_to_live(TableName=aws.env["CG_BATCHES_TABLE"])

    assert ttl["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"


def test_the_delivery_queue_redrives_to_the_dead_letter_queue_arn(aws):
    attributes = aws.sqs.get_queue_attributes(
        QueueUrl=aws.env["CG_DELIVERY_QUEUE_URL"], AttributeNames=["All"]
    )["Attributes"]
    dlq_arn = aws.sqs.get_queue_attributes(
        QueueUrl=aws.env["CG_DELIVERY_DLQ_URL"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    expected = template("DeliveryQueue")

    policy = json.loads(attributes["RedrivePolicy"])

    assert policy["deadLetterTargetArn"] == dlq_arn
    assert policy["maxReceiveCount"] == expected["RedrivePolicy"]["maxReceiveCount"]
    assert attributes["VisibilityTimeout"] == str(expected["VisibilityTimeout"])
    assert attributes["MessageRetentionPeriod"] == str(expected["MessageRetentionPeriod"])
    assert attributes["DeduplicationScope"] == expected["DeduplicationScope"]
    assert attributes["FifoThroughputLimit"] == expected["FifoThroughputLimit"]
    assert dlq_arn.startswith("arn:aws-cn:sqs:cn-northwest-1:")


def test_the_dead_letter_queue_keeps_messages_for_the_template_period(aws):
    attributes = aws.sqs.get_queue_attributes(
        QueueUrl=aws.env["CG_DELIVERY_DLQ_URL"], AttributeNames=["All"]
    )["Attributes"]

    assert "RedrivePolicy" not in attributes
    assert attributes["MessageRetentionPeriod"] == str(
        template("DeliveryDeadLetterQueue")["MessageRetentionPeriod"]
    )


def test_the_archive_bucket_is_versioned_encrypted_and_not_public(aws):
    bucket = aws.env["CG_ARCHIVE_BUCKET"]

    versioning = aws.s3.get_bucket_versioning(Bucket=bucket)
    block = aws.s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    encryption = aws.s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]

    assert versioning["Status"] == "Enabled"
    assert block == template("ArchiveBucket")["PublicAccessBlockConfiguration"]
    assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    location = aws.s3.get_bucket_location(Bucket=bucket)["LocationConstraint"]
    assert location == "cn-northwest-1"


def test_the_delivery_queue_and_its_dead_letter_queue_are_fifo(aws):
    for url in (aws.env["CG_DELIVERY_QUEUE_URL"], aws.env["CG_DELIVERY_DLQ_URL"]):
        attributes = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["FifoQueue"])
        assert attributes["Attributes"]["FifoQueue"] == "true"


def test_objects_created_under_uploads_and_check_inputs_are_announced_on_the_upload_queue(aws):
    bucket = aws.env["CG_ARCHIVE_BUCKET"]
    aws.s3.put_object(Bucket=bucket, Key="uploads/430000/u-1.ndjson", Body=b"{}\n")
    aws.s3.put_object(Bucket=bucket, Key="pushes/430000/2026/11/26/b-1.json", Body=b"{}")
    aws.s3.put_object(Bucket=bucket, Key="check-inputs/430000/u-2.ndjson", Body=b"{}\n")

    reply = aws.sqs.receive_message(QueueUrl=aws.env["CG_UPLOAD_QUEUE_URL"], MaxNumberOfMessages=10)
    keys = [
        record["s3"]["object"]["key"]
        for message in reply.get("Messages", [])
        for record in json.loads(message["Body"]).get("Records", [])
    ]

    assert sorted(keys) == ["check-inputs%2F430000%2Fu-2.ndjson", "uploads%2F430000%2Fu-1.ndjson"]


def test_raw_pushes_and_uploads_expire_after_the_evidence_window_in_every_version(aws):
    rules = aws.s3.get_bucket_lifecycle_configuration(Bucket=aws.env["CG_ARCHIVE_BUCKET"])

    by_prefix = {rule["Filter"]["Prefix"]: rule for rule in rules["Rules"]}
    defined = resource_template()["Resources"]["ArchiveBucket"]["Properties"]
    assert set(by_prefix) == {r["Prefix"] for r in defined["LifecycleConfiguration"]["Rules"]}
    assert by_prefix.pop("check-results/")["Expiration"]["Days"] == 30  # answers: 30 days
    assert by_prefix.pop("checkpoints/fresh/")["Expiration"]["Days"] == 30  # witnesses' latest
    assert by_prefix.pop("batches/")["Expiration"]["Days"] == 7  # batched delivery's files
    assert by_prefix.pop("check-inputs/")["Expiration"]["Days"] == 7  # a check's codes
    for rule in by_prefix.values():
        assert rule["Status"] == "Enabled"
        assert rule["Expiration"]["Days"] == EVIDENCE_DAYS  # the current version …
        assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 1  # … and every older one
        assert rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 1


def test_the_evidence_window_and_every_queues_retention_end_long_before_five_years(aws):
    queues = [r for r in RESOURCES.values() if r["Type"] == "AWS::SQS::Queue"]
    retention = timedelta(days=365 * RETENTION_YEARS)

    urls = aws.sqs.list_queues()["QueueUrls"]  # dead-letter queues no code reads too
    assert len(urls) == len(queues)
    for url in urls:
        kept = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["MessageRetentionPeriod"])
        seconds = int(kept["Attributes"]["MessageRetentionPeriod"])
        assert timedelta(seconds=seconds) <= timedelta(days=14) < retention
    assert timedelta(days=EVIDENCE_DAYS + 1) < retention
