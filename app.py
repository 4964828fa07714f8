"""The Chalice app: its routes, registered from their declarations (``chalicelib.routing``), and
its event sources; each body is one call into ``chalicelib``.

Middleware gives every handler the same observability (``chalicelib.observability``): an
X-Ray subsegment and one JSON log line per request or event batch, correlated by the Lambda
request id.
"""

from __future__ import annotations

from typing import Any

from chalice.app import (
    Chalice,
    CloudWatchEvent,
    Cron,
    DynamoDBEvent,
    IAMAuthorizer,
    SQSEvent,
)

from chalicelib import events, reevaluations, upload_events
from chalicelib.heap import freeze_import_heap
from chalicelib.observability import instrument
from chalicelib.routing import register
from chalicelib.settings import STREAM_BATCH_SIZE, event_sources

app = Chalice(app_name="credit-gateway")
sources = event_sources()
# On AWS, API Gateway admits only IAM-signed callers to the operator-only routes; locally the
# route bodies check the operator token (``caller.require_operator`` does both).
OPERATOR_ONLY = IAMAuthorizer() if sources.operator_auth == "iam" else None
instrument(app)  # traces and one JSON log line per request or event batch


register(app, OPERATOR_ONLY)  # every route, as its module declares it


# At the top of every hour, not an hour after deployment: a period ends at midnight Beijing time
# (16:00 UTC), and a listing past its ``valid_until`` stays recognised until the tick expires it.
@app.schedule(Cron(0, "*", "*", "*", "?", "*"))
def lifecycle_tick(event: CloudWatchEvent) -> dict[str, Any]:
    return events.tick(event.context, event.source)


@app.on_dynamodb_record(stream_arn=sources.listings_stream_arn, batch_size=STREAM_BATCH_SIZE)
def fan_out_changes(event: DynamoDBEvent) -> None:
    events.fan_out(event.to_dict()["Records"])


@app.on_sqs_message(queue_arn=sources.delivery_queue_arn, batch_size=10)
def deliver_webhooks(event: SQSEvent) -> dict[str, Any]:
    return events.deliver(event.to_dict()["Records"], event.context)


@app.on_sqs_message(queue_arn=sources.upload_queue_arn, batch_size=1)
def ingest_uploads(event: SQSEvent) -> None:
    upload_events.ingest_uploads(event.to_dict()["Records"], event.context)


@app.on_sqs_message(queue_arn=sources.reevaluation_queue_arn, batch_size=1)
def reevaluate_agreements(event: SQSEvent) -> None:
    reevaluations.run(event.to_dict()["Records"], event.context)


freeze_import_heap()  # last: every import and registration above is done (chalicelib.heap)
