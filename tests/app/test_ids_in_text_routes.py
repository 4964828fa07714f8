"""A resident ID number written into text is refused where it arrives — a pushed entry alone
(its index, field and code), an objection or a repair whole — and nothing of it is stored: the
listing's reason, history and objection are what anyone with no purpose reads."""

from __future__ import annotations

import pytest
from app_support import CITY, CREDIT_CODE, OTHER_CREDIT_CODE, black_entry
from lifecycle_support import Lifecycle, pushed

# the person's number, and the first-generation one it was (15 digits: review 182)
NUMBERS = pytest.mark.parametrize("number", ["420281199503150210", "420281950315021"])


@NUMBERS
def test_a_pushed_entry_with_an_id_number_in_its_reason_is_refused_alone(gateway, number):
    signer = gateway.register_platform(CITY)
    reason = f"法定代表人王某（公民身份号码：{number}）拒不履行生效法律文书确定的义务"
    quoting = black_entry(credit_code=OTHER_CREDIT_CODE, reason=reason)

    response = gateway.push(signer, CITY, [quoting, black_entry()])

    assert response.status_code == 200
    reply = response.json_body
    assert [(e["index"], e["field"], e["code"]) for e in reply["errors"]] == [
        (0, "reason", "id_number_in_text")
    ]
    assert number not in response.body.decode()
    assert (reply["accepted"], reply["rejected"]) == (1, 1)
    assert gateway.client.http.get(f"/v1/subjects/{OTHER_CREDIT_CODE}").status_code == 404


@NUMBERS
def test_an_objection_or_repair_quoting_an_id_number_changes_nothing(gateway, number):
    signer = gateway.register_platform(CITY)
    listing_id = pushed(gateway, signer, CITY, black_entry())
    life = Lifecycle(gateway)

    objection = life.file_objection(CREDIT_CODE, listing_id, reason=f"本人{number}未欠款")
    named = life.file_objection(CREDIT_CODE, listing_id, objection_id=number)
    repair = life.repair(signer, CREDIT_CODE, listing_id, reason=f"{number}已整改")

    for response, path in ((objection, "reason"), (named, "objection_id"), (repair, "reason")):
        error = response.json_body["error"]
        assert (response.status_code, error["code"]) == (400, "invalid_schema")
        assert [(p["path"], p["code"]) for p in error["errors"]] == [(path, "id_number_in_text")]
    listing = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}").json_body["listings"][0]
    assert (listing["listing"]["status"], listing["listing"]["objection"]) == ("active", None)
    assert len(listing["listing"]["history"]) == 0
