"""POST /v1/subscriptions refuses every non-public and IPv4-embedding address (SSRF)."""

from __future__ import annotations

import pytest
from app_support import HUNAN, error_code

REFUSED = [
    "https://[64:ff9b::a00:1]/hook",  # NAT64
    "https://[64:ff9b:1::a9fe:a9fe]/hook",  # local-use NAT64
    "https://[2002:a00:1::1]/hook",  # 6to4
    "https://[::ffff:10.0.0.1]/hook",  # IPv4-mapped
    "https://[::ffff:0:a00:1]/hook",  # IPv4-translated
    "https://[::a00:1]/hook",  # IPv4-compatible
    "https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hook",  # Teredo
    "https://[ff0e::1]/hook",  # multicast
    "https://224.0.0.1/hook",
    "https://100.64.0.1/hook",  # shared address space
    "https://169.254.169.254/latest/meta-data/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_a_non_public_or_embedding_address_is_refused_with_the_url_field(gateway, url):
    gateway.put_region(HUNAN)

    response = gateway.subscribe_as_operator(region=HUNAN, url=url)

    assert response.status_code == 400
    assert error_code(response) == "invalid_webhook_url"
    assert response.json_body["error"]["path"] == "url"


def test_a_public_ipv6_literal_is_accepted(gateway):
    gateway.put_region(HUNAN)

    response = gateway.subscribe_as_operator(region=HUNAN, url="https://[2400:3200::1]/hook")

    assert response.status_code == 201
