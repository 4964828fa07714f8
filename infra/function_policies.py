"""Each function's own IAM statements (least privilege), for ``infra/package.py``'s roles.

Why a module of its own: what each handler may touch is the part of the template a review reads
most closely; kept apart from the merge's wiring, one function's grants read in one place (its
tables' in ``infra/table_access.py``, secrets' and keys' in ``infra/protection.py``).
"""

from __future__ import annotations

from typing import Any

from infra import monitoring
from infra.protection import kms_statement, secret_statements, tick_statement
from infra.stream_failures import on_failure_statement, redrive_statements
from infra.table_access import table_statements


def arn(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def function_statements(function: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": {
                "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"
            },
        },
        *secret_statements(function),  # only the secrets it reads: infra/protection.py
        kms_statement(),
        *monitoring.statements(function),  # X-Ray; the operations topic
    ]
    if function == "APIHandler":
        statements.append(tick_statement())  # POST /v1/tick runs in the lifecycle function
    statements += table_statements(function)  # infra/table_access.py
    bucket = {"Fn::Sub": "${ArchiveBucket.Arn}/*"}
    if function in ("APIHandler", "LifecycleTick"):
        statements.append(
            {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": bucket}
        )
        statements.append(
            {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": arn("ArchiveBucket")}
        )
        statements += _batch_files()  # a purge rewrites the batch files holding the listing
    if function == "LifecycleTick":  # the purge (the API invokes it: it deletes no answers)
        statements += _check_results()
    if function in ("APIHandler", "LifecycleTick"):  # a revision's job; the tick's jobs
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": arn("ReevaluationQueue"),
            }
        )
    if function == "ReevaluateAgreements":
        statements.append(_consume("ReevaluationQueue", "sqs:SendMessage"))  # continuations
        # a listing's receipts read the change ids logged for it (review 271)
        statements.append(_objects_under("log-chunks/", "s3:GetObject"))
    if function in ("APIHandler", "FanOutChanges", "ReevaluateAgreements"):
        # queue deliveries; the API also reads the backlog (the console's overview)
        reads = ["sqs:GetQueueAttributes"] if function == "APIHandler" else []
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["sqs:SendMessage", *reads],
                "Resource": arn("DeliveryQueue"),
            }
        )
    if function == "DeliverWebhooks":  # a delivery held back while its subscription was
        # released re-drives what that release's sweep may have missed: rebuilt from the
        # log's chunks, queued again (gateway.delivery.redriving: Redriving.released)
        statements.append(
            {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": arn("DeliveryQueue")}
        )
        statements.append(_objects_under("log-chunks/", "s3:GetObject"))
    if function == "APIHandler":
        statements += redrive_statements()  # infra/stream_failures.py
    if function == "IngestUploads":
        statements += _ingest_statements()
        statements += _check_results()
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": arn("ArchiveBucket"),
                "Condition": {"StringLike": {"s3:prefix": "check-results/*"}},
            }
        )
    if function == "FanOutChanges":
        statements.append(
            {
                "Effect": "Allow",
                "Action": [
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:ListStreams",
                ],
                "Resource": {"Fn::GetAtt": ["ListingsTable", "StreamArn"]},
            }
        )
        statements.append(on_failure_statement())
        statements.append(_log_objects())
        # writes each batch file; takes an erased listing's lines out of one it just wrote
        statements += _batch_files("s3:PutObject", "s3:GetObject")
    if function == "DeliverWebhooks":
        statements.append(_consume("DeliveryQueue"))
        # presigns each batch's link (signed with this role), reads its lines, masks in it
        # those its region no longer recognises before announcing it, deletes it
        statements += _batch_files("s3:GetObject", "s3:PutObject")
    if function in ("DeliverWebhooks", "FanOutChanges"):
        # a batch file a settling or a purge removed is read as gone (404) only by a role that
        # may list the bucket: without it S3 answers 403, and a delivery of a batch whose file
        # is gone crashed its whole SQS batch, on AWS alone (review 142). GetObject carries no
        # s3:prefix, so the grant cannot be narrowed to batches/; the keys name no person.
        statements.append(
            {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": arn("ArchiveBucket")}
        )
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": arn("DeliveryDeadLetterQueue"),
            }
        )
    return statements


def _log_objects() -> dict[str, Any]:
    """Fan-out appends and publishes the exchange log (chalicelib/dynamodb/log_chunks.py,
    chalicelib/log_publishing.py): it writes each appended chunk's object, reads the chunks and
    the partial tiles it extends and writes tiles, entry bundles and checkpoints, under those
    prefixes only."""
    return {
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": [
            {"Fn::Sub": "${ArchiveBucket.Arn}/log/*"},
            {"Fn::Sub": "${ArchiveBucket.Arn}/checkpoints/*"},
            {"Fn::Sub": "${ArchiveBucket.Arn}/log-chunks/*"},
        ],
    }


def _objects_under(prefix: str, *actions: str, suffix: str = "") -> dict[str, Any]:
    """``actions`` on the archive's objects under ``prefix`` (named ``…suffix``) only."""
    return {
        "Effect": "Allow",
        "Action": list(actions),
        "Resource": {"Fn::Sub": f"${{ArchiveBucket.Arn}}/{prefix}*{suffix}"},
    }


def _destroy_under(prefix: str, *also: str, suffix: str = "") -> list[dict[str, Any]]:
    """Destroy objects under ``prefix`` (named ``…suffix``), every version, and ``also`` more
    on them."""
    return [
        _objects_under(prefix, "s3:DeleteObject", "s3:DeleteObjectVersion", *also, suffix=suffix),
        {
            "Effect": "Allow",
            "Action": ["s3:ListBucketVersions"],
            "Resource": arn("ArchiveBucket"),
            "Condition": {"StringLike": {"s3:prefix": f"{prefix}*"}},
        },
    ]


def _batch_files(*also: str) -> list[dict[str, Any]]:
    """Destroy batch files, every version (a settled batch's, or one a purge erases), and
    ``also`` more on them."""
    return _destroy_under("batches/", *also)


def _check_results() -> list[dict[str, Any]]:
    """Destroy bulk checks' result files (``.ndjson``: never their signed reports), every
    version: a purge destroys those that answered with its listing, and a check those that
    answered with one purged while it ran (``chalicelib/check_answers.py``)."""
    return _destroy_under("check-results/", suffix=".ndjson")


def _consume(queue: str, *also: str) -> dict[str, Any]:
    """What an SQS event source mapping needs of its queue (and ``also`` more)."""
    return {
        "Effect": "Allow",
        "Action": [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueAttributes",
            *also,
        ],
        "Resource": arn(queue),
    }


def _ingest_statements() -> list[dict[str, Any]]:
    """Read the uploaded file (any version: an upload's or a bulk check's input) and the log's
    checkpoints (a check's signed report is pinned to one), never the rest of the archive (raw
    pushes hold ID numbers in full); consume the upload queue, queue continuations, and write a
    bulk check's result file (under check-results/ only)."""
    return [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": [
                {"Fn::Sub": f"${{ArchiveBucket.Arn}}/{prefix}*"}
                for prefix in ("uploads/", "check-inputs/", "checkpoints/")
            ],
        },
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject"],
            "Resource": {"Fn::Sub": "${ArchiveBucket.Arn}/check-results/*"},
        },
        _consume("UploadQueue", "sqs:SendMessage"),
    ]
