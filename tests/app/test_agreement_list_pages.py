"""``GET /v1/agreements`` answers a page at a time: each region may hold 160 KiB of agreements
and regions are many, so the whole list in one reply could pass Lambda's 6 MB (review 187).
Pages follow one another by ``next`` with nothing left out or repeated; a malformed ``after``
is 400 there."""

from __future__ import annotations

import pytest
from app_support import HUBEI, HUNAN, Gateway, agreement_terms, create_agreement, refusal

from chalicelib import reply_pages


def test_the_agreements_are_read_page_by_page(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.put_region(HUNAN)
    gateway.put_region(HUBEI)
    made = {
        create_agreement(gateway, agreement_terms(title=f"协议{n}")).json_body["agreement"][
            "agreement_id"
        ]
        for n in range(5)
    }
    monkeypatch.setattr(reply_pages, "PAGE_BYTES", 2_500)  # about one agreement a page
    seen: list[str] = []
    path, pages = "/v1/agreements?limit=2", 0
    while path:
        page = gateway.client.http.get(path).json_body
        seen += [a["agreement_id"] for a in page["agreements"]]
        pages += 1
        path = f"/v1/agreements?limit=2&after={page['next']}" if page["next"] else ""

    assert sorted(seen) == sorted(made)
    assert len(seen) == 5
    assert pages >= 3
    assert refusal(gateway.client.http.get("/v1/agreements?after=x")) == (
        400,
        "invalid_schema",
        "after",
    )
