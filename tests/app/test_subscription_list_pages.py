"""The list of subscriptions comes a page at a time: ``limit`` of them at most, stopping short
of what a Lambda may return, with ``next`` to go on from (review 386: the operator's list of
every region's, whole, passed Lambda's 6 MB, a 502)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, HUBEI, HUNAN, Gateway, refusal

from chalicelib import reply_pages


def listed(gateway: Gateway, query: str = "") -> Any:
    reply = gateway.client.http.get(f"/v1/subscriptions{query}", headers=gateway.operator())
    assert reply.status_code == 200, reply.json_body
    return reply.json_body


@pytest.fixture
def three(gateway: Gateway, receiver: Any) -> list[str]:
    made = []
    for region in (CITY, HUNAN, HUBEI):
        gateway.put_region(region)
        reply = gateway.subscribe_as_operator(region=region, url=receiver.url)
        assert reply.status_code == 201, reply.json_body
        made.append(reply.json_body["subscription_id"])
    return made


def ids(page: Any) -> list[str]:
    return [s["subscription_id"] for s in page["subscriptions"]]


def test_pages_go_on_from_next_to_the_end(gateway: Gateway, three: list[str]) -> None:
    first = listed(gateway, "?limit=2")
    second = listed(gateway, f"?limit=2&after={first['next']}")

    assert ids(first) + ids(second) == three  # oldest first, each once
    assert second["next"] is None
    whole = listed(gateway)
    assert ids(whole) == three
    assert whole["next"] is None


def test_a_page_stops_short_of_what_a_lambda_returns(
    gateway: Gateway, three: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    one = len(str(listed(gateway)["subscriptions"][0]).encode())
    monkeypatch.setattr(reply_pages, "PAGE_BYTES", one * 3 // 2)

    pages, after = [], ""
    while after is not None:
        page = listed(gateway, f"?after={after}" if after else "")
        pages.append(ids(page))
        after = page["next"]

    assert pages == [[x] for x in three]


@pytest.mark.parametrize("after", ["sub_1", "1/2", "0000000000000001/" + "x" * 65])
def test_an_after_that_no_page_gave_is_refused_at_after(
    gateway: Gateway, three: list[str], after: str
) -> None:
    reply = gateway.client.http.get(f"/v1/subscriptions?after={after}", headers=gateway.operator())

    assert refusal(reply)[::2] == (400, "after")
