"""What API Gateway answers itself, before the function runs, comes back in the gateway's error
shape: each gateway response's template, once API Gateway substitutes its message, is the same
``{"error": {"code", "path", "message"}}`` the app answers."""

from __future__ import annotations

import json

from infra.package import merge_template


def test_each_gateway_response_is_the_error_shape_with_a_stable_code() -> None:
    responses = merge_template()["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    message = json.dumps('User: x is not "authorized"')  # $context.error.messageString: quoted
    bodies = {
        name: json.loads(
            r["ResponseTemplates"]["application/json"].replace(
                "$context.error.messageString", message
            )
        )["error"]
        for name, r in responses.items()
    }
    assert {name: (b["code"], b["path"]) for name, b in bodies.items()} == {
        "MISSING_AUTHENTICATION_TOKEN": ("not_found", "path"),
        "UNSUPPORTED_MEDIA_TYPE": ("unsupported_media_type", "content-type"),
        "REQUEST_TOO_LARGE": ("payload_too_large", "body"),
        "THROTTLED": ("rate_limited", "request"),
        "DEFAULT_4XX": ("request_refused", "request"),
        "DEFAULT_5XX": ("gateway_unavailable", "request"),
    }
    assert all(isinstance(b["message"], str) and b["message"] for b in bodies.values())
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"  # not 403
    assert "StatusCode" not in responses["DEFAULT_4XX"]  # API Gateway's own 4xx status stays


def test_each_gateway_response_carries_the_apps_protective_headers() -> None:
    """Review 53: the app's answers carry nosniff and no-referrer; API Gateway's own did not."""
    responses = merge_template()["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]

    for name, response in responses.items():
        headers = response["ResponseParameters"]["Headers"]
        assert headers["X-Content-Type-Options"] == "'nosniff'", name
        assert headers["Referrer-Policy"] == "'no-referrer'", name
