"""The PDF of a signed check report (the document a department files) names what the signed
summary counts: a grade its scheme calls poor, in force with its punishment measures, and a
promise broken while it held — both were "无适用名单 none applies" (review 372)."""

from __future__ import annotations

import json

from app_support import CITY, CREDIT_CODE, HUNAN, Gateway
from test_commitment_routes import broken, commitment
from test_evaluation_standing import grade

from gateway_client.contract import report_applies
from gateway_client.report_pdf import _outcome


def test_the_pdf_does_not_say_none_applies_of_a_poor_grade_in_force(gateway: Gateway) -> None:
    gateway.put_region(HUNAN, name="湖南省")
    city = gateway.register_platform(CITY)
    assert gateway.push(city, CITY, [grade("D")]).json_body["accepted"] == 1
    body = {"codes": [CREDIT_CODE], "purpose": "supervision", "report": True}

    reply = gateway.post_signed("/v1/checks", city, None, json.dumps(body).encode())

    assert reply.status_code == 200, reply.json_body
    [result] = reply.json_body["report"]["content"]["results"]
    [view] = result["subject"]["listings"]
    assert report_applies(view), view  # the grade applies…
    assert view["measures"], view  # …with its measures
    assert _outcome(result) == "不良信用评价 poor grade", view["listing"]["evaluation"]


def test_the_pdf_does_not_say_none_applies_of_a_broken_commitment(gateway: Gateway) -> None:
    """A broken commitment (信用承诺 违诺) closes the green channel and is counted in the signed
    summary (``broken_commitments``); the PDF's row says no list applies."""
    gateway.put_region(HUNAN, name="湖南省")
    city = gateway.register_platform(CITY)
    pushed = gateway.push(city, CITY, [commitment(), broken()]).json_body
    assert pushed["accepted"] >= 1, pushed
    body = {"codes": [CREDIT_CODE], "purpose": "supervision", "report": True}

    reply = gateway.post_signed("/v1/checks", city, None, json.dumps(body).encode())

    assert reply.status_code == 200, reply.json_body
    content = reply.json_body["report"]["content"]
    assert content["summary"]["broken_commitments"] == 1
    [result] = content["results"]
    assert _outcome(result) == "违背信用承诺 broken commitment"
