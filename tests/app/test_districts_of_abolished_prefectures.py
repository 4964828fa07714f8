"""A district the division list lags lies under a city still on it: not under a prefecture (地区)
abolished decades ago, which gained no district since. All-digit USCCs whose first six digits
fall under one stay organisations' codes (review 136: they were read as persons' numbers)."""

from __future__ import annotations

import pytest
from app_support import CITY, Gateway, black_entry
from stdnum.cn import ric, uscc

from gateway_client.contract.codes import SubjectType, classify
from gateway_client.contract.regions import existed_from, newer_district

# 13 (机构编制, 群众团体) + 210219 + org code: valid under both check systems; 132100 is
# 邯郸地区, on the list until 1993 only; 322101: 徐州地区, until 1983
USCCS = ["132102196708207266", "322101201507273497"]


@pytest.mark.parametrize("code", USCCS)
def test_an_all_digit_uscc_under_an_abolished_prefecture_stays_an_organisations(code: str) -> None:
    assert uscc.is_valid(code)
    assert ric.calc_check_digit(code) == code[17]  # right both ways: a person's, were it one
    assert not existed_from(code[:4] + "00", 2000)  # the "city" ended long before the list
    assert not newer_district(code[:6])
    assert classify(code) == (code, SubjectType.LEGAL_PERSON)


def test_such_a_uscc_pushed_is_answered_as_an_organisations(gateway: Gateway) -> None:
    code = USCCS[0]
    signer = gateway.register_platform(CITY)
    reply = gateway.push(signer, CITY, [black_entry(credit_code=code)])
    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["accepted"] == 1, reply.json_body
    anonymous = gateway.client.http.get(f"/v1/subjects/{code}")
    assert anonymous.status_code == 200, (anonymous.status_code, anonymous.body.decode()[:300])
