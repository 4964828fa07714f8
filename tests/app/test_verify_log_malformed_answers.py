"""verify-log against a gateway whose log answers are not of the published shape (review 123):
a tile shorter than its path says, a tile answer without its data, checkpoints or entries that
are no list, erased entries that are no numbers. Each is refused as the gateway's fault
(``PublishedLogError``, which the CLI prints as it is), naming the request — not an internal
``KeyError`` or ``ValueError`` the CLI could only call unexpected."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from test_verify_log_hostile import _verify
from test_verify_log_hostile_deliveries import _three_delivered

from gateway_client.log_verifier import PublishedLogError


def _short_tile(path: str, body: dict[str, Any]) -> dict[str, Any]:
    if path.startswith("/v1/log/tile"):
        return {**body, "data": base64.b64encode(base64.b64decode(body["data"])[:-1]).decode()}
    return body


def _no_tile_data(path: str, body: dict[str, Any]) -> dict[str, Any]:
    return {} if path.startswith("/v1/log/tile") else body


def _tile_data_no_text(path: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"data": 7} if path.startswith("/v1/log/tile") else body


def _no_checkpoint_list(path: str, body: dict[str, Any]) -> dict[str, Any]:
    return {} if path.startswith("/v1/log/checkpoints") else body


def _checkpoints_no_list(path: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"checkpoints": "all"} if path.startswith("/v1/log/checkpoints") else body


def _entries_no_list(path: str, body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "entries": {}} if path.startswith("/v1/log?") else body


def _erased_not_numbers(path: str, body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "erased": ["1"]} if path.startswith("/v1/log?") else body


@pytest.mark.parametrize(
    ("tamper", "request_path"),
    [
        (_short_tile, "/v1/log/tile"),
        (_no_tile_data, "/v1/log/tile"),
        (_tile_data_no_text, "/v1/log/tile"),
        (_no_checkpoint_list, "/v1/log/checkpoints"),
        (_checkpoints_no_list, "/v1/log/checkpoints"),
        (_entries_no_list, "/v1/log?"),
        (_erased_not_numbers, "/v1/log?"),
    ],
)
def test_an_answer_not_of_the_published_shape_is_the_gateways_fault(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch, tamper, request_path
):
    sub_id, bodies = _three_delivered(gateway, aws, stream, hook)

    with pytest.raises(PublishedLogError) as refused:
        _verify(gateway, monkeypatch, sub_id, bodies, tamper)

    assert str(refused.value).startswith(f"GET {request_path}")
    assert "not what the gateway publishes" in str(refused.value)
