"""The person query (落实到人) holds back a red listing's incentives aimed at the legal
representative while the company has a black listing in force, as the one-stop query and the
deliveries do (``black_listing_in_force``; review 187: it showed them as applying)."""

from __future__ import annotations

import json

from app_support import CREDIT_CODE, HUBEI, HUNAN, agreement_terms, create_agreement
from personal_support import REPRESENTATIVE_ID, Askers, company_entry
from test_query_as_region import red_entry

import app as gateway_app

HONOUR = {
    "measure_id": "recommend_representative_honours",
    "text": "优先推荐法定代表人参评荣誉称号",
    "department": "精神文明建设部门",
    "mandatory": False,
    "kinds": ["red"],
    "targets": ["responsible_person"],
}


def test_the_person_query_holds_back_red_incentives_as_the_one_stop_query_does(gateway, stream):  # type: ignore[no-untyped-def]
    askers = Askers(gateway).register()
    red_terms = agreement_terms(
        title="湖南省认可湖北省诚信典型名单",
        sources=[{"region": HUBEI, "subtree": True}],
        kinds=["red"],
        min_severity=None,
        measures=[HONOUR],
    )
    made = create_agreement(gateway, red_terms)
    assert made.status_code == 201, made.json_body
    representative = {
        "name": "王某",
        "role": "legal_representative",
        "id_number": REPRESENTATIVE_ID,
    }
    askers.push("owner", company_entry())  # black, serious, in force
    askers.push("owner", red_entry(responsible_persons=[representative]))
    gateway_app.fan_out_changes(stream.event(), None)

    subject = askers.ask(
        "agreement", f"/v1/subjects/{CREDIT_CODE}?as={HUNAN}&purpose=administrative_approval"
    )
    assert subject.status_code == 200, subject.json_body
    [red_view] = [v for v in subject.json_body["listings"] if v["listing"]["kind"] == "red"]
    assert red_view["measures"] == []  # held back: a black listing is in force
    assert [m["measure_id"] for m in red_view["suspended_measures"]] == [HONOUR["measure_id"]]

    body = json.dumps({"id_number": REPRESENTATIVE_ID, "purpose": "administrative_approval"})
    person = gateway.send_signed(
        "POST", "/v1/persons/query", askers.signers["agreement"], body.encode()
    )
    assert person.status_code == 200, person.json_body
    [red_person] = [x for x in person.json_body["listings"] if x["listing"]["kind"] == "red"]

    assert red_person["measures"] == []
    held_back = [m["measure"]["measure_id"] for m in red_person["suspended_measures"]]
    assert (held_back, red_person["suspended_because"]) == (
        [HONOUR["measure_id"]],
        "black_listing_in_force",
    )


def test_the_operator_s_person_query_holds_back_red_as_its_subject_query_does(gateway, stream):  # type: ignore[no-untyped-def]
    """Without a region's recognition (the operator's), the red listing shows as it stands: its
    incentives held back while the company's black listing is in force (review 219)."""
    askers = Askers(gateway).register()
    representative = {
        "name": "王某",
        "role": "legal_representative",
        "id_number": REPRESENTATIVE_ID,
    }
    askers.push("owner", company_entry())  # black, serious, in force
    askers.push("owner", red_entry(responsible_persons=[representative]))
    gateway_app.fan_out_changes(stream.event(), None)

    subject = askers.ask("operator", f"/v1/subjects/{CREDIT_CODE}?purpose=administrative_approval")
    assert subject.status_code == 200, subject.json_body
    [red_view] = [v for v in subject.json_body["listings"] if v["listing"]["kind"] == "red"]
    assert red_view["suspended_because"] == "black_listing_in_force"

    body = json.dumps({"id_number": REPRESENTATIVE_ID, "purpose": "administrative_approval"})
    person = gateway.client.http.post(
        "/v1/persons/query", headers=gateway.operator(), body=body.encode()
    )
    assert person.status_code == 200, person.json_body
    [red_person] = [x for x in person.json_body["listings"] if x["listing"]["kind"] == "red"]
    assert red_person.get("suspended_because") == "black_listing_in_force", red_person
