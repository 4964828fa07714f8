"""A PATCH restating the terms it read (to restore them, say) while another change moves them
was written without its terms and answered 200: the other change's terms stayed in force
(review 289). It is 503 ``busy`` now, nothing written; sent again, it restores them."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import HUNAN, Gateway
from chalice.test import HTTPResponse
from delivery_support import as_operator, signed, subscribe
from delivery_support import subscription_path as path_of

from chalicelib import bootstrap


def overtaken(
    gateway: Gateway,
    hunan: Any,
    monkeypatch: pytest.MonkeyPatch,
    created: dict[str, Any],
    theirs: dict[str, Any],
    mine: dict[str, Any],
) -> tuple[HTTPResponse, HTTPResponse]:
    """``mine`` sent, and ``theirs`` written between its read and its write."""
    store = bootstrap.container().subscription_admin.subscriptions
    write = store.update
    other: list[HTTPResponse] = []

    def after_theirs(subscription_id: str, change: Any) -> Any:
        if not other:
            monkeypatch.setattr(store, "update", write)
            other.append(signed(gateway, hunan, "PATCH", path_of(created), theirs))
        return write(subscription_id, change)

    monkeypatch.setattr(store, "update", after_theirs)
    answered = signed(gateway, hunan, "PATCH", path_of(created), mine)
    monkeypatch.setattr(store, "update", write)
    assert other[0].status_code == 200, other[0].json_body
    return answered, other[0]


def term(field: str, view: dict[str, Any]) -> Any:
    return view["filters"]["kinds"] if field == "filters" else view[field]


def asking(field: str, value: Any) -> dict[str, Any]:
    return {"filters": {"kinds": value}} if field == "filters" else {field: value}


@pytest.mark.parametrize(
    ("field", "restored", "theirs"),
    [
        pytest.param("filters", ["black"], ["red"], id="filters"),
        pytest.param("recognised_only", True, False, id="recognised-only"),
    ],
)
def test_terms_restated_under_a_concurrent_change_are_busy_then_written(
    gateway: Gateway,
    hunan: Any,
    hook: Any,
    monkeypatch: pytest.MonkeyPatch,
    field: str,
    restored: Any,
    theirs: Any,
) -> None:
    created = subscribe(gateway, hook.url, HUNAN, **asking(field, restored))
    mine = asking(field, restored) | {"description": "restored"}

    answered, _ = overtaken(gateway, hunan, monkeypatch, created, asking(field, theirs), mine)

    assert (answered.status_code, answered.json_body["error"]["code"]) == (503, "busy")
    held = as_operator(gateway, "get", path_of(created)).json_body
    assert (term(field, held), held["description"]) == (theirs, "")
    again = signed(gateway, hunan, "PATCH", path_of(created), mine)
    assert again.status_code == 200, again.json_body
    held = as_operator(gateway, "get", path_of(created)).json_body
    assert (term(field, held), held["description"]) == (restored, "restored")
