"""Webhook URLs a gateway may call, and the filters a subscription sets."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fakes import InMemoryRegistry
from hypothesis import given
from hypothesis import strategies as st

from gateway.delivery.subscription import check_settings
from gateway.delivery.webhook_url import check_webhook_url
from gateway.registry import Region
from gateway_client.contract import ListKind, SubscriptionFilters
from gateway_client.contract.errors import (
    DuplicateValue,
    InvalidRetrySchedule,
    InvalidWebhookUrl,
    UnknownRegion,
)


@pytest.mark.parametrize(
    "url",
    [
        "https://credit.hunan.gov.cn/hooks/gateway",
        "https://114.114.114.114:8443/hook",
        "https://[2400:3200::1]/hook",
    ],
)
def test_https_to_a_public_host_is_accepted(url: str) -> None:
    assert check_webhook_url(url, allow_loopback_http=False) == url


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9000/hook", "http://localhost:9000/hook", "http://[::1]:9000/hook"]
)
def test_http_on_loopback_is_accepted_in_local_mode(url: str) -> None:
    assert check_webhook_url(url, allow_loopback_http=True) == url


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9000/hook", "http://localhost/hook", "https://127.0.0.1/hook"],
)
def test_loopback_is_refused_outside_local_mode(url: str) -> None:
    with pytest.raises(InvalidWebhookUrl):
        check_webhook_url(url, allow_loopback_http=False)


def test_plain_http_to_a_public_host_is_refused_even_in_local_mode() -> None:
    with pytest.raises(InvalidWebhookUrl):
        check_webhook_url("http://credit.hunan.gov.cn/hook", allow_loopback_http=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.5/hook",
        "https://172.16.3.4/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fe80::1]/hook",
        "https://[fd00::1]/hook",
        "https://0.0.0.0/hook",
    ],
)
def test_private_and_link_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(InvalidWebhookUrl):
        check_webhook_url(url, allow_loopback_http=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.1/hook",  # the resolver reads this as 127.0.0.1
        "https://2130706433/hook",  # 127.0.0.1 as one decimal number
        "https://0x7f000001/hook",  # 127.0.0.1 in hexadecimal
        "https://localhost./hook",  # fully qualified localhost
    ],
)
def test_loopback_written_in_another_form_is_refused(url: str) -> None:
    with pytest.raises(InvalidWebhookUrl):
        check_webhook_url(url, allow_loopback_http=False)


@pytest.mark.parametrize(
    "url",
    ["https://user:pass@credit.hunan.gov.cn/hook", "https://token@credit.hunan.gov.cn/hook"],
)
def test_credentials_in_the_url_are_refused(url: str) -> None:
    with pytest.raises(InvalidWebhookUrl):
        check_webhook_url(url, allow_loopback_http=False)


@pytest.mark.parametrize(
    "url", ["ftp://credit.hunan.gov.cn/hook", "credit.hunan.gov.cn/hook", "https:///hook", ""]
)
def test_a_url_that_is_not_absolute_http_is_refused(url: str) -> None:
    with pytest.raises(InvalidWebhookUrl):
        check_webhook_url(url, allow_loopback_http=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://a.example.cn/hook\nX-Injected: 1",
        "https://a.example.cn/ho\r\nok",
        "https://a.example.cn/hook\x7f",
        "https://a.example.cn/\u202ekooh",
        "https://a.example.cn/ho ok",
        "https://a.example.cn/\u200bhook",
    ],
    ids=ascii,
)
def test_a_url_holding_a_space_control_or_invisible_character_is_refused(url: str) -> None:
    with pytest.raises(InvalidWebhookUrl):
        check_webhook_url(url, allow_loopback_http=False)


@given(st.lists(st.integers(min_value=0, max_value=11 * 3600), min_size=1, max_size=20))
def test_a_retry_schedule_is_refused_at_its_first_delay_that_does_not_back_off(
    delays: list[int],
) -> None:
    """Each delay is at least 1 s and at least the one before; the first that is not is named."""
    before = [1, *delays]
    first_bad = next((i for i, delay in enumerate(delays) if delay < before[i]), None)
    if first_bad is None:
        check_settings(None, tuple(delays), InMemoryRegistry(), local=False)
        return
    with pytest.raises(InvalidRetrySchedule) as refused:
        check_settings(None, tuple(delays), InMemoryRegistry(), local=False)
    assert refused.value.context == {"path": f"retry_schedule_seconds.{first_bad}"}


def test_a_filter_names_each_value_once_and_only_subtrees_with_a_platform() -> None:
    registry = InMemoryRegistry()
    registry.put_region(Region(code="230900", name="七台河市"))

    check_settings(
        SubscriptionFilters(source_regions=("230000", "230900")), None, registry, local=False
    )
    with pytest.raises(DuplicateValue) as twice:
        check_settings(
            SubscriptionFilters(domains=("court_defaulter", "court_defaulter")),
            None,
            registry,
            local=False,
        )
    with pytest.raises(UnknownRegion) as empty:
        check_settings(SubscriptionFilters(source_regions=("650000",)), None, registry, local=False)

    assert (twice.value.context, empty.value.context) == (
        {"path": "filters.domains.1"},
        {"path": "filters.source_regions.0"},
    )


def test_a_host_name_longer_than_dns_allows_is_refused() -> None:
    """Review 16, F7: four labels of 63 characters (259 in all) were stored as pending."""
    labels = ".".join(letter * 63 for letter in "abcd")
    longest = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 58, "cn"])  # 253 characters

    with pytest.raises(InvalidWebhookUrl):
        check_webhook_url(f"https://{labels}.com/hook", allow_loopback_http=False)
    assert check_webhook_url(f"https://{longest}/hook", allow_loopback_http=False)


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        ((ListKind.BLACK, ListKind.BLACK), '"black"'),
        (("food_drug", "food_drug"), '"food_drug"'),
        ((("m-1", date(2026, 12, 3)),) * 2, '("m-1", "2026-12-03")'),
    ],
)
def test_a_repeated_value_is_named_as_the_request_wrote_it(values: Any, shown: str) -> None:
    """Not as Python's repr (``<ListKind.BLACK: 'black'>``, ``datetime.date(…)``): review 45."""
    with pytest.raises(DuplicateValue) as twice:
        DuplicateValue.check(values, "kinds")
    assert (twice.value.message, twice.value.context) == (
        f"kinds names {shown} twice",
        {"path": "kinds.1"},
    )
