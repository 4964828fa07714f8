"""Review 342: an endpoint that merely reflects the request body (an echo or debug service, a
REST API answering a POST with the object it stored) passed URL verification, though it proved
nothing: the challenge event carries ``challenge`` at its top level, so the echo of the whole
event "answered" it, and the gateway then posted the region's deliveries there."""

from __future__ import annotations

import pytest
from app_support import HUNAN, Gateway
from delivery_support import AnsweringReceiver, Reply


@pytest.mark.usefixtures("hunan")
def test_an_endpoint_that_echoes_the_request_body_is_not_verified(gateway: Gateway) -> None:
    with AnsweringReceiver(answers_challenge=False) as echo:
        echo.reply = lambda received: Reply(
            200, received.body.decode(), {"content-type": "application/json"}
        )
        created = gateway.subscribe_as_operator(region=HUNAN, url=echo.url)

        assert created.status_code == 201, created.json_body
        assert len(echo.requests) == 1  # the challenge reached it, and was reflected
        assert created.json_body["state"] == "pending", created.json_body
        assert created.json_body["verification_failure"].startswith("answered other than exactly")
