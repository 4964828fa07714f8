"""The Chalice app: routes and event sources only; each body is one call into ``chalicelib``.

Middleware gives every handler the same observability (``chalicelib.observability``): an
X-Ray subsegment and one JSON log line per request or event batch, correlated by the Lambda
request id.
"""

from __future__ import annotations

from typing import Any

from chalice.app import (
    Chalice,
    CloudWatchEvent,
    DynamoDBEvent,
    IAMAuthorizer,
    Rate,
    Request,
    Response,
    SQSEvent,
)

from chalicelib import (
    agreements_api,
    api,
    delivery_api,
    events,
    lifecycle_api,
    log_api,
    openapi,
    query_api,
    reports_api,
    stream_redrive,
    uploads_api,
    verification_api,
)
from chalicelib.http_errors import json_api
from chalicelib.observability import instrument
from chalicelib.settings import event_sources

app = Chalice(app_name="credit-gateway")
sources = event_sources()
# On AWS, API Gateway admits only IAM-signed callers to the operator-only routes; locally the
# route bodies check the operator token (``caller.require_operator`` does both).
OPERATOR_ONLY = IAMAuthorizer() if sources.operator_auth == "iam" else None
instrument(app)  # traces and one JSON log line per request or event batch


def _request() -> Request:
    current = app.current_request
    if current is None:
        raise RuntimeError("a route body ran outside a request")
    return current


@app.route("/v1/pushes", methods=["POST"])
@json_api
def push() -> Response:
    return api.push(_request())


@app.route("/v1/uploads", methods=["POST"])
@json_api
def request_upload() -> Response:
    return uploads_api.request_upload(_request())


@app.route("/v1/regions/{code}/uploads/{upload_id}", methods=["GET"])
@json_api
def get_upload(code: str, upload_id: str) -> Response:
    return uploads_api.get_upload(_request(), code, upload_id)


@app.route("/v1/subjects/{credit_code}", methods=["GET"])
@json_api
def subject(credit_code: str) -> Response:
    return query_api.subject(_request(), credit_code)


@app.route("/v1/subjects/{credit_code}/trail", methods=["GET"])
@json_api
def subject_trail(credit_code: str) -> Response:
    return query_api.trail(_request(), credit_code)


@app.route("/v1/subscriptions", methods=["POST"])
@json_api
def create_subscription() -> Response:
    return api.create_subscription(_request())


@app.route("/v1/keys", methods=["GET"])
@json_api
def gateway_keys() -> Response:
    return api.gateway_keys(_request())


@app.route("/v1/openapi.json", methods=["GET"])
@json_api
def openapi_document() -> Response:
    return openapi.document_response(_request())


@app.route("/v1/regions/{code}", methods=["PUT"], authorizer=OPERATOR_ONLY)
@json_api
def put_region(code: str) -> Response:
    return api.put_region(_request(), code)


@app.route("/v1/regions/{code}/keys", methods=["POST"], authorizer=OPERATOR_ONLY)
@json_api
def add_platform_key(code: str) -> Response:
    return api.add_platform_key(_request(), code)


@app.route("/v1/regions/{code}/keys", methods=["GET"], authorizer=OPERATOR_ONLY)
@json_api
def list_platform_keys(code: str) -> Response:
    return api.list_platform_keys(_request(), code)


@app.route("/v1/regions/{code}/keys/{key_id}", methods=["DELETE"], authorizer=OPERATOR_ONLY)
@json_api
def revoke_platform_key(code: str, key_id: str) -> Response:
    return api.revoke_platform_key(_request(), code, key_id)


@app.route("/v1/agreements", methods=["POST"], authorizer=OPERATOR_ONLY)
@json_api
def create_agreement() -> Response:
    return agreements_api.create_agreement(_request())


@app.route("/v1/agreements", methods=["GET"])
@json_api
def list_agreements() -> Response:
    return agreements_api.list_agreements(_request())


@app.route("/v1/agreements/{agreement_id}", methods=["PUT"], authorizer=OPERATOR_ONLY)
@json_api
def revise_agreement(agreement_id: str) -> Response:
    return agreements_api.revise_agreement(_request(), agreement_id)


@app.route("/v1/agreements/{agreement_id}", methods=["DELETE"], authorizer=OPERATOR_ONLY)
@json_api
def end_agreement(agreement_id: str) -> Response:
    return agreements_api.end_agreement(_request(), agreement_id)


@app.route("/v1/subjects/{credit_code}/listings/{listing_id}/objections", methods=["POST"])
@json_api
def file_objection(credit_code: str, listing_id: str) -> Response:
    return lifecycle_api.file_objection(_request(), credit_code, listing_id)


@app.route(
    "/v1/subjects/{credit_code}/listings/{listing_id}/objections/{objection_id}/decision",
    methods=["POST"],
)
@json_api
def decide_objection(credit_code: str, listing_id: str, objection_id: str) -> Response:
    return lifecycle_api.decide_objection(_request(), credit_code, listing_id, objection_id)


@app.route("/v1/subjects/{credit_code}/listings/{listing_id}/repair", methods=["POST"])
@json_api
def repair(credit_code: str, listing_id: str) -> Response:
    return lifecycle_api.repair(_request(), credit_code, listing_id)


@app.route("/v1/objections/overdue", methods=["GET"], authorizer=OPERATOR_ONLY)
@json_api
def overdue_objections() -> Response:
    return lifecycle_api.overdue_objections(_request())


@app.route("/v1/tick", methods=["POST"], authorizer=OPERATOR_ONLY)
@json_api
def run_tick() -> Response:
    return lifecycle_api.tick(_request())


@app.route("/v1/feedback", methods=["POST"])
@json_api
def post_feedback() -> Response:
    return reports_api.post_feedback(_request())


@app.route("/v1/subjects/{credit_code}/listings/{listing_id}/feedback", methods=["GET"])
@json_api
def listing_feedback(credit_code: str, listing_id: str) -> Response:
    return reports_api.listing_feedback(_request(), credit_code, listing_id)


@app.route("/v1/stats", methods=["GET"])
@json_api
def stats() -> Response:
    return reports_api.stats(_request())


@app.route("/v1/subscriptions/{subscription_id}", methods=["GET"])
@json_api
def get_subscription(subscription_id: str) -> Response:
    return log_api.get_subscription(_request(), subscription_id)


@app.route("/v1/subscriptions/{subscription_id}/replay", methods=["POST"])
@json_api
def replay(subscription_id: str) -> Response:
    return log_api.replay(_request(), subscription_id)


@app.route("/v1/subscriptions/{subscription_id}/deliveries", methods=["GET"])
@json_api
def list_deliveries(subscription_id: str) -> Response:
    return delivery_api.list_deliveries(_request(), subscription_id)


@app.route(
    "/v1/subscriptions/{subscription_id}/redrive", methods=["POST"], authorizer=OPERATOR_ONLY
)
@json_api
def redrive(subscription_id: str) -> Response:
    return delivery_api.redrive(_request(), subscription_id)


@app.route("/v1/subscriptions/{subscription_id}/enable", methods=["POST"])
@json_api
def enable_subscription(subscription_id: str) -> Response:
    return delivery_api.enable(_request(), subscription_id)


@app.route("/v1/subscriptions/{subscription_id}/verify", methods=["POST"])
@json_api
def verify_subscription(subscription_id: str) -> Response:
    return verification_api.verify(_request(), subscription_id)


@app.route("/v1/deliveries/{delivery_id}", methods=["GET"])
@json_api
def get_delivery(delivery_id: str) -> Response:
    return delivery_api.get_delivery(_request(), delivery_id)


@app.route("/v1/log", methods=["GET"])
@json_api
def log_entries() -> Response:
    return log_api.entries(_request())


@app.route("/v1/log/checkpoints", methods=["GET"])
@json_api
def log_checkpoints() -> Response:
    return log_api.checkpoints(_request())


@app.route("/v1/log/checkpoints", methods=["POST"], authorizer=OPERATOR_ONLY)
@json_api
def publish_checkpoint() -> Response:
    return log_api.checkpoint_now(_request())


@app.route("/v1/stream-failures/redrive", methods=["POST"], authorizer=OPERATOR_ONLY)
@json_api
def redrive_stream_failures() -> Response:
    return stream_redrive.redrive_route(_request())


@app.schedule(Rate(1, unit=Rate.HOURS))
def lifecycle_tick(event: CloudWatchEvent) -> dict[str, Any]:
    return events.tick()


@app.on_dynamodb_record(stream_arn=sources.listings_stream_arn, batch_size=100)
def fan_out_changes(event: DynamoDBEvent) -> None:
    events.fan_out(event.to_dict()["Records"])


@app.on_sqs_message(queue_arn=sources.delivery_queue_arn, batch_size=10)
def deliver_webhooks(event: SQSEvent) -> dict[str, Any]:
    return events.deliver(event.to_dict()["Records"])


@app.on_sqs_message(queue_arn=sources.upload_queue_arn, batch_size=1)
def ingest_uploads(event: SQSEvent) -> None:
    events.ingest_uploads(event.to_dict()["Records"], event.context)
