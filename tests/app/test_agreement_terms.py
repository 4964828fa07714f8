"""Agreement terms that parse but could never work are refused, when signed and when revised:
a 4xx with its code and path, no agreement stored or changed, no re-evaluation queued."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import (
    DAYE,
    HUBEI,
    HUNAN,
    Gateway,
    agreement_terms,
    create_agreement,
    error_code,
    revise_agreement,
    signed_agreement,
)

from chalicelib import bootstrap

GREEN_CHANNEL = {
    "measure_id": "green_channel",
    "text": "绿色通道",
    "department": "各部门",
    "mandatory": False,
}
MEASURES = agreement_terms()["measures"]
EVALUATION = {**MEASURES[0], "measure_id": "m_eval", "kinds": ["evaluation"]}

REFUSED: list[tuple[str, dict[str, Any], int, str, str]] = [
    ("itself", {"sources": [{"region": HUNAN}]}, 400, "self_recognition", "sources.0.region"),
    (  # its own city's listings are its own already (review 94 F3)
        "a city of its own",
        {"sources": [{"region": HUBEI}, {"region": "430100", "subtree": False}]},
        400,
        "self_recognition",
        "sources.1.region",
    ),
    (
        "unregistered",
        {"sources": [{"region": HUBEI}, {"region": "650000"}]},
        403,
        "unknown_region",
        "sources.1.region",
    ),
    (
        "unregistered alone",
        {"sources": [{"region": "420100", "subtree": False}]},
        403,
        "unknown_region",
        "sources.0.region",
    ),
    (
        "source twice",
        {"sources": [{"region": HUBEI}, {"region": HUBEI, "subtree": False}]},
        400,
        "duplicate_value",
        "sources.1.region",
    ),
    ("kind twice", {"kinds": ["black", "black"]}, 400, "duplicate_value", "kinds.1"),
    (
        "measure twice",
        {"measures": [MEASURES[0]] * 2},
        400,
        "duplicate_value",
        "measures.1.measure_id",
    ),
    (
        "grade twice",
        {
            "kinds": ["evaluation"],
            "min_severity": None,
            "grades": ["A", "A"],
            "measures": [EVALUATION],
        },
        400,
        "duplicate_value",
        "grades.1",
    ),
    (
        "red measure",
        {"measures": [MEASURES[0], GREEN_CHANNEL]},
        400,
        "measure_not_for_kinds",
        "measures.1.measure_id",
    ),
    (
        "own red measure",
        {"measures": [{**MEASURES[0], "measure_id": "agreed_thanks", "kinds": ["red"]}]},
        400,
        "measure_not_for_kinds",
        "measures.0.measure_id",
    ),
    (  # an own measure for no list at all (review 247: its message named no kind)
        "own measure for no list",
        {"measures": [{**MEASURES[0], "measure_id": "agreed_nothing", "kinds": []}]},
        400,
        "measure_not_for_kinds",
        "measures.0.measure_id",
    ),
    (  # a red list's domain in a black-list agreement: nothing could match (review 187)
        "red domain",
        {"domains": ["court_defaulter", "a_grade_taxpayer"]},
        400,
        "domain_not_for_kinds",
        "domains.1",
    ),
]
IDS = [case[0] for case in REFUSED]


@pytest.fixture
def regions(gateway: Gateway) -> Gateway:
    """湖南 subscribes; 湖北's only platform is 大冶市's (a county of 黄石市, 420200)."""
    gateway.put_region(HUNAN, name="湖南省")
    gateway.put_region(DAYE, name="大冶市")
    return gateway


def stored(gateway: Gateway) -> list[dict[str, Any]]:
    return list(gateway.client.http.get("/v1/agreements").json_body["agreements"])


def unfinished_jobs() -> list[str]:
    return list(bootstrap.container().reevaluations.unfinished())


@pytest.mark.parametrize(("case", "terms", "status", "code", "path"), REFUSED, ids=IDS)
def test_terms_that_cannot_work_are_not_signed(
    regions: Gateway, case: str, terms: dict[str, Any], status: int, code: str, path: str
) -> None:
    reply = create_agreement(regions, agreement_terms(**terms))

    assert (reply.status_code, error_code(reply)) == (status, code), reply.json_body
    assert reply.json_body["error"]["path"] == path
    assert stored(regions) == []
    assert unfinished_jobs() == []


@pytest.mark.parametrize(("case", "terms", "status", "code", "path"), REFUSED, ids=IDS)
def test_terms_that_cannot_work_do_not_revise_an_agreement(
    regions: Gateway, case: str, terms: dict[str, Any], status: int, code: str, path: str
) -> None:
    signed = signed_agreement(regions)
    before, jobs = stored(regions), unfinished_jobs()

    reply = revise_agreement(regions, signed["agreement_id"], agreement_terms(**terms))

    assert (reply.status_code, error_code(reply)) == (status, code), reply.json_body
    assert reply.json_body["error"]["path"] == path
    assert stored(regions) == before
    assert unfinished_jobs() == jobs


def test_a_province_is_a_source_by_a_platform_under_it_and_red_measures_suit_red_lists(
    regions: Gateway,
) -> None:
    """湖北 itself has no platform, but 大冶市 lists in its subtree; a red-list agreement may
    carry the catalogue's red measures, and an agreement may write out a measure of its own."""
    own = {**MEASURES[0], "measure_id": "agreed_joint_supervision"}

    black = create_agreement(regions, agreement_terms(measures=[MEASURES[1], own]))
    red = create_agreement(
        regions, agreement_terms(kinds=["red"], min_severity=None, measures=[GREEN_CHANNEL])
    )

    assert (black.status_code, red.status_code) == (201, 201), (black.json_body, red.json_body)
    kept = sorted((a["kinds"], [m["measure_id"] for m in a["measures"]]) for a in stored(regions))
    assert kept == [
        (["black"], ["strict_licensing_review", "agreed_joint_supervision"]),
        (["red"], ["green_channel"]),
    ]


def test_the_nation_recognises_no_source_every_listing_being_its_own(regions: Gateway) -> None:
    """The nation's subtree is every region: an agreement naming it as the subscriber could
    only add measures to listings it has as its own."""
    national = {"name": "信用中国", "kind": "national_platform"}
    put = regions.client.http.put(
        "/v1/regions/100000", headers=regions.operator(), body=json.dumps(national).encode()
    )
    assert put.status_code == 200, put.json_body

    reply = create_agreement(regions, agreement_terms(subscriber_region="100000"))

    assert (reply.status_code, error_code(reply)) == (400, "self_recognition"), reply.json_body
    assert reply.json_body["error"]["path"] == "sources.0.region"
    assert stored(regions) == []
    assert unfinished_jobs() == []


def test_a_restated_catalogue_measure_reaches_whom_the_catalogue_says_in_the_body_s_words(
    regions: Gateway,
) -> None:
    """限制出境 restated as a recommended measure for subjects alone, with no legal basis, is
    saved reaching the responsible persons too, on the catalogue's legal basis, and required as
    the law requires it; the agreement's own wording stays (review 94 F4)."""
    restated = {
        "measure_id": "restrict_exit",
        "text": "限制出境（本省）",
        "department": "湖南省公安厅出入境管理局",
        "mandatory": False,
        "targets": ["subject"],
    }
    catalogued = next(
        m
        for m in regions.client.http.get("/v1/measures", headers=regions.operator()).json_body[
            "measures"
        ]
        if m["measure_id"] == "restrict_exit"
    )

    reply = create_agreement(regions, agreement_terms(measures=[restated]))

    assert reply.status_code == 201, reply.json_body
    [saved] = reply.json_body["agreement"]["measures"]
    assert (saved["text"], saved["department"]) == (restated["text"], restated["department"])
    assert saved["targets"] == catalogued["targets"] == ["subject", "responsible_person"]
    assert saved["mandatory"] is catalogued["mandatory"] is True
    assert saved["legal_basis"] == catalogued["legal_basis"]
    assert [m["targets"] for a in stored(regions) for m in a["measures"]] == [saved["targets"]]
