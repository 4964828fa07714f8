"""API Gateway's own refusals in the gateway's error shape (``{"error": {"code", "path",
"message"}}``): a request API Gateway answers without calling the function (no route for the
path or method, a body too large, a throttle, an IAM signature that does not verify) would
otherwise come back as ``{"message": "..."}``, which no client of this API parses.

Gateway responses take no VTL, only ``$context`` substitution, so each code is fixed per type.
"""

from __future__ import annotations

import json
from typing import Any

# type -> (status, code, path, message); None keeps API Gateway's status and message.
_REFUSALS: dict[str, tuple[str | None, str, str, str | None]] = {
    # No resource or method matches, or (only possible on an IAM-guarded operator route) the
    # request carries no AWS signature at all: API Gateway cannot tell the two apart.
    "MISSING_AUTHENTICATION_TOKEN": (
        "404",
        "not_found",
        "path",
        "no route is served at this method and path (an operator route without an AWS "
        "Signature Version 4 also answers this)",
    ),
    "UNSUPPORTED_MEDIA_TYPE": (
        "415",
        "unsupported_media_type",
        "content-type",
        "send application/json (UTF-8)",
    ),
    "REQUEST_TOO_LARGE": ("413", "payload_too_large", "body", None),
    "THROTTLED": ("429", "rate_limited", "request", None),
    "DEFAULT_4XX": (None, "request_refused", "request", None),
    # API Gateway's own failures (an integration that timed out, a function it could not
    # invoke): the gateway's error shape and headers too, never its bare {"message"}
    "DEFAULT_5XX": (None, "gateway_unavailable", "request", None),
}
# API Gateway puts its message here, already a quoted JSON string.
_MESSAGE, _QUOTED_MESSAGE = "\u0000message", "$context.error.messageString"


def gateway_responses() -> dict[str, Any]:
    """``AWS::Serverless::Api`` ``GatewayResponses`` for the RestAPI."""
    return {name: _response(*refusal) for name, refusal in _REFUSALS.items()}


def _response(status: str | None, code: str, path: str, message: str | None) -> dict[str, Any]:
    body = {"error": {"code": code, "path": path, "message": message or _MESSAGE}}
    response: dict[str, Any] = {
        "ResponseTemplates": {
            "application/json": json.dumps(body).replace(json.dumps(_MESSAGE), _QUOTED_MESSAGE)
        },
        "ResponseParameters": {
            "Headers": {  # as every answer of the app (``chalicelib.http_errors.SAFE_HEADERS``)
                "Content-Type": "'application/json; charset=utf-8'",
                "X-Content-Type-Options": "'nosniff'",
                "Referrer-Policy": "'no-referrer'",
            },
        },
    }
    if status is not None:
        response["StatusCode"] = status
    return response
