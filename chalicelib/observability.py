"""Logs, metrics and traces for every handler, with AWS Lambda Powertools.

Why here: ``gateway/`` stays pure and logs through the standard ``logging`` module under
``credit_gateway.*``; this module gives those records and the adapters' own one JSON formatter
carrying the invocation's correlation keys (Lambda request id, batch, delivery, subscription),
and passes every line through ``mask_ids_in`` so no resident ID number reaches a log whatever a
message holds. Metrics are CloudWatch embedded metric format (EMF) lines on stdout: Lambda's log
stream turns them into metrics, with no API call and no permission. Each emission is its own
EMF document with its own dimensions, so concurrent handlers (the local stack runs several
threads) never mix one push's region into another's metrics.

Configuration is Powertools' own environment: ``POWERTOOLS_SERVICE_NAME``,
``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``, ``POWERTOOLS_TRACE_DISABLED`` (the
deployed template and the local stack set them; tracing is also off outside Lambda).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from chalice.app import Chalice, ConvertToMiddleware, Request, Response

from gateway_client.contract import mask_ids_in, resident_ids_masked, shown_input, values_masked

SERVICE = "credit-gateway"
NAMESPACE = "CreditGateway"
# The domain's and the adapters' standard loggers all live under this name.
_DOMAIN_LOGGERS = "credit_gateway"
_KEY_LIMIT = 128  # correlation values come from requests: keep a hostile header short


class _MaskingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON line, with every run shaped like a resident ID masked, and every valid
    one however it is written (next to letters, with separators: a client's batch id is logged
    before its signature is checked, and may hold anything its pattern allows). The latter is
    masked in each value before the line is serialised: masking may normalise the text it
    changes (full-width quotes become quotes), which inside a value JSON escapes, and across a
    whole line would let a header forge its fields."""

    def __init__(self, **options: Any) -> None:
        super().__init__(json_default=_masked_text, **options)

    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        return super().serialize(values_masked(log))

    def format(self, record: logging.LogRecord) -> str:
        return mask_ids_in(super().format(record))


def _masked_text(value: object) -> str:
    """Anything logged that is not JSON (an exception in ``stack_trace``, a set, bytes, an
    object), as its text, masked as a string value is."""
    return resident_ids_masked(str(value))


logger = Logger(
    service=os.environ.get("POWERTOOLS_SERVICE_NAME") or SERVICE,
    logger_formatter=_MaskingFormatter(),
    utc=True,
)


def _tracer() -> Tracer | None:
    """Powertools' tracer when the X-Ray SDK is importable, else none. Active tracing records
    each invocation without it; the SDK (the Powertools Lambda layer ships it) adds a
    subsegment per AWS call and webhook POST. It is not bundled: it would pull in a botocore
    to shadow the runtime's. Off outside Lambda and wherever ``POWERTOOLS_TRACE_DISABLED``."""
    if importlib.util.find_spec("aws_xray_sdk") is None:
        return None
    return Tracer(service=logger.service, patch_modules=("botocore", "httplib"))


tracer = _tracer()


def _route_domain_logs() -> None:
    """Send ``credit_gateway.*`` records through the same handler. On Lambda the runtime's root
    handler would print each record a second time, unformatted, so they stop here; elsewhere
    they propagate (test log capture sees them) and nothing else prints them."""
    on_lambda = "AWS_LAMBDA_FUNCTION_NAME" in os.environ
    for name in (_DOMAIN_LOGGERS, logger.name):
        named = logging.getLogger(name)
        if logger.registered_handler not in named.handlers:
            named.addHandler(logger.registered_handler)
        named.setLevel(logger.log_level)
        named.propagate = not on_lambda
    # The AWS SDK's DEBUG records hold whole request and response bodies (listing items with
    # their ID numbers), unmasked: held at WARNING whatever level the function logs at.
    for name in ("boto3", "botocore", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)


_route_domain_logs()


def set_level(level: str) -> None:
    """The local stack's choice: INFO for ``gateway dev``, quieter under the demo's report."""
    for name in (_DOMAIN_LOGGERS, logger.name):
        logging.getLogger(name).setLevel(level)


def correlate(**keys: str | None) -> None:
    """Add correlation keys to every line this invocation logs from now on (``None`` removes
    one). Kept per thread, so the local stack's concurrent requests do not mix them."""
    logger.thread_safe_remove_keys([k for k, v in keys.items() if v is None])
    # masked before the cut (review 394: a number cut to 17 characters escaped the masking)
    present = {k: shown_input(v, _KEY_LIMIT) for k, v in keys.items() if v is not None}
    if present:
        logger.thread_safe_append_keys(**present)


_summary: ContextVar[dict[str, Any] | None] = ContextVar("summary", default=None)


def note(**fields: Any) -> None:
    """Facts for the invocation's one closing line (counts, outcomes); never personal data."""
    summary = _summary.get()
    if summary is not None:
        summary.update(fields)


@contextmanager
def _invocation(context: Any, message: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """Correlate by the Lambda request id, collect ``note``s, then log the one closing line
    (with the exception, if the handler raised)."""
    logger.thread_safe_clear_keys()
    correlate(function_request_id=getattr(context, "aws_request_id", None))
    summary: dict[str, Any] = dict(fields)
    token = _summary.set(summary)
    started = time.perf_counter()
    try:
        yield summary
    except Exception:
        summary["duration_ms"] = _since(started)
        logger.exception(f"{message} failed", extra=summary)
        raise
    else:
        summary["duration_ms"] = _since(started)
        logger.info(message, extra=summary)
    finally:
        _summary.reset(token)
        logger.thread_safe_clear_keys()


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def observe_request(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice HTTP middleware: one JSON line per request, naming the route by its template
    (a credit code in the path never appears), the status and the duration."""
    route = request.context.get("resourcePath", "")
    with _invocation(request.lambda_context, "request", method=request.method, route=route) as s:
        s["status"] = 500  # unless a response comes back
        response = get_response(request)
        s["status"] = response.status_code
    return response


class HandlerFailed(RuntimeError):
    """An event handler's failure as it leaves the handler: the error's type and AWS error
    code, never its message. The masked log line above has the whole error; what is raised on
    is printed by Lambda's runtime as it is, and a message may quote a record."""


def _described(error: Exception) -> str:
    code = getattr(error, "response", {}).get("Error", {}).get("Code")
    return f"{type(error).__name__} ({code})" if isinstance(code, str) else type(error).__name__


def observe_event(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice event middleware: one JSON line per event batch, with what the handler noted;
    a failure goes on (Lambda retries the batch) as ``HandlerFailed``."""
    context = getattr(event, "context", None)
    function = getattr(context, "function_name", None)
    records = len(event.to_dict().get("Records", []))
    try:
        with _invocation(context, "event batch", function=function, records=records):
            return get_response(event)
    except Exception as error:
        raise HandlerFailed(_described(error)) from None


def instrument(app: Chalice) -> None:
    """Every handler of ``app``: traced (neither a response nor an error goes into the trace,
    either may hold personal data), and one closing log line per request or event batch."""
    if tracer is not None:
        capture = tracer.capture_lambda_handler(capture_response=False, capture_error=False)
        app.register_middleware(ConvertToMiddleware(capture))
    app.register_middleware(observe_request, "http")
    for event_type in ("dynamodb", "sqs", "scheduled"):
        app.register_middleware(observe_event, event_type)


def emit(
    counts: Mapping[str, float],
    unit: MetricUnit = MetricUnit.Count,
    **dimensions: str,
) -> None:
    """One EMF document: ``counts`` (metric name → value) under ``dimensions`` (plus the
    service). Zero values are kept, so a rate's denominator is always there."""
    metrics = EphemeralMetrics(namespace=_namespace(), service=logger.service)
    for name, value in dimensions.items():
        metrics.add_dimension(name=name, value=value)
    for name, count in counts.items():
        metrics.add_metric(name=name, unit=unit, value=count)
    if counts:
        metrics.flush_metrics()


def _namespace() -> str:
    return os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or NAMESPACE
