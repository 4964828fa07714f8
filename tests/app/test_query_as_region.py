"""GET /v1/subjects/{code}?as=REGION: the one-stop query (应查必查) as one province sees it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import (
    CREDIT_CODE,
    DAYE,
    GUANGDONG,
    HUBEI,
    HUNAN,
    NATURAL_PERSON_CODE,
    Gateway,
    daye_black_entry,
    error_code,
    signed_agreement,
)

from gateway_client.contract.clock import china_date
from gateway_client.contract.signing import Ed25519Signer

TAX = {
    "domain": "major_tax_violation",
    "deciding_authority": "国家税务总局大冶市税务局",
    "decision_number": "大税稽罚〔2024〕3号",
}


def red_entry(**overrides: Any) -> dict[str, Any]:
    """A 诚信典型 red listing decided in 大冶市 (red entries carry no severity)."""
    return daye_black_entry(
        **{
            "kind": "red",
            "domain": "trustworthiness_model",
            "severity": None,
            "reason": "诚信经营，获评诚信典型",
            "deciding_authority": "大冶市发展和改革局",
            "decision_number": "大发改信〔2024〕1号",
            **overrides,
        }
    )


@pytest.fixture
def daye(gateway) -> Ed25519Signer:
    """大冶市's platform, with 湖南 and 广东 registered as the provinces that query."""
    signer = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    gateway.put_region(GUANGDONG, name="广东省")
    return signer


def push(gateway: Gateway, signer: Ed25519Signer, *entries: dict[str, Any]) -> None:
    response = gateway.push(signer, DAYE, list(entries))
    assert response.json_body["accepted"] == len(entries), response.json_body


def query(gateway: Gateway, code: str, as_region: str | None = None, **headers: str) -> Any:
    path = f"/v1/subjects/{code}" + (f"?as={as_region}" if as_region is not None else "")
    return gateway.client.http.get(path, headers=headers)


def view(gateway: Gateway, code: str, as_region: str | None = None) -> dict[str, Any]:
    response = query(gateway, code, as_region)
    assert response.status_code == 200, response.json_body
    return dict(response.json_body)


def test_hunan_sees_a_listing_its_agreement_recognises_with_the_agreements_measures(gateway, daye):
    push(gateway, daye, daye_black_entry())
    agreement = signed_agreement(gateway)

    subject = view(gateway, CREDIT_CODE, HUNAN)

    assert subject["as_region"] == HUNAN
    assert subject["credit_code"] == CREDIT_CODE
    assert subject["subject_type"] == "legal_person"
    assert subject["subject_name"] == "大冶某某矿业有限公司"
    [shown] = subject["listings"]
    assert shown["listing"]["origin_region"] == DAYE
    assert shown["recognised"] is True
    assert shown["basis"] == [agreement["agreement_id"]]
    assert shown["reasons"] == []
    # The agreement lists the recommended measure first; the view puts mandatory ones first.
    assert [(m["measure_id"], m["mandatory"]) for m in shown["measures"]] == [
        ("strict_licensing_review", True),
        ("restrict_franchise", False),
    ]
    assert subject["intensified"] is False
    assert subject["benefits"] == {
        "green_channel": False,
        "basis": [],
        "refused_because": ["black_listing_standing", "no_qualifying_red_listing"],
        "open_from": None,
    }


def test_each_province_sees_the_same_listing_its_own_way(gateway, daye):
    push(gateway, daye, daye_black_entry())

    guangdong = view(gateway, CREDIT_CODE, GUANGDONG)
    hubei = view(gateway, CREDIT_CODE, HUBEI)
    anyone = view(gateway, CREDIT_CODE)

    [not_recognised] = guangdong["listings"]
    assert guangdong["as_region"] == GUANGDONG
    assert not_recognised["recognised"] is False
    assert not_recognised["basis"] == []
    assert not_recognised["measures"] == []
    assert not_recognised["reasons"] == ["no_agreement"]
    [own] = hubei["listings"]
    assert own["recognised"] is True
    assert own["basis"] == ["own_subtree"]
    flags = [m["mandatory"] for m in own["measures"]]
    assert flags
    assert flags == sorted(flags, reverse=True)
    [plain] = anyone["listings"]
    assert anyone["as_region"] is None
    assert plain["recognised"] is None
    assert (plain["basis"], plain["measures"], plain["reasons"]) == ([], [], [])


def test_the_reasons_name_every_agreement_that_does_not_carry_the_listing(gateway, daye):
    food = {  # a general listing (a court defaulter is serious by law)
        "domain": "food_drug",
        "legal_basis": "《中华人民共和国食品安全法》第一百三十五条",
        "deciding_authority": "大冶市市场监督管理局",
    }
    push(gateway, daye, daye_black_entry(severity="general", **food))
    signed_agreement(gateway)  # serious only
    later = (china_date(datetime.now(UTC)) + timedelta(days=10)).isoformat()
    signed_agreement(gateway, title="明年起互认", min_severity=None, effective_from=later)
    red_measure = {
        "measure_id": "green_channel",
        "text": "绿色通道",
        "department": "各部门",
        "mandatory": False,
    }
    signed_agreement(
        gateway, title="红名单互认", kinds=["red"], min_severity=None, measures=[red_measure]
    )

    [shown] = view(gateway, CREDIT_CODE, HUNAN)["listings"]

    assert shown["recognised"] is False
    assert sorted(shown["reasons"]) == [
        "agreement_not_yet_effective",
        "kind_not_covered",
        "severity_below_threshold",
    ]


def test_an_invalid_as_region_is_a_bad_request(gateway, daye):
    push(gateway, daye, daye_black_entry())

    replies = {value: query(gateway, CREDIT_CODE, value) for value in ("12", "043000", "4300OO")}

    assert {k: (r.status_code, error_code(r)) for k, r in replies.items()} == dict.fromkeys(
        replies, (400, "invalid_schema")
    )


def test_an_invalid_as_region_error_names_the_as_parameter(gateway, daye):
    """error.path names the offending input; the request has an ``as``, not a ``region``."""
    push(gateway, daye, daye_black_entry())

    response = query(gateway, CREDIT_CODE, "12")

    assert response.status_code == 400
    assert response.json_body["error"]["path"] == "as"


def test_black_lists_in_two_recognised_domains_intensify_for_hunan_only(gateway, daye):
    push(gateway, daye, daye_black_entry(), daye_black_entry(**TAX))
    signed_agreement(gateway, domains=["court_defaulter", "major_tax_violation"])

    hunan = view(gateway, CREDIT_CODE, HUNAN)
    guangdong = view(gateway, CREDIT_CODE, GUANGDONG)

    assert hunan["intensified"] is True
    assert hunan["intensified_domains"] == ["court_defaulter", "major_tax_violation"]
    assert [x["recognised"] for x in hunan["listings"]] == [True, True]
    assert guangdong["intensified"] is False
    assert guangdong["intensified_domains"] == []


def test_one_recognised_domain_of_two_does_not_intensify(gateway, daye):
    push(gateway, daye, daye_black_entry(), daye_black_entry(**TAX))
    signed_agreement(gateway, domains=["court_defaulter"])

    hunan = view(gateway, CREDIT_CODE, HUNAN)

    assert hunan["intensified"] is False
    assert hunan["intensified_domains"] == ["court_defaulter"]


def test_resident_ids_are_shown_to_the_operator_and_the_owner_not_to_anonymous_callers(
    gateway, daye
):
    """Who sees what in full: test_personal_information.py; here, with ``as`` 湖南."""
    representative = {
        "name": "张三",
        "role": "legal_representative",
        "id_number": NATURAL_PERSON_CODE,
    }
    push(
        gateway,
        daye,
        daye_black_entry(credit_code=NATURAL_PERSON_CODE, subject_name="张三"),
        daye_black_entry(responsible_persons=[representative]),
    )
    signed_agreement(gateway)
    person = f"/v1/subjects/{NATURAL_PERSON_CODE}?as={HUNAN}&purpose=supervision"

    anonymous = query(gateway, NATURAL_PERSON_CODE, HUNAN)
    operator = gateway.client.http.get(person, headers=gateway.operator()).json_body
    owner = gateway.send_signed("GET", person, daye).json_body
    company = query(gateway, CREDIT_CODE, HUNAN).json_body
    company_for_operator = gateway.client.http.get(
        f"/v1/subjects/{CREDIT_CODE}?as={HUNAN}&purpose=supervision", headers=gateway.operator()
    ).json_body

    assert (anonymous.status_code, error_code(anonymous)) == (
        401,
        "personal_query_requires_signature",
    )
    assert operator["subject_type"] == "natural_person"
    assert operator["credit_code"] == NATURAL_PERSON_CODE
    assert [x["listing"]["credit_code"] for x in operator["listings"]] == [NATURAL_PERSON_CODE]
    assert operator["listings"][0]["recognised"] is True
    assert owner["credit_code"] == NATURAL_PERSON_CODE
    # A company's code is public; its legal representative's resident ID is not, even masked.
    assert company["credit_code"] == CREDIT_CODE
    [persons] = [x["listing"]["responsible_persons"] for x in company["listings"]]
    assert [(p["name"], p["id_number"]) for p in persons] == [("张三", None)]
    [persons] = [x["listing"]["responsible_persons"] for x in company_for_operator["listings"]]
    assert [p["id_number"] for p in persons] == [NATURAL_PERSON_CODE]


def test_only_an_active_red_trustworthiness_listing_opens_the_green_channel(gateway, daye):
    push(gateway, daye, red_entry())
    [red] = view(gateway, CREDIT_CODE)["listings"]
    red_id = red["listing"]["listing_id"]

    anyone = view(gateway, CREDIT_CODE)
    own = view(gateway, CREDIT_CODE, HUBEI)
    guangdong = view(gateway, CREDIT_CODE, GUANGDONG)
    push(gateway, daye, daye_black_entry())
    after_black = view(gateway, CREDIT_CODE, HUBEI)

    opened = {"green_channel": True, "basis": [red_id], "refused_because": [], "open_from": None}
    assert anyone["benefits"] == opened
    assert own["benefits"] == opened
    assert own["intensified"] is False
    assert guangdong["benefits"] == {  # not recognised there
        **opened,
        "green_channel": False,
        "basis": [],
        "refused_because": ["no_qualifying_red_listing"],
    }
    assert after_black["benefits"] == {  # seed 000 二(一)2: a black listing in force
        **opened,
        "green_channel": False,
        "basis": [],
        "refused_because": ["black_listing_standing"],
    }
    [red_after] = [x for x in after_black["listings"] if x["listing"]["kind"] == "red"]
    assert red_after["measures"] == []  # seed 001 二(四)3: incentives held back, with the reason
    assert red_after["suspended_because"] == "black_listing_in_force"
    assert [m["measure_id"] for m in red_after["suspended_measures"]] == [
        m["measure_id"] for m in own["listings"][0]["measures"]
    ]
