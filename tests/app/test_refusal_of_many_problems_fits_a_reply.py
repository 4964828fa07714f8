"""A body within the size the gateway takes (5 MB), padded with unknown keys, is refused 400
``invalid_schema`` naming its first offending field — listing the first problems, not every
one: ~530,000 ``unknown_field`` errors made a 47 MB reply, past Lambda's 6 MB (in AWS a 502,
a 5xx for a client's mistake: review 397). Every route reading its body with
``parse_request`` answers so; the check and the upload manifest are two of them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, Gateway

from chalicelib.http_errors import REPLY_BUDGET
from gateway.validation import LISTED_PROBLEMS

MANIFEST = {
    "region": CITY,
    "upload_id": "u-padded",
    "issued_at": "2026-12-03T02:00:00Z",
    "count": 1,
    "sha256": "a" * 64,
    "size": 10,
}


def _padded(fields: dict[str, Any]) -> bytes:
    """``fields`` and as many unknown keys as fit in 1.2 MB: ~125,000 of them, whose every
    problem listed made an 11 MB reply."""
    parts = [json.dumps(fields)[1:-1]]
    size = len(parts[0])
    for i in range(10**7):
        if size > 1_200_000:
            break
        parts.append(f'"{i:x}":0')
        size += len(parts[-1]) + 1
    return ("{" + ",".join(parts) + "}").encode()


@pytest.mark.parametrize(
    ("path", "batch", "fields"),
    [
        ("/v1/checks", None, {"codes": [CREDIT_CODE], "purpose": "supervision"}),
        ("/v1/uploads", "u-padded", MANIFEST),
    ],
)
def test_a_body_of_unknown_keys_is_a_400_listing_its_first_problems(
    gateway: Gateway, path: str, batch: str | None, fields: dict[str, Any]
) -> None:
    signer = gateway.register_platform(CITY)

    reply = gateway.post_signed(path, signer, batch, _padded(fields))

    assert reply.status_code == 400
    error = reply.json_body["error"]
    assert (error["code"], error["path"]) == ("invalid_schema", "0")
    assert len(error["errors"]) == LISTED_PROBLEMS
    assert error["errors_truncated"] is True
    assert len(reply.body) <= REPLY_BUDGET


def test_a_body_with_few_problems_lists_them_all(gateway: Gateway) -> None:
    signer = gateway.register_platform(CITY)
    body = json.dumps({"codes": [CREDIT_CODE], "purpose": "supervision", "a": 1, "b": 2})

    reply = gateway.post_signed("/v1/checks", signer, None, body.encode())

    error = reply.json_body["error"]
    assert [e["path"] for e in error["errors"]] == ["a", "b"]
    assert "errors_truncated" not in error
