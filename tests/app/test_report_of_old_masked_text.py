"""A signed check report of a listing shown masked, whose text was stored before input refused
resident ID numbers: its masked views are signed as built, not validated again as input (a
masked objection id that was an ID number failed the objection id's pattern, and the check was
a 500 on every retry: review 360)."""

from __future__ import annotations

from typing import Any

from app_support import CITY, HUNAN, OTHER_CREDIT_CODE, black_entry
from lifecycle_support import Lifecycle

from gateway_client.contract import model

PERSON = "11010519491231002X"


def test_a_report_of_a_listing_whose_old_number_lengthens_when_masked(
    gateway: Any, monkeypatch: Any
) -> None:
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)  # no agreement: shown the listing masked
    decision = "（2020）黑09执……" + "……" * 20 + f"号（{PERSON}）"
    decision += "号" * (200 - len(decision))
    assert len(decision) == 200
    with monkeypatch.context() as m:  # stored before input refused ID numbers in text
        m.setattr(model, "refuse_resident_ids", lambda value: None)
        entry = black_entry(credit_code=OTHER_CREDIT_CODE, decision_number=decision)
        pushed = gateway.push(city, CITY, [entry])
        assert pushed.json_body["accepted"] == 1, pushed.json_body
    asked = {"codes": [OTHER_CREDIT_CODE], "purpose": "supervision", "report": True}
    answer = Lifecycle(gateway).post("/v1/checks", asked, hunan)
    assert answer.status_code == 200, answer.json_body
    assert PERSON not in answer.body.decode()


def test_a_report_of_a_listing_whose_old_objection_id_is_an_id_number(
    gateway: Any, monkeypatch: Any
) -> None:
    """The masked view masks an objection id that was an ID number (review 308): the masked
    id ("110105***********X") fails the objection id's pattern when the report is validated."""
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    pushed = gateway.push(city, CITY, [black_entry(credit_code=OTHER_CREDIT_CODE)])
    [outcome] = pushed.json_body["outcomes"]
    with monkeypatch.context() as m:  # filed before input refused ID numbers in text
        m.setattr(model, "refuse_resident_ids", lambda value: None)
        filed = Lifecycle(gateway).file_objection(
            OTHER_CREDIT_CODE, outcome["listing_id"], objection_id=PERSON, signer=city
        )
        assert filed.status_code == 201, filed.json_body
    asked = {"codes": [OTHER_CREDIT_CODE], "purpose": "supervision", "report": True}
    answer = Lifecycle(gateway).post("/v1/checks", asked, hunan)
    assert answer.status_code == 200, answer.json_body
    assert PERSON not in answer.body.decode()
