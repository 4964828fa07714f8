"""Refused webhook URLs (review 263): a refusal quotes no resident ID number in full — the
address an integrator typed may hold one — and a bracketed host that is no IPv6 address is
refused, not read as the host name inside the brackets (``https://[v1.fe]/`` was stored as that
and posted to whatever ``v1.fe`` resolves to)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import HUNAN, NATURAL_PERSON_CODE, Gateway

from gateway.delivery.webhook_url import check_webhook_url
from gateway_client.contract import InvalidWebhookUrl


def subscribed(gateway: Gateway, url: str) -> Any:
    gateway.register_platform(HUNAN)
    body = json.dumps({"region": HUNAN, "url": url}, ensure_ascii=False).encode()
    return gateway.client.http.post("/v1/subscriptions", headers=gateway.operator(), body=body)


@pytest.mark.parametrize(
    "url",
    [
        f"https://例子.com/hook/{NATURAL_PERSON_CODE}",
        f"https://a_{NATURAL_PERSON_CODE}.example.com/",
        f"https://[fe80::1%25id-{NATURAL_PERSON_CODE}]/hook",  # review 264
        f"https://[64:ff9b::a00:1%25id-{NATURAL_PERSON_CODE}]/hook",
    ],
    ids=["not-ascii", "not-a-host-name", "zone-id", "nat64-zone-id"],
)
def test_a_refused_webhook_url_repeats_no_id_number(gateway: Gateway, url: str) -> None:
    reply = subscribed(gateway, url)

    assert (reply.status_code, reply.json_body["error"]["code"]) == (400, "invalid_webhook_url")
    text = reply.body.decode().lower()
    assert NATURAL_PERSON_CODE[:17].lower() not in text, reply.json_body
    if "%" not in url:  # quoted masked, not dropped: the integrator can find it
        assert NATURAL_PERSON_CODE[:6] in text


@pytest.mark.parametrize(
    "url",
    [
        "https://[v1.fe]/x",
        "https://[v7.example.com]/hook",
        # a zone id names an interface of the gateway's own host (RFC 6874: review 264)
        "https://[2606:4700:4700::1111%25eth0]/hook",
        "https://[2606:4700:4700::1111%eth0]/hook",
        # Python 3.11's urlsplit drops what surrounds the brackets: shown as one host, posted to
        # another (review 264)
        "https://province.example.gov.cn[2606:4700:4700::1111]/hook",
        "https://[2606:4700:4700::1111]x.example.com/hook",
        "https://[2606:4700:4700::1111]]/hook",
    ],
)
def test_a_bracketed_host_must_be_an_ipv6_address_alone(gateway: Gateway, url: str) -> None:
    with pytest.raises(InvalidWebhookUrl):
        check_webhook_url(url, allow_loopback_http=False)
    reply = subscribed(gateway, url)

    assert reply.status_code == 400, reply.json_body
    assert (reply.json_body["error"]["code"], reply.json_body["error"]["path"]) == (
        "invalid_webhook_url",
        "url",
    )
    for fine in ("https://[2606:4700:4700::1111]/hook", "https://[2606:4700:4700::1111]:8443/"):
        assert check_webhook_url(fine, allow_loopback_http=False) == fine
