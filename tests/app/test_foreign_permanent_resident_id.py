"""A foreign permanent resident's ID number (外国人永久居留身份证, 2023 edition: "9", the
province, the nationality, the birth date, a sequence and the GB 11643 check digit) is a
natural person's number (review 282). About one in 31 of them also passes the USCC check
(stdnum does not judge a USCC's division), and the gateway read it as an organisation's code:
published to anonymous callers in full, with the person's name, and never masked; the others
were refused outright, so such a person could not be listed by number at all."""

from __future__ import annotations

import pytest
from personal_support import Askers, company_entry, person_entry
from stdnum.cn import ric

from gateway_client.contract.codes import SubjectType, classify

# 9 · 11 (北京) · 840 (USA) · 1980-01-01 · 029 · GB 11643 check digit "1"
FOREIGN_PR = "911840198001010291"


@pytest.fixture
def askers(gateway):
    return Askers(gateway).register()


def test_the_number_is_a_person_s_by_its_own_check_digit() -> None:
    assert ric.calc_check_digit(FOREIGN_PR) == FOREIGN_PR[17]  # GB 11643 holds
    assert classify(FOREIGN_PR)[1] is SubjectType.NATURAL_PERSON


def test_an_anonymous_caller_is_never_shown_a_foreign_residents_listing(askers: Askers) -> None:
    reply = askers.gateway.push(
        askers.signers["owner"],
        "420281",
        [person_entry(credit_code=FOREIGN_PR, subject_name="John SMITH")],
    )
    assert reply.status_code == 200, reply.json_body

    anonymous = askers.ask("anonymous", f"/v1/subjects/{FOREIGN_PR}")

    assert FOREIGN_PR not in anonymous.body.decode(), (anonymous.status_code, anonymous.json_body)
    assert anonymous.status_code == 401


def test_a_foreign_responsible_persons_number_is_masked_for_a_region_without_need(
    askers: Askers,
) -> None:
    representative = {"name": "John SMITH", "role": "legal_representative", "id_number": FOREIGN_PR}
    askers.push("owner", company_entry(responsible_persons=[representative]))

    seen = askers.ask("no_agreement", "/v1/subjects/91110000600037341L?purpose=supervision")

    assert seen.status_code == 200, seen.json_body
    assert FOREIGN_PR not in seen.body.decode()
