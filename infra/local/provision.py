"""Create the template's resources on any endpoint (moto locally) under a name prefix.

It reads the same ``infra/resources.json`` that is merged into the deployed stack, so names,
key schemas, streams and redrive policies cannot drift between local and AWS.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from infra import resource_template

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "GlobalSecondaryIndexes",
)


class Provisioner:
    def __init__(self, dynamodb: DynamoDBClient, sqs: SQSClient, s3: S3Client, prefix: str) -> None:
        self._dynamodb = dynamodb
        self._sqs = sqs
        self._s3 = s3
        self._prefix = prefix
        self._arns: dict[str, str] = {}

    def name(self, logical_id: str) -> str:
        return f"{self._prefix}-{logical_id}".lower()

    def provision(self) -> dict[str, str]:
        """Create every resource; return the environment settings their Refs feed."""
        env: dict[str, str] = {}
        resources: dict[str, Any] = resource_template()["Resources"]
        # Dead-letter queues, then the queues pointing to them, then what notifies queues.
        order = sorted(resources, key=lambda lid: _creation_rank(resources[lid]))
        for logical_id in order:
            resource = resources[logical_id]
            if resource["Type"] == "AWS::SQS::QueuePolicy":  # moto enforces no queue policies
                continue
            create = {
                "AWS::DynamoDB::Table": self._table,
                "AWS::SQS::Queue": self._queue,
                "AWS::S3::Bucket": self._bucket,
            }[resource["Type"]]
            env.update(create(logical_id, resource["Properties"], resource.get("Metadata", {})))
        return env

    def _table(
        self, logical_id: str, props: dict[str, Any], meta: dict[str, str]
    ) -> dict[str, str]:
        name = self.name(logical_id)
        args: dict[str, Any] = {k: props[k] for k in _TABLE_KEYS if k in props}
        if "StreamSpecification" in props:
            args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        if "SSESpecification" in props:  # CloudFormation spells the API's "Enabled" differently
            sse = dict(props["SSESpecification"])
            args["SSESpecification"] = {"Enabled": sse.pop("SSEEnabled"), **sse}
        table = self._dynamodb.create_table(TableName=name, **args)["TableDescription"]
        recovery = props.get("PointInTimeRecoverySpecification")
        if recovery:
            self._dynamodb.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification=recovery
            )
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            self._dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        env = {meta["EnvVar"]: name}
        if "StreamEnvVar" in meta:
            env[meta["StreamEnvVar"]] = table["LatestStreamArn"]
        return env

    def _queue(
        self, logical_id: str, props: dict[str, Any], meta: dict[str, str]
    ) -> dict[str, str]:
        fifo = bool(props.get("FifoQueue"))
        name = self.name(logical_id) + (".fifo" if fifo else "")
        attributes: dict[str, str] = {
            key: str(props[key]).lower() if isinstance(props[key], bool) else str(props[key])
            for key in (
                "FifoQueue",
                "VisibilityTimeout",
                "MessageRetentionPeriod",
                "SqsManagedSseEnabled",
                "DeduplicationScope",
                "FifoThroughputLimit",
            )
            if key in props
        }
        if "RedrivePolicy" in props:
            policy = dict(props["RedrivePolicy"])
            policy["deadLetterTargetArn"] = self._arns[
                policy["deadLetterTargetArn"]["Fn::GetAtt"][0]
            ]
            attributes["RedrivePolicy"] = json.dumps(policy)
        url = self._sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]  # type: ignore[arg-type]
        arn = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        self._arns[logical_id] = arn["Attributes"]["QueueArn"]
        if "EnvVar" not in meta:  # a dead-letter queue no code reads: the alarms watch it
            return {}
        return {meta["EnvVar"]: url, meta["EnvVar"].replace("_URL", "_NAME"): name}

    def _bucket(
        self, logical_id: str, props: dict[str, Any], meta: dict[str, str]
    ) -> dict[str, str]:
        name = self.name(logical_id)
        region = self._s3.meta.region_name
        if region == "us-east-1":
            self._s3.create_bucket(Bucket=name)
        else:
            self._s3.create_bucket(
                Bucket=name,
                CreateBucketConfiguration={"LocationConstraint": region},  # type: ignore[typeddict-item]
            )
        if "VersioningConfiguration" in props:
            self._s3.put_bucket_versioning(
                Bucket=name, VersioningConfiguration=props["VersioningConfiguration"]
            )
        if "BucketEncryption" in props:
            self._s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": rule[
                                "ServerSideEncryptionByDefault"
                            ]
                        }
                        for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                    ]
                },
            )
        if "PublicAccessBlockConfiguration" in props:
            self._s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
        rules = props.get("LifecycleConfiguration", {}).get("Rules", [])
        if rules:  # moto stores them without acting on them; S3 expires objects by them
            self._s3.put_bucket_lifecycle_configuration(
                Bucket=name, LifecycleConfiguration={"Rules": [_lifecycle_rule(r) for r in rules]}
            )
        notifications = props.get("NotificationConfiguration", {}).get("QueueConfigurations", [])
        if notifications:
            self._s3.put_bucket_notification_configuration(
                Bucket=name,
                NotificationConfiguration={
                    "QueueConfigurations": [
                        {
                            "QueueArn": self._arns[rule["Queue"]["Fn::GetAtt"][0]],
                            "Events": [rule["Event"]],
                            "Filter": {"Key": {"FilterRules": rule["Filter"]["S3Key"]["Rules"]}},
                        }
                        for rule in notifications
                    ]
                },
            )
        return {meta["EnvVar"]: name}


def _lifecycle_rule(rule: dict[str, Any]) -> Any:
    """A CloudFormation lifecycle rule in the S3 API's spelling."""
    api: dict[str, Any] = {
        "ID": rule["Id"],
        "Status": rule["Status"],
        "Filter": {"Prefix": rule.get("Prefix", "")},
    }
    if "ExpirationInDays" in rule:
        api["Expiration"] = {"Days": rule["ExpirationInDays"]}
    for key in ("NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"):
        if key in rule:
            api[key] = rule[key]
    return api


def _creation_rank(resource: dict[str, Any]) -> int:
    props = resource.get("Properties", {})
    return int(
        ("RedrivePolicy" in props)
        + 2 * (resource["Type"] == "AWS::S3::Bucket")
        + 3 * (resource["Type"] == "AWS::SQS::QueuePolicy")
    )
