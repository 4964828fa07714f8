"""PUT /v1/regions/{code} as a settings update: what a PUT leaves out stays as stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, PROVINCE, black_entry, error_code

from chalicelib import bootstrap


def put(gateway: Any, code: str, body: dict[str, Any]) -> Any:
    raw = json.dumps(body, ensure_ascii=False).encode()
    return gateway.client.http.put(f"/v1/regions/{code}", headers=gateway.operator(), body=raw)


def stored(code: str) -> Any:
    return bootstrap.container().registry.get_region(code)


def test_a_rename_keeps_relaying_off_and_the_push_rate(gateway):
    province = gateway.register_platform(PROVINCE)
    settings = {"name": "黑龙江", "relays_subregions": False, "push_rate_per_minute": 5}
    put(gateway, PROVINCE, settings)

    renamed = put(gateway, PROVINCE, {"name": "黑龙江省"})

    assert renamed.status_code == 200
    region = stored(PROVINCE)
    assert (region.name, region.relays_subregions, region.push_rate_per_minute) == (
        "黑龙江省",
        False,
        5,
    )
    assert renamed.json_body == region.model_dump(mode="json")
    relayed = gateway.push(province, PROVINCE, [black_entry(origin_region=CITY)])
    assert (relayed.json_body["accepted"], relayed.json_body["errors"][0]["code"]) == (
        0,
        "relay_not_permitted",
    )
    assert gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}").status_code == 404


def test_an_explicit_null_resets_a_setting_to_its_default(gateway):
    policy = {"severity": "general", "legal_basis": "《黑龙江省信用承诺管理办法》第十条"}
    put(
        gateway,
        PROVINCE,
        {
            "name": "黑龙江省",
            "relays_subregions": False,
            "push_rate_per_minute": 5,
            "broken_commitments": policy,
        },
    )

    reset = put(
        gateway,
        PROVINCE,
        {"name": "黑龙江省", "relays_subregions": None, "push_rate_per_minute": None},
    )

    assert reset.status_code == 200
    region = stored(PROVINCE)
    assert (region.relays_subregions, region.push_rate_per_minute) == (True, None)
    assert region.broken_commitments is not None  # left out: kept


def test_a_national_source_is_renamed_without_restating_its_kind(gateway):
    source = {"name": "法院", "kind": "national_source", "domains": ["court_defaulter"]}
    put(gateway, "100001", source)

    renamed = put(gateway, "100001", {"name": "最高人民法院"})

    assert renamed.status_code == 200, renamed.json_body
    region = stored("100001")
    assert (region.name, region.kind, region.domains, region.relays_subregions) == (
        "最高人民法院",
        "national_source",
        ("court_defaulter",),
        False,
    )


def test_a_refused_update_leaves_the_stored_region_as_it_was(gateway):
    put(gateway, PROVINCE, {"name": "黑龙江省", "relays_subregions": False})

    refused = put(gateway, PROVINCE, {"name": "黑龙江省", "push_rate_per_minute": 0})

    assert (refused.status_code, error_code(refused)) == (400, "invalid_schema")
    assert refused.json_body["error"]["path"] == "push_rate_per_minute"
    region = stored(PROVINCE)
    assert (region.relays_subregions, region.push_rate_per_minute) == (False, None)


@pytest.mark.parametrize("code", ["999999", "420001", "429900"])
def test_a_code_no_division_ever_had_is_refused_and_nothing_is_registered(gateway, code):
    reply = put(gateway, code, {"name": "不存在"})

    assert (reply.status_code, error_code(reply)) == (400, "invalid_schema")
    error = reply.json_body["error"]
    assert (error["path"], [e["code"] for e in error["errors"]]) == ("code", ["unknown_division"])
    assert stored(code) is None


@pytest.mark.parametrize("code", [PROVINCE, CITY, "420281", "110000"])
def test_a_province_city_or_county_that_exists_is_registered(gateway, code):
    assert put(gateway, code, {"name": "地区"}).status_code == 200
    assert stored(code).name == "地区"


def test_a_national_source_takes_no_broken_commitment_policy(gateway):
    """Review 19, F1: a source limited to licensing commitments, given a policy, had the tick
    list its broken commitments as black listings every province recognised."""
    policy = {"severity": "serious", "legal_basis": "《信用承诺管理办法》第九条"}
    source = {"name": "某部委", "kind": "national_source", "domains": ["licensing_commitment"]}

    refused = put(gateway, "100011", {**source, "broken_commitments": policy})
    kept = put(gateway, "100011", source)

    assert (refused.status_code, error_code(refused)) == (400, "invalid_schema")
    error = refused.json_body["error"]
    assert (error["path"], [e["code"] for e in error["errors"]]) == (
        "broken_commitments",
        ["broken_commitments_not_permitted"],
    )
    assert kept.status_code == 200, kept.json_body
    assert stored("100011").broken_commitments is None
