"""A resident ID first issued by a district the stdnum division list lags (330113 临平区, 330114
钱塘区, made in 2021: districts the gateway itself accepts as jurisdictions) is a person's
number: it was refused as a bad USCC or, 1 in 31, taken for an organisation's code and answered
to anyone (review 134)."""

from __future__ import annotations

import pytest
from app_support import Gateway
from personal_support import Askers, person_entry
from stdnum.cn import ric


def resident_id(prefix: str, born: str, sequence: str) -> str:
    body = prefix + born + sequence
    return body + ric.calc_check_digit(body + "0")


LINPING_USCC_LOOKALIKE = resident_id("330113", "20210801", "049")  # 330113202108010497
LINPING_PLAIN = resident_id("330113", "20220315", "001")  # 330113202203150017
QIANTANG_LATE_REGISTERED = resident_id("330114", "19900315", "046")


@pytest.mark.parametrize(
    "number", [LINPING_USCC_LOOKALIKE, LINPING_PLAIN, QIANTANG_LATE_REGISTERED]
)
def test_a_new_districts_resident_id_is_a_persons_number(gateway: Gateway, number: str) -> None:
    askers = Askers(gateway).register()
    reply = gateway.push(
        askers.signers["owner"],
        "420281",
        [person_entry(credit_code=number, decision_number=f"鄂{number[-4:]}号")],
    )
    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["accepted"] == 1, reply.json_body
    anonymous = askers.ask("anonymous", f"/v1/subjects/{number}")
    assert anonymous.status_code == 401, (anonymous.status_code, anonymous.body.decode()[:300])
