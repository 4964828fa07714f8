"""The one address rule (gateway.delivery.addresses), and check_webhook_url applying it at
subscribe time."""

from __future__ import annotations

import pytest

from gateway.delivery.addresses import parse_address, refusal
from gateway.delivery.webhook_url import check_webhook_url
from gateway_client.contract.errors import InvalidWebhookUrl

# (address, what the refusal must name); Python 3.11's is_global calls several of them global.
REFUSED = [
    ("64:ff9b::a00:1", "embeds IPv4 10.0.0.1 (NAT64)"),
    ("64:ff9b::808:808", "embeds IPv4 8.8.8.8 (NAT64)"),  # refused even around a public IPv4
    ("64:ff9b:1::a9fe:a9fe", "embeds IPv4 169.254.169.254 (local-use NAT64)"),
    ("2002:a00:1::1", "embeds IPv4 10.0.0.1 (6to4)"),
    ("2002:808:808::1", "embeds IPv4 8.8.8.8 (6to4)"),
    ("::ffff:0:a00:1", "embeds IPv4 10.0.0.1 (IPv4-translated)"),
    ("::a00:1", "embeds IPv4 10.0.0.1 (IPv4-compatible)"),
    ("::ffff:10.0.0.1", "embeds IPv4 10.0.0.1 (IPv4-mapped)"),
    ("::ffff:8.8.8.8", "embeds IPv4 8.8.8.8 (IPv4-mapped)"),
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "embeds IPv4 10.0.0.1 (Teredo)"),
    ("2603:1030::5efe:a00:1", "embeds IPv4 10.0.0.1 (ISATAP)"),
    ("2603:1030::200:5efe:a00:1", "embeds IPv4 10.0.0.1 (ISATAP)"),
    ("::1:2:3:4", "not a public address"),  # reserved ::/8, outside global unicast 2000::/3
    ("192.0.0.8", "not a public address"),  # the IPv4 dummy address (RFC 7600)
    ("224.0.0.1", "multicast"),
    ("ff0e::1", "multicast"),
    ("fec0::1", "not a public address"),
    ("3fff::1", "not a public address"),
    ("5f00::1", "not a public address"),
    ("100:0:0:1::1", "not a public address"),
    ("192.88.99.1", "not a public address"),
    ("10.0.0.5", "not a public address"),
    ("172.16.3.4", "not a public address"),
    ("192.168.1.1", "not a public address"),
    ("100.64.0.1", "not a public address"),
    ("169.254.169.254", "not a public address"),
    ("127.0.0.1", "not a public address"),
    ("0.0.0.0", "not a public address"),  # noqa: S104 - an address to refuse, not to bind
    ("::1", "not a public address"),
    ("::", "not a public address"),
    ("fe80::1", "not a public address"),
    ("fd00::1", "not a public address"),
    ("2001:db8::1", "not a public address"),
    ("198.18.0.1", "not a public address"),
    ("240.0.0.1", "not a public address"),
]


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_non_public_and_ipv4_embedding_addresses_are_refused(text: str, reason: str) -> None:
    address = parse_address(text)
    assert address is not None
    why = refusal(address)
    assert why is not None
    assert reason in why


@pytest.mark.parametrize("text", ["114.114.114.114", "8.8.8.8", "2400:3200::1", "2620:4f:8000::1"])
def test_public_unicast_addresses_pass(text: str) -> None:
    address = parse_address(text)
    assert address is not None
    assert refusal(address) is None


def test_a_host_name_is_not_an_address() -> None:
    assert parse_address("credit.hunan.gov.cn") is None
    assert parse_address("[2400:3200::1]") == parse_address("2400:3200::1")


@pytest.mark.parametrize("text", [text for text, _ in REFUSED if ":" in text])
def test_every_refused_ipv6_literal_is_refused_at_subscribe_time(text: str) -> None:
    with pytest.raises(InvalidWebhookUrl) as refused:
        check_webhook_url(f"https://[{text}]/hook", allow_loopback_http=False)
    assert refused.value.context == {"path": "url"}


@pytest.mark.parametrize("text", [text for text, _ in REFUSED if ":" not in text])
def test_every_refused_ipv4_literal_is_refused_at_subscribe_time(text: str) -> None:
    with pytest.raises(InvalidWebhookUrl):
        check_webhook_url(f"https://{text}/hook", allow_loopback_http=False)


def test_local_mode_still_accepts_loopback_but_not_an_embedding_of_it() -> None:
    assert check_webhook_url("http://127.0.0.1:9000/hook", allow_loopback_http=True)
    with pytest.raises(InvalidWebhookUrl):
        check_webhook_url("https://[::ffff:127.0.0.1]:9000/hook", allow_loopback_http=True)
