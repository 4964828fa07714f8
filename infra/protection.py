"""Data protection in the deployed stack: what survives a stack deletion or a replacement, whose
key encrypts it, who may read which secret, and how long function logs are kept.

Every table, the archive bucket and the secrets are ``Retain``: deleting or replacing the stack
must never take five years of listings, the signed log or the keys every listing id derives from
with it. ``KmsKeyArn`` (empty by default: AWS-managed encryption) puts a customer-managed key on
every table, queue, secret, the bucket, the alarm topic, the log groups and the functions'
environment; that key's policy must let the services that use it on the stack's behalf do so
(README, Deploying). The local stack provisions ``infra/resources.json`` as is, without these.
"""

from __future__ import annotations

from typing import Any

KMS_KEY = "KmsKeyArn"
HAS_KMS_KEY = "HasKmsKey"
CHINA = "InChinaPartition"
LOG_RETENTION = "LogRetentionDays"
RETAINED_TYPES = ("AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SecretsManager::Secret")
# The secrets each function's handlers read (chalicelib/bootstrap.py reads each on first use):
# the signing key signs deliveries (delivery), checkpoints (the tick, the API) and URL
# challenges and publishes its public half (the API); the operator token is checked by the API
# alone; the trail key files the trail of checks (the API, and bulk checks in the ingest); ids
# are derived where listings arrive (the API, bulk ingest), and person keys (keyed like ids)
# where the person index is kept and read (fan-out, the API).
SECRETS_READ: dict[str, tuple[str, ...]] = {
    "APIHandler": (
        "SigningKeySecret",
        "OperatorTokenSecret",
        "TrailKeySecret",
        "IdentityKeySecret",
    ),
    "FanOutChanges": ("IdentityKeySecret", "SigningKeySecret"),  # it signs log checkpoints
    "DeliverWebhooks": ("SigningKeySecret",),
    # a broken commitment listed black gets its listing id, derived under the listing-id key
    "LifecycleTick": ("SigningKeySecret", "IdentityKeySecret"),
    "IngestUploads": ("IdentityKeySecret", "TrailKeySecret", "SigningKeySecret"),  # reports
    # its page tokens are sealed under a key derived from the listing-id secret
    "ReevaluateAgreements": ("IdentityKeySecret",),
}
# CloudWatch Logs accepts only these retention periods.
_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827]


def protection_parameters() -> dict[str, Any]:
    return {
        KMS_KEY: {
            "Type": "String",
            "Default": "",
            "AllowedPattern": r"^(arn:aws(-cn)?:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]+)?$",
            "Description": "customer-managed KMS key for tables, queues, bucket, secrets, topic "
            "and logs (empty: AWS-managed encryption)",
        },
        LOG_RETENTION: {
            "Type": "Number",
            "Default": 180,
            "AllowedValues": _RETENTION_DAYS,
            "Description": "days the functions' log groups keep their logs",
        },
    }


def protection_conditions() -> dict[str, Any]:
    return {
        HAS_KMS_KEY: {"Fn::Not": [{"Fn::Equals": [{"Ref": KMS_KEY}, ""]}]},
        CHINA: {"Fn::Equals": [{"Ref": "AWS::Partition"}, "aws-cn"]},
    }


def _with_key(value: Any, otherwise: Any = None) -> dict[str, Any]:
    """``value`` when the stack has a customer-managed key, else ``otherwise`` (or nothing)."""
    fallback = {"Ref": "AWS::NoValue"} if otherwise is None else otherwise
    return {"Fn::If": [HAS_KMS_KEY, value, fallback]}


def protect(resources: dict[str, Any], functions: list[str]) -> None:
    """Retain, encrypt and restrict the merged template's resources (in place)."""
    key = {"Ref": KMS_KEY}
    for resource in resources.values():
        kind = resource.get("Type")
        properties = resource.setdefault("Properties", {})
        if kind in RETAINED_TYPES:
            resource["DeletionPolicy"] = resource["UpdateReplacePolicy"] = "Retain"
        if kind == "AWS::DynamoDB::Table":
            properties["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
            properties["SSESpecification"] = {
                "SSEEnabled": True,
                "SSEType": _with_key("KMS"),
                "KMSMasterKeyId": _with_key(key),
            }
        elif kind == "AWS::SQS::Queue":
            properties["KmsMasterKeyId"] = _with_key(key)
            properties["SqsManagedSseEnabled"] = _with_key(False, True)
        elif kind == "AWS::SecretsManager::Secret":
            properties["KmsKeyId"] = _with_key(key)
        elif kind == "AWS::SNS::Topic":
            properties["KmsMasterKeyId"] = _with_key(key)
    for function in functions:
        resources[function]["Properties"]["KmsKeyArn"] = _with_key(key)
    _protect_bucket(resources["ArchiveBucket"]["Properties"])
    statement = resources["UploadQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    statement["Principal"]["Service"] = s3_principal()


def s3_principal() -> dict[str, Any]:
    """S3's service principal: ``s3.amazonaws.com.cn`` in the China partition."""
    return {"Fn::If": [CHINA, "s3.amazonaws.com.cn", "s3.amazonaws.com"]}


def _protect_bucket(bucket: dict[str, Any]) -> None:
    bucket["BucketEncryption"] = {
        "ServerSideEncryptionConfiguration": [
            {
                # SSE-KMS under the stack's key, else S3's AWS-managed one (aws/s3); the
                # bucket key keeps KMS requests (and their cost) per object version low
                "ServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms",
                    "KMSMasterKeyID": _with_key({"Ref": KMS_KEY}),
                },
                "BucketKeyEnabled": True,
            }
        ]
    }
    bucket["PublicAccessBlockConfiguration"] = {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


def bucket_policy() -> dict[str, Any]:
    """The archive answers TLS requests only."""
    return {
        "ArchiveBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "ArchiveBucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [
                                {"Fn::GetAtt": ["ArchiveBucket", "Arn"]},
                                {"Fn::Sub": "${ArchiveBucket.Arn}/*"},
                            ],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                },
            },
        }
    }


def log_groups(functions: list[str]) -> dict[str, Any]:
    """Each function's log group, made by the stack (not on first invocation by Lambda, which
    would keep logs for ever) with the stack's retention."""
    return {
        f"{function}LogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Sub": "/aws/lambda/${" + function + "}"},
                "RetentionInDays": {"Ref": LOG_RETENTION},
                "KmsKeyId": _with_key({"Ref": KMS_KEY}),
            },
        }
        for function in functions
    }


def secret_statements(function: str) -> list[dict[str, Any]]:
    """Read access to the secrets this function uses, and no other."""
    secrets = SECRETS_READ[function]
    if not secrets:
        return []
    return [
        {
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [{"Ref": secret} for secret in secrets],
        }
    ]


def kms_statement() -> dict[str, Any]:
    """Use of the customer-managed key, when there is one (an ``Fn::If`` list element)."""
    return _with_key(
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": {"Ref": KMS_KEY},
        }
    )


def secrets() -> dict[str, Any]:
    """Generated on first deploy; the gateway derives its Ed25519 key from the signing secret
    (or takes a whsk_ key put there by the operator), so no secret is ever in the repository."""
    generated = {"PasswordLength": 64, "ExcludePunctuation": True}

    def secret(description: str) -> dict[str, Any]:
        return {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {"Description": description, "GenerateSecretString": generated},
        }

    return {
        "SigningKeySecret": secret("credit-gateway webhook signing key"),
        "OperatorTokenSecret": secret("credit-gateway operator token"),
        # Never rotated: every listing id is an HMAC under this key (``gateway.listing``).
        "IdentityKeySecret": secret("credit-gateway listing identity key (do not rotate)"),
        # Never rotated: the trail of a credit code is filed under an HMAC with this key.
        "TrailKeySecret": secret("credit-gateway query trail key (do not rotate)"),
    }


def tick_statement() -> dict[str, Any]:
    """The API has the lifecycle function run ``POST /v1/tick``: a purge deletes from the
    exchange log, which only that function's role may do (``chalicelib/tick_function.py``)."""
    return {
        "Effect": "Allow",
        "Action": ["lambda:InvokeFunction"],
        "Resource": {"Fn::GetAtt": ["LifecycleTick", "Arn"]},
    }
