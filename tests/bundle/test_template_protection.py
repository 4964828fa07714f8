"""The packaged template (``out/sam.json``) protects the data: stateful resources outlive the
stack, every table can be restored, one optional customer-managed key encrypts everything, the
archive is private and TLS-only with its lifecycle rules, logs expire, and each function's role
reads only the secrets it uses."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from bundle_support import ROOT, TEMPLATE, fresh_package

from chalicelib.settings import Settings
from infra.table_access import WRITE

pytestmark = pytest.mark.bundle
NO_VALUE = {"Ref": "AWS::NoValue"}
KEY = {"Ref": "KmsKeyArn"}
WITH_KEY = {"Fn::If": ["HasKmsKey", KEY, NO_VALUE]}
# Which secrets each function's handlers read (chalicelib/bootstrap.py reads each lazily).
SECRETS = {
    "APIHandler": {
        "SigningKeySecret",
        "OperatorTokenSecret",
        "TrailKeySecret",
        "IdentityKeySecret",
    },
    # person keys (gateway.persons); the signing key for the log's checkpoints
    "FanOutChanges": {"IdentityKeySecret", "SigningKeySecret"},
    "DeliverWebhooks": {"SigningKeySecret"},
    "LifecycleTick": {"SigningKeySecret", "IdentityKeySecret"},  # a broken commitment's black id
    "IngestUploads": {"IdentityKeySecret", "TrailKeySecret", "SigningKeySecret"},  # bulk reports
    "ReevaluateAgreements": {"IdentityKeySecret"},  # seals its page tokens
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    fresh_package()
    loaded: dict[str, Any] = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    return loaded


def of_type(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def statements(template: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role = template["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    [policy] = template["Resources"][role]["Properties"]["Policies"]
    found: list[dict[str, Any]] = policy["PolicyDocument"]["Statement"]
    return found


def test_every_table_bucket_and_secret_outlives_the_stack(template):
    kinds = ("AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SecretsManager::Secret")
    stateful = {k: r for kind in kinds for k, r in of_type(template, kind).items()}
    assert len(of_type(template, "AWS::DynamoDB::Table")) == 12
    assert {"ArchiveBucket", "SigningKeySecret", "IdentityKeySecret"} <= set(stateful)
    for logical_id, resource in stateful.items():
        assert resource.get("DeletionPolicy") == "Retain", logical_id
        assert resource.get("UpdateReplacePolicy") == "Retain", logical_id


def test_every_table_has_point_in_time_recovery(template):
    for logical_id, table in of_type(template, "AWS::DynamoDB::Table").items():
        recovery = table["Properties"].get("PointInTimeRecoverySpecification")
        assert recovery == {"PointInTimeRecoveryEnabled": True}, logical_id


def test_the_key_parameter_defaults_to_aws_managed_encryption(template):
    parameter = template["Parameters"]["KmsKeyArn"]
    assert parameter["Default"] == ""
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.match("")
    assert pattern.match("arn:aws-cn:kms:cn-northwest-1:123456789012:key/1234abcd-12ab-34cd-56ef")
    assert not pattern.match("alias/aws/dynamodb")
    assert template["Conditions"]["HasKmsKey"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "KmsKeyArn"}, ""]}]
    }


def test_the_key_when_set_encrypts_every_table_queue_secret_topic_log_and_the_bucket(template):
    for logical_id, table in of_type(template, "AWS::DynamoDB::Table").items():
        assert table["Properties"]["SSESpecification"] == {
            "SSEEnabled": True,
            "SSEType": {"Fn::If": ["HasKmsKey", "KMS", NO_VALUE]},
            "KMSMasterKeyId": WITH_KEY,
        }, logical_id
    queues = of_type(template, "AWS::SQS::Queue")
    assert len(queues) == 7
    for logical_id, queue in queues.items():
        assert queue["Properties"]["KmsMasterKeyId"] == WITH_KEY, logical_id
        # SQS-managed encryption otherwise: never both, never neither
        managed = {"Fn::If": ["HasKmsKey", False, True]}
        assert queue["Properties"]["SqsManagedSseEnabled"] == managed, logical_id
    for logical_id, secret in of_type(template, "AWS::SecretsManager::Secret").items():
        assert secret["Properties"]["KmsKeyId"] == WITH_KEY, logical_id
    for logical_id, topic in of_type(template, "AWS::SNS::Topic").items():
        assert topic["Properties"]["KmsMasterKeyId"] == WITH_KEY, logical_id
    for logical_id, group in of_type(template, "AWS::Logs::LogGroup").items():
        assert group["Properties"]["KmsKeyId"] == WITH_KEY, logical_id
    for logical_id, function in of_type(template, "AWS::Serverless::Function").items():
        assert function["Properties"]["KmsKeyArn"] == WITH_KEY, logical_id  # its environment
    [rule] = template["Resources"]["ArchiveBucket"]["Properties"]["BucketEncryption"][
        "ServerSideEncryptionConfiguration"
    ]
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": WITH_KEY,
    }
    assert rule["BucketKeyEnabled"] is True


def test_every_function_may_use_the_key_only_when_there_is_one(template):
    use = {
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": KEY,
    }
    for function in SECRETS:
        assert {"Fn::If": ["HasKmsKey", use, NO_VALUE]} in statements(template, function)
        unconditional = [s for s in statements(template, function) if "Action" in s]
        assert not [s for s in unconditional if any("kms:" in a for a in s["Action"])], function


def test_the_archive_is_private_and_answers_tls_requests_only(template):
    bucket = template["Resources"]["ArchiveBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    [policy] = of_type(template, "AWS::S3::BucketPolicy").values()
    assert policy["Properties"]["Bucket"] == {"Ref": "ArchiveBucket"}
    [deny] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [
        {"Fn::GetAtt": ["ArchiveBucket", "Arn"]},
        {"Fn::Sub": "${ArchiveBucket.Arn}/*"},
    ]


def test_the_archive_keeps_raw_evidence_for_the_window_and_no_stale_versions_or_parts(template):
    bucket = template["Resources"]["ArchiveBucket"]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {rule["Prefix"]: rule for rule in bucket["LifecycleConfiguration"]["Rules"]}
    assert set(rules) == {
        "pushes/",
        "uploads/",
        "check-results/",
        "check-inputs/",
        "batches/",
        "checkpoints/fresh/",
    }
    assert rules.pop("check-results/")["ExpirationInDays"] == 30  # answers, kept 30 days
    # a witness's latest cosignature of an idle log's checkpoint, rewritten hourly (review 52)
    assert rules.pop("checkpoints/fresh/")["ExpirationInDays"] == 30
    assert rules.pop("check-inputs/")["ExpirationInDays"] == 7  # a check's codes: a week
    assert rules.pop("batches/")["ExpirationInDays"] == 7  # batched delivery's files
    for rule in rules.values():
        assert rule["Status"] == "Enabled"
        assert rule["ExpirationInDays"] == {"Ref": "EvidenceDays"}  # infra/evidence_window.py
        assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
        assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}


def test_each_function_logs_to_its_own_group_with_the_stacks_retention(template):
    parameter = template["Parameters"]["LogRetentionDays"]
    assert parameter["Default"] == 180
    assert 180 in parameter["AllowedValues"]
    groups = {
        group["Properties"]["LogGroupName"]["Fn::Sub"]: group["Properties"]
        for group in of_type(template, "AWS::Logs::LogGroup").values()
    }
    functions = of_type(template, "AWS::Serverless::Function")
    assert set(functions) == set(SECRETS)
    for function in functions:
        group = groups.pop("/aws/lambda/${" + function + "}")
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert groups == {}


def test_each_function_reads_only_the_secrets_it_uses(template):
    for function, expected in SECRETS.items():
        readable: set[str] = set()
        for statement in statements(template, function):
            if "secretsmanager:GetSecretValue" in statement.get("Action", []):
                resources = statement["Resource"]
                for resource in resources if isinstance(resources, list) else [resources]:
                    readable.add(resource["Ref"])
        assert readable == expected, function
        actions = [a for s in statements(template, function) for a in s.get("Action", [])]
        assert [a for a in actions if a.startswith("secretsmanager:")] == (
            ["secretsmanager:GetSecretValue"] if expected else []
        ), function


def test_s3_notifies_the_upload_queue_under_its_partitions_principal(template):
    assert template["Conditions"]["InChinaPartition"] == {
        "Fn::Equals": [{"Ref": "AWS::Partition"}, "aws-cn"]
    }
    [statement] = template["Resources"]["UploadQueuePolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    assert statement["Principal"] == {
        "Service": {"Fn::If": ["InChinaPartition", "s3.amazonaws.com.cn", "s3.amazonaws.com"]}
    }
    assert statement["Action"] == "sqs:SendMessage"
    assert "aws:SourceAccount" in statement["Condition"]["StringEquals"]


def test_every_scanner_skip_gives_its_reason():
    lines = (ROOT / "infra" / "checkov.yaml").read_text(encoding="utf-8").splitlines()
    skips = [i for i, line in enumerate(lines) if re.fullmatch(r"  - CKV2?_AWS_\d+", line)]
    assert skips
    for i in skips:
        assert lines[i - 1].startswith("  # "), lines[i]
    assert Path(ROOT / "Makefile").read_text(encoding="utf-8").count("checkov==3.3.30") == 1


def table_actions(template: dict[str, Any], function: str, table: str) -> set[str]:
    arn = {"Fn::GetAtt": [table, "Arn"]}
    found: set[str] = set()
    for statement in statements(template, function):
        resource = statement.get("Resource")
        if arn in (resource if isinstance(resource, list) else [resource]):
            found |= set(statement["Action"])
    return found


def test_the_api_cannot_delete_from_the_exchange_log_and_has_the_tick_run_elsewhere(template):
    api = table_actions(template, "APIHandler", "ExchangeLogTable")
    assert {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"} <= api  # appends
    assert not api & {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    assert not [a for a in api if "*" in a]
    # a purge erases logged bodies: the lifecycle function's role alone may, and the API's
    # POST /v1/tick invokes that function (chalicelib/tick_function.py)
    deleting = {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    for function in SECRETS:
        may_delete = deleting <= table_actions(template, function, "ExchangeLogTable")
        assert may_delete == (function == "LifecycleTick"), function
    resources = template["Resources"]
    variables = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert variables["CG_LIFECYCLE_FUNCTION"] == {"Ref": "LifecycleTick"}
    assert {
        "Effect": "Allow",
        "Action": ["lambda:InvokeFunction"],
        "Resource": {"Fn::GetAtt": ["LifecycleTick", "Arn"]},
    } in statements(template, "APIHandler")
    for function in set(SECRETS) - {"APIHandler"}:
        assert (
            "CG_LIFECYCLE_FUNCTION"
            not in (resources[function]["Properties"]["Environment"]["Variables"])
        ), function


def test_only_the_purge_deletes_a_listing(template):
    """A listing deleted reaches every subscriber as a ``purged`` tombstone: the lifecycle
    function alone may (review 46d), while the others still write what they write."""
    deleting = {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    for function in SECRETS:
        actions = table_actions(template, function, "ListingsTable")
        assert bool(deleting & actions) == (function == "LifecycleTick"), function
    for function in ("APIHandler", "DeliverWebhooks", "IngestUploads"):
        assert {"dynamodb:PutItem", "dynamodb:UpdateItem"} <= table_actions(
            template, function, "ListingsTable"
        ), function
    assert "dynamodb:DeleteItem" not in table_actions(
        template, "DeliverWebhooks", "SubscriptionsTable"
    )


def test_the_functions_that_only_count_update_activity_items_and_nothing_else(template):
    """Fan-out and delivery keep the console's hourly counters and the monthly statistics in
    the batches table, which also holds nonces and console sessions: they may update
    ``activity#`` and ``stats#`` items only."""
    arn = {"Fn::GetAtt": ["BatchesTable", "Arn"]}
    for function in ("FanOutChanges", "DeliverWebhooks"):
        [statement] = [
            s
            for s in statements(template, function)
            if arn in (s.get("Resource") if isinstance(s.get("Resource"), list) else [])
        ]
        assert statement["Action"] == ["dynamodb:UpdateItem"], function
        keys = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        assert keys == ["activity#*", "stats#*"], function


def test_the_tick_reads_the_statistics_index_and_updates_only_the_presents_counters(template):
    """The tick removes the present's counters fallen to 0: it queries the statistics index
    (counters only) and updates ``stats#now#`` items, and touches nothing else of the batches
    table (nonces, the push ledger, console sessions)."""
    held = [s for s in statements(template, "LifecycleTick") if "BatchesTable" in json.dumps(s)]
    assert [(s["Action"], s["Resource"], s.get("Condition")) for s in held] == [
        (
            ["dynamodb:Query"],
            [{"Fn::Sub": "${BatchesTable.Arn}/index/by_stats_bucket"}],
            None,
        ),
        (
            ["dynamodb:UpdateItem"],
            [{"Fn::GetAtt": ["BatchesTable", "Arn"]}],
            {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["stats#now#*"]}},
        ),
    ]


def test_fan_out_and_re_evaluation_write_only_the_pages_of_what_they_queue(template):
    """Both queue deliveries, so both write the pages that list them (``delivery_pages``) and
    the recognitions of those too large for a message (``recognition#``: review 376); neither
    may write a delivery record (only the delivery function settles those)."""
    arn = {"Fn::GetAtt": ["DeliveriesTable", "Arn"]}
    for function in ("FanOutChanges", "ReevaluateAgreements"):
        held = [
            s
            for s in statements(template, function)
            if arn in (s.get("Resource") if isinstance(s.get("Resource"), list) else [])
        ]
        writes = [s for s in held if set(s["Action"]) & set(WRITE)]
        assert [s["Action"] for s in writes] == [["dynamodb:BatchWriteItem", "dynamodb:PutItem"]], (
            function
        )
        keys = writes[0]["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        assert keys == ["page#*", "recognition#*"], function


def test_only_the_purge_and_the_check_destroy_check_results_and_never_their_reports(template):
    """A purge destroys the result files that answered with its listing (the lifecycle
    function), a check its own file if one of them was purged meanwhile (the upload function);
    the signed reports, proof of what was asked, no role may delete."""
    deleting = {"s3:DeleteObject", "s3:DeleteObjectVersion"}
    for function in SECRETS:
        granted = [
            s["Resource"]
            for s in statements(template, function)
            if deleting & set(s.get("Action", [])) and "check-results" in json.dumps(s["Resource"])
        ]
        expected = (
            [{"Fn::Sub": "${ArchiveBucket.Arn}/check-results/*.ndjson"}]
            if function in ("LifecycleTick", "IngestUploads")
            else []
        )
        assert granted == expected, function


def test_the_upload_worker_reads_only_uploads_check_inputs_and_checkpoints(template):
    """The function that parses regions' files reads those and the log's checkpoints, never
    the rest of the archive: raw pushes hold ID numbers in full (review 111 F5)."""
    readable = [
        resource
        for s in statements(template, "IngestUploads")
        if "s3:GetObject" in s.get("Action", [])
        for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    assert readable == [
        {"Fn::Sub": f"${{ArchiveBucket.Arn}}/{prefix}*"}
        for prefix in ("uploads/", "check-inputs/", "checkpoints/")
    ]


def test_each_deployment_names_its_own_log_and_has_no_default_name(template):
    """Checkpoints are signed under the log's origin, by which witnesses and subscribers keep
    their state: a shared default would make every stack's log look like one (review 111 F4)."""
    parameter = template["Parameters"]["LogOrigin"]
    assert "Default" not in parameter
    for function in SECRETS:
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert variables["CG_LOG_ORIGIN"] == {"Ref": "LogOrigin"}, function


@pytest.mark.parametrize(
    ("parameter", "setting"),
    [
        ("AnonymousQueriesPerMinute", "anonymous_queries_per_minute"),
        ("PersonalLookupsPerMinute", "personal_lookups_per_minute"),
        ("TriesPerMaskedNumberPerDay", "tries_per_masked_number_per_day"),
        ("ChecksPerMinute", "checks_per_minute"),
        ("QueryTrailDays", "query_trail_days"),
        ("EvidenceDays", "evidence_days"),
    ],
)
def test_a_value_the_stack_accepts_is_one_the_functions_accept(template, parameter, setting):
    """Above a setting's bound the functions fail every invocation reading their settings: the
    stack refuses it instead (review 111 F6)."""
    declared = template["Parameters"][parameter]
    for limit in Settings.model_fields[setting].metadata:
        if getattr(limit, "ge", None) is not None:
            assert declared["MinValue"] >= limit.ge
        if getattr(limit, "le", None) is not None:
            assert declared["MaxValue"] <= limit.le
