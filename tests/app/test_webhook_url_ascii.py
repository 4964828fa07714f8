"""A webhook URL whose path or query holds characters other than ASCII (an IRI such as
``/hook/接收``) is refused 400 ``invalid_webhook_url`` at ``url``, with the percent-encoded URL
to send instead; nothing is stored (review 238: it was accepted, and every post to it failed
inside the gateway, so the subscription stayed ``pending`` for good)."""

from __future__ import annotations

import pytest
from app_support import HUNAN
from delivery_support import AnsweringReceiver

from chalicelib.bootstrap import container
from gateway.delivery.webhook_url import check_webhook_url


@pytest.mark.parametrize(
    ("suffix", "encoded"),
    [
        ("/hook/接收", "/hook/%E6%8E%A5%E6%94%B6"),
        ("/hook?region=湖南", "/hook?region=%E6%B9%96%E5%8D%97"),
    ],
)
def test_a_webhook_url_that_is_not_ascii_is_refused_with_its_encoding(
    gateway, hook: AnsweringReceiver, suffix: str, encoded: str
) -> None:
    assert gateway.put_region(HUNAN).status_code == 200
    base = f"http://127.0.0.1:{hook.server.server_address[1]}"

    response = gateway.subscribe_as_operator(region=HUNAN, url=base + suffix)

    assert response.status_code == 400, response.json_body
    error = response.json_body["error"]
    assert (error["code"], error["path"]) == ("invalid_webhook_url", "url")
    assert base + encoded in error["message"]
    assert hook.challenges == []
    assert container().subscriptions.all() == []


def test_the_refusal_s_form_of_a_host_name_that_is_not_ascii_is_accepted(gateway) -> None:
    """The hint spells the host in IDNA form (review 239: percent-encoded, refused in turn)."""
    assert gateway.put_region(HUNAN).status_code == 200

    refused = gateway.subscribe_as_operator(region=HUNAN, url="https://例子.中国/hook/接收")

    assert refused.status_code == 400, refused.json_body
    hint = "https://xn--fsqu00a.xn--fiqs8s/hook/%E6%8E%A5%E6%94%B6"
    assert refused.json_body["error"]["message"].endswith(hint)
    assert check_webhook_url(hint, allow_loopback_http=False) == hint
