"""``POST /v1/tick`` on AWS: the API function has the lifecycle function run the tick.

A purge erases the listing's logged bodies and its feedback before deleting it, and only the
lifecycle function's role may delete from the exchange log: the API's role only reads and
appends there, so whoever holds the API's credentials cannot erase the log. The API therefore
invokes the scheduled handler (``app.lifecycle_tick``) and answers with its report. Off AWS
(the local stack, tests) no function is configured and the route runs the tick itself.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from chalicelib.settings import Settings
from gateway_client.contract import Conflict

# One attempt: a retried invocation would run the tick twice (or meet the one running).
_CONFIG = Config(retries={"total_max_attempts": 1}, read_timeout=900)
ROUTE_SOURCE = "credit-gateway.tick-route"
"""The ``source`` of the event the route sends: the run answers its report, failed listings and
all, instead of failing for the alarm (``chalicelib.events.tick``)."""
_ERROR_TYPE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,99}")  # e.g. Runtime.ExitError


@cache
def _lambda(region: str) -> Any:
    return boto3.session.Session().client("lambda", region_name=region, config=_CONFIG)


def run_tick(settings: Settings, client: Any = None) -> dict[str, Any]:
    """The report of a tick run now by ``settings.lifecycle_function``."""
    lambda_client = client or _lambda(settings.aws_region)
    try:
        reply = lambda_client.invoke(
            FunctionName=settings.lifecycle_function,
            InvocationType="RequestResponse",
            Payload=json.dumps(scheduled_event(settings.aws_region)).encode(),
        )
    except lambda_client.exceptions.TooManyRequestsException as exc:  # reserved concurrency 1
        raise Conflict("the lifecycle tick is running now; ask again when it has finished") from exc
    payload = reply["Payload"].read()
    if reply.get("FunctionError"):
        raise RuntimeError(f"the lifecycle function failed: {_error_type(payload)}")
    report: dict[str, Any] = json.loads(payload)
    return report


def _error_type(payload: bytes) -> str:
    """Only the type of the function's error (its own log has the rest): the message is the
    exception's text, which may quote a listing's names and ID numbers, and this one is logged
    with its traceback by the API function."""
    try:
        found = json.loads(payload).get("errorType")
    except (ValueError, AttributeError):
        found = None
    if isinstance(found, str) and _ERROR_TYPE.fullmatch(found):
        return found
    return "unknown error"


def scheduled_event(region: str) -> dict[str, Any]:
    """What EventBridge's hourly schedule sends (``chalice.app.CloudWatchEvent`` reads it)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": ROUTE_SOURCE,
        "account": "",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [],
        "detail": {},
    }
