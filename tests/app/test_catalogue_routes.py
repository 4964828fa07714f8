"""GET /v1/regions and GET /v1/measures: reference data for the operator and any signing
platform (never anonymous), without keys or a region's settings."""

from __future__ import annotations

import pytest
from app_support import CITY, HUNAN, PROVINCE, Gateway, error_code
from delivery_support import as_operator, as_platform

from gateway.recognition.measures import load_measures


def test_the_operator_and_any_platform_list_the_registered_regions(gateway: Gateway) -> None:
    city = gateway.register_platform(CITY)
    assert gateway.put_region(PROVINCE, "黑龙江省").status_code == 200
    assert gateway.put_region(HUNAN, "湖南省").status_code == 200
    for response in (
        as_operator(gateway, "get", "/v1/regions"),
        as_platform(gateway, city, "GET", "/v1/regions"),
    ):
        assert response.status_code == 200, response.json_body
        assert response.json_body["regions"] == [
            {"code": PROVINCE, "name": "黑龙江省", "kind": "region", "parent": "100000"},
            {"code": CITY, "name": "地区", "kind": "region", "parent": PROVINCE},
            {"code": HUNAN, "name": "湖南省", "kind": "region", "parent": "100000"},
        ]
        assert "key" not in response.body.decode()


def test_the_measures_catalogue_is_served_as_shipped(gateway: Gateway) -> None:
    hunan = gateway.register_platform(HUNAN)
    shipped = load_measures().model_dump(mode="json")
    for response in (
        as_operator(gateway, "get", "/v1/measures"),
        as_platform(gateway, hunan, "GET", "/v1/measures"),
    ):
        assert response.status_code == 200, response.json_body
        assert response.json_body == shipped
        first = response.json_body["measures"][0]
        assert (first["measure_id"], first["text"]) == (
            "key_supervision",
            "列为重点监管对象，提高抽查比例和频次",
        )


@pytest.mark.parametrize("path", ["/v1/regions", "/v1/measures"])
def test_anonymous_and_a_wrong_token_are_refused(gateway: Gateway, path: str) -> None:
    assert gateway.client.http.get(path).status_code == 401
    wrong = gateway.client.http.get(path, headers=gateway.operator("not-the-token-0123456789"))
    assert wrong.status_code == 401
    assert error_code(wrong)
