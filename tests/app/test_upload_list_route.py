"""GET /v1/regions/{code}/uploads: a region's bulk uploads newest first, for its own platform
and the operator; an ingest's lines count in the hourly activity as a push's entries do."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import (
    CITY,
    HUNAN,
    OTHER_CREDIT_CODE,
    Gateway,
    black_entry,
    error_code,
)
from delivery_support import as_operator, as_platform
from upload_support import uploaded

from gateway_client.contract.signing import Ed25519Signer


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    return gateway.register_platform(CITY)


@pytest.fixture
def uploads(gateway: Gateway, aws: Any, city: Ed25519Signer) -> list[str]:
    """Two uploads of the city, the newer with one good and one bad line; newest first."""
    first = uploaded(gateway, aws, city, [black_entry()])
    bad = black_entry(credit_code=OTHER_CREDIT_CODE, decided_on="not a date")
    second = uploaded(gateway, aws, city, [black_entry(decision_number="(2024)黑09执9号"), bad])
    return [second, first]


def test_the_regions_platform_lists_its_uploads_newest_first_without_line_errors(
    gateway: Gateway, city: Ed25519Signer, uploads: list[str]
) -> None:
    response = as_platform(gateway, city, "GET", f"/v1/regions/{CITY}/uploads")
    assert response.status_code == 200, response.json_body
    listed = response.json_body["uploads"]
    assert [x["upload"]["manifest"]["upload_id"] for x in listed] == uploads
    newest = listed[0]
    assert newest["error_count"] == 1
    assert newest["upload"]["errors"] == []
    assert (newest["upload"]["accepted"], newest["upload"]["rejected"]) == (1, 1)
    assert newest["upload"]["status"] == "completed"
    single = as_operator(gateway, "get", f"/v1/regions/{CITY}/uploads/{uploads[0]}").json_body
    assert len(single["upload"]["errors"]) == 1  # the one upload still shows them


def test_the_operator_lists_any_regions_uploads_up_to_the_limit(
    gateway: Gateway, uploads: list[str]
) -> None:
    response = as_operator(gateway, "get", f"/v1/regions/{CITY}/uploads?limit=1")
    assert response.status_code == 200, response.json_body
    assert [x["upload"]["manifest"]["upload_id"] for x in response.json_body["uploads"]] == [
        uploads[0]
    ]
    gateway.put_region(HUNAN)
    empty = as_operator(gateway, "get", f"/v1/regions/{HUNAN}/uploads").json_body
    assert empty == {"uploads": [], "next": None}


def test_ingested_lines_count_in_the_hourly_activity(gateway: Gateway, uploads: list[str]) -> None:
    reply = as_operator(gateway, "get", f"/v1/activity?hours=1&region={CITY}").json_body
    assert reply["hours"][0]["pushes"] == {
        "accepted": 2,
        "duplicate": 0,
        "removed": 0,
        "rejected": 1,
    }


def test_another_region_is_refused_and_shown_nothing(gateway: Gateway, uploads: list[str]) -> None:
    other = gateway.register_platform(HUNAN)
    response = as_platform(gateway, other, "GET", f"/v1/regions/{CITY}/uploads")
    assert response.status_code == 403
    assert error_code(response) == "region_mismatch"
    assert "uploads" not in response.json_body
    assert gateway.client.http.get(f"/v1/regions/{CITY}/uploads").status_code == 401


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/v1/regions/{CITY}/uploads?limit=0", "limit"),
        (f"/v1/regions/{CITY}/uploads?limit=501", "limit"),
        ("/v1/regions/23/uploads", "code"),
    ],
)
def test_a_malformed_request_is_a_client_error(gateway: Gateway, path: str, field: str) -> None:
    response = as_operator(gateway, "get", path)
    assert response.status_code == 400
    assert error_code(response) == "invalid_schema"
    assert response.json_body["error"]["path"] == field
