"""Build the template merged into ``chalice package``: resources, wiring, least-privilege IAM.

``infra/resources.json`` stays the one definition of tables, queues and the bucket (the local
stack provisions it as is); this adds what only a deployment needs: each function's settings
from ``Ref``/``GetAtt``, its own IAM policy (``infra/function_policies.py``), the event
sources' real ARNs (and partial batch failures for the queue), the secrets, alarms, and data
protection (``infra/protection.py``). ARNs use ``${AWS::Partition}``, so the same template
deploys to ``aws`` and ``aws-cn``.

Usage: ``python -m infra.package OUT.json``
"""

from __future__ import annotations

import copy
import json
import sys
from typing import Any

from chalicelib.settings import LOG_ORIGIN_PATTERN
from infra import monitoring, resource_template
from infra.evidence_window import evidence_parameter, evidence_window
from infra.function_policies import arn, function_statements
from infra.gateway_responses import gateway_responses
from infra.protection import (
    bucket_policy,
    log_groups,
    protect,
    protection_conditions,
    protection_parameters,
    secrets,
)
from infra.query_limits import query_parameters, query_throttle
from infra.sizing import (
    DELIVERY_VISIBILITY_TIMEOUT,
    INGEST_RANGES_AT_ONCE,
    SIZES,
    function_sizes,
)
from infra.stream_failures import stream_event_source

FUNCTIONS = {  # Chalice's logical ids for app.py's handlers
    "APIHandler": "ApiHandlerRole",
    "FanOutChanges": "FanOutChangesRole",
    "DeliverWebhooks": "DeliverWebhooksRole",
    "LifecycleTick": "LifecycleTickRole",
    "IngestUploads": "IngestUploadsRole",
    "ReevaluateAgreements": "ReevaluateAgreementsRole",
}


_SEVERITY = '"(general|relatively_serious|serious)"'
_SEVERITY_LIST = rf"^\[ *{_SEVERITY}( *, *{_SEVERITY}){{0,2}} *\]$"


def _environment(resources: dict[str, Any]) -> dict[str, Any]:
    variables: dict[str, Any] = {
        "CG_STAGE": {"Ref": "Stage"},
        "CG_AWS_REGION": {"Ref": "AWS::Region"},
        "CG_SIGNING_KEY_SECRET_ARN": {"Ref": "SigningKeySecret"},
        "CG_OPERATOR_TOKEN_SECRET_ARN": {"Ref": "OperatorTokenSecret"},
        "CG_TRAIL_KEY_SECRET_ARN": {"Ref": "TrailKeySecret"},
        "CG_IDENTITY_KEY_SECRET_ARN": {"Ref": "IdentityKeySecret"},
        "CG_ANONYMOUS_QUERIES_PER_MINUTE": {"Ref": "AnonymousQueriesPerMinute"},
        "CG_PERSONAL_LOOKUPS_PER_MINUTE": {"Ref": "PersonalLookupsPerMinute"},
        "CG_CHECKS_PER_MINUTE": {"Ref": "ChecksPerMinute"},
        "CG_TRIES_PER_MASKED_NUMBER_PER_DAY": {"Ref": "TriesPerMaskedNumberPerDay"},
        "CG_QUERY_TRAIL_DAYS": {"Ref": "QueryTrailDays"},
        "CG_SIGNING_KEY_ID": {"Ref": "SigningKeyId"},
        "CG_PUBLISHED_KEYS": {"Ref": "PublishedKeys"},
        "CG_SM2_SIGNING": {"Ref": "Sm2Signing"},
        "CG_SM2_KEY_ID": {"Ref": "Sm2KeyId"},
        "CG_BLACK_LIST_SEVERITIES": {"Ref": "BlackListSeverities"},
        "CG_UPWARD_REPORTING": {"Ref": "UpwardReporting"},
        "CG_WITNESSES": {"Ref": "Witnesses"},  # chalicelib/witnessing.py
        "CG_LOG_ORIGIN": {"Ref": "LogOrigin"},
        "CG_LISTINGS_STREAM_ARN": {"Fn::GetAtt": ["ListingsTable", "StreamArn"]},
        "CG_DELIVERY_QUEUE_ARN": {"Fn::GetAtt": ["DeliveryQueue", "Arn"]},
        "CG_UPLOAD_QUEUE_ARN": {"Fn::GetAtt": ["UploadQueue", "Arn"]},
        "CG_REEVALUATION_QUEUE_ARN": {"Fn::GetAtt": ["ReevaluationQueue", "Arn"]},
        "CG_OPERATOR_AUTH": "iam",
        "CG_EVIDENCE_DAYS": {"Ref": "EvidenceDays"},
        **monitoring.environment(),  # Powertools, the operations topic
    }
    for logical_id, resource in resources.items():
        setting = resource.get("Metadata", {}).get("EnvVar")
        if setting:
            variables[setting] = {"Ref": logical_id}
    return variables


def merge_template() -> dict[str, Any]:
    base = copy.deepcopy(resource_template())
    resources: dict[str, Any] = base["Resources"]
    evidence_window(resources)
    environment = _environment(resources)
    merged: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {
            "Stage": {"Type": "String", "AllowedValues": ["dev", "prod"], "Default": "prod"},
            "SigningKeyId": {
                "Type": "String",
                "Default": "gw-1",
                "AllowedPattern": "^[A-Za-z0-9._-]{3,64}$",
            },
            "PublishedKeys": {
                "Type": "String",
                "Default": "[]",
                "Description": "gateway keys receivers accept besides the signing one (key "
                "rotation): JSON [{key_id, public_key, valid_until?}]",
            },
            "Sm2Signing": {
                "Type": "String",
                "AllowedValues": ["false", "true"],
                "Default": "false",
                "Description": "true: the gateway also holds an SM2 key (GM/T 0003), lists it "
                "at /v1/keys, signs v1sm2 subscriptions' webhooks and co-signs checkpoints",
            },
            "Sm2KeyId": {
                "Type": "String",
                "Default": "gw-1.sm2",
                "AllowedPattern": "^[A-Za-z0-9._-]{3,64}$",
                "Description": "the SM2 key's id (rotate it with SigningKeyId)",
            },
            "BlackListSeverities": {
                "Type": "String",
                "Default": '["serious"]',
                # a JSON list of one to three severities, so a typo fails the deployment rather
                # than every request after it
                "AllowedPattern": _SEVERITY_LIST,
                "Description": "JSON list of the severities that make a black listing (joint "
                "punishment); the others are dishonesty records (失信记录) without measures",
            },
            "UpwardReporting": {
                "Type": "String",
                "Default": '{"rules": []}',
                "Description": "向上报送: JSON {rules: [{rule, target, kinds, domains, severities, "
                "within_hours}]}: what must reach the national platform (100000) or a province, "
                "and how soon; the monthly statistics report each rule's on-time share",
            },
            "LogOrigin": {
                "Type": "String",
                # no default: each deployment names its own log, once (witnesses and
                # subscribers keep state by it; a changed origin is another log)
                "AllowedPattern": LOG_ORIGIN_PATTERN,
                "Description": "the exchange log's name in its signed checkpoints (C2SP origin "
                "line and signed-note key name), unique to this deployment and never changed, "
                "e.g. credit.example.gov.cn/exchange-log",
            },
            "Witnesses": {
                "Type": "String",
                "Default": "[]",
                "Description": "witnesses that cosign the log's checkpoints (C2SP tlog-witness): "
                "JSON [{name, vkey, url}], url https; the tick and the API post to them, as "
                "fan-out's deliveries do to subscribers (no VPC: see infra/checkov.yaml)",
            },
            "AlarmEmail": {
                "Type": "String",
                "Default": "",
                "Description": "where alarms go (empty: none)",
            },
            **evidence_parameter(),
            **query_parameters(),
            **protection_parameters(),
        },
        "Conditions": {
            "HasAlarmEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]},
            **protection_conditions(),
        },
        "Resources": {
            **resources,
            **secrets(),
            **monitoring.alarms(list(FUNCTIONS)),
            **bucket_policy(),
            **log_groups(list(FUNCTIONS)),
        },
    }
    for function, role in FUNCTIONS.items():
        merged["Resources"][function] = {"Properties": {"Environment": {"Variables": environment}}}
        merged["Resources"][role] = {
            "Properties": {
                "Policies": [
                    {
                        "PolicyName": f"{role}Policy",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": function_statements(function),
                        },
                    }
                ]
            }
        }
    protect(merged["Resources"], list(FUNCTIONS))  # retained, encrypted: infra/protection.py
    merged["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"] = {
        **environment,
        "CG_LIFECYCLE_FUNCTION": {"Ref": "LifecycleTick"},  # chalicelib/tick_function.py
    }
    merged["Resources"]["RestAPI"] = {
        "Properties": {"MethodSettings": query_throttle(), "GatewayResponses": gateway_responses()}
    }
    monitoring.traced(merged["Resources"], list(FUNCTIONS))  # X-Ray
    for function, sizes in function_sizes().items():  # each value's reason: infra/sizing.py
        merged["Resources"][function]["Properties"].update(sizes)
    merged["Resources"]["DeliveryQueue"]["Properties"]["VisibilityTimeout"] = (
        DELIVERY_VISIBILITY_TIMEOUT
    )
    merged["Resources"]["FanOutChanges"]["Properties"]["Events"] = {
        "FanOutChangesDynamodbEventSource": stream_event_source()  # infra/stream_failures.py
    }
    merged["Resources"]["DeliverWebhooks"]["Properties"]["Events"] = {
        "DeliverWebhooksSqsEventSource": {
            "Type": "SQS",
            "Properties": {
                "Queue": arn("DeliveryQueue"),
                "BatchSize": 10,
                # Chalice leaves this out; the handler returns partial batch failures.
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                # Pollers capped at the reservation: a throttled batch would come back after
                # the visibility timeout while Lambda may still retry it (a second POST).
                "ScalingConfig": {
                    "MaximumConcurrency": SIZES["DeliverWebhooks"]["ReservedConcurrentExecutions"]
                },
            },
        }
    }
    merged["Resources"]["IngestUploads"]["Properties"]["Events"] = {
        "IngestUploadsSqsEventSource": {
            "Type": "SQS",
            # One upload (or range) per invocation: the handler raises on failure, SQS retries
            # it. Pollers capped at the reservation: a split upload queues more ranges than run
            # at once, and a throttled poll would count towards the dead-letter queue.
            "Properties": {
                "Queue": arn("UploadQueue"),
                "BatchSize": 1,
                "ScalingConfig": {"MaximumConcurrency": INGEST_RANGES_AT_ONCE},
            },
        }
    }
    merged["Resources"]["ReevaluateAgreements"]["Properties"]["Events"] = {
        "ReevaluateAgreementsSqsEventSource": {
            "Type": "SQS",
            # One job per invocation: the handler raises on failure, SQS retries it. Pollers
            # capped at the reservation, as for the ingest: a throttled receive would count
            # towards the dead-letter queue, and a job dead-lettered unrun loses its changes.
            "Properties": {
                "Queue": arn("ReevaluationQueue"),
                "BatchSize": 1,
                "ScalingConfig": {
                    "MaximumConcurrency": SIZES["ReevaluateAgreements"][
                        "ReservedConcurrentExecutions"
                    ]
                },
            },
        }
    }
    return merged


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    with open(argv[1], "w", encoding="utf-8") as out:
        json.dump(merge_template(), out, ensure_ascii=False, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
