"""A person's number mistyped into a code no organisation could hold (review 361): a foreign
permanent resident's (9 · province · nationality · birth date) or a Hong Kong, Macao or Taiwan
resident's residence permit (810000/820000/830000 · birth date) with a wrong check digit passes
the USCC check once in 31 typos. Read as an organisation's, it was stored unmasked and shown to
anyone with the person's name. As a USCC its registering division (digits 3–8) is none, so it
is refused in input, and a listing the release before stored under it reads as a person's."""

from __future__ import annotations

import pytest
from personal_support import Askers, company_entry, ids_shown, person_entry
from stdnum.cn import ric, uscc

from chalicelib.bootstrap import container
from gateway_client.contract import codes

# 9 · 44 (广东) · 392 (Japan) · 1990-01-01 · 123 · a wrong check digit the USCC check takes
FOREIGN_PR_MISTYPED = "94439219900101123X"
# 810000 (Hong Kong residents) · 1990-01-01 · 123 · likewise
PERMIT_MISTYPED = "810000199001011237"
MISTYPED = (FOREIGN_PR_MISTYPED, PERMIT_MISTYPED)


@pytest.fixture
def askers(gateway):
    return Askers(gateway).register()


@pytest.mark.parametrize("number", MISTYPED)
def test_the_numbers_are_typos_the_uscc_check_takes(number: str) -> None:
    assert uscc.is_valid(number)
    assert ric.calc_check_digit(number) != number[17]


@pytest.mark.parametrize("number", MISTYPED)
def test_a_listing_under_a_mistyped_number_is_refused_and_nothing_is_stored(
    askers: Askers, number: str
) -> None:
    reply = askers.gateway.push(
        askers.signers["owner"], "420281", [person_entry(credit_code=number)]
    )

    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["accepted"] == 0, reply.json_body
    [error] = reply.json_body["errors"]
    assert (error["field"], error["code"]) == ("credit_code", "invalid_check_character")
    assert number not in reply.body.decode()
    assert container().listings.subject(number) == []


@pytest.mark.parametrize("number", MISTYPED)
def test_a_responsible_person_under_a_mistyped_number_is_refused(
    askers: Askers, number: str
) -> None:
    representative = {"name": "John SMITH", "role": "legal_representative", "id_number": number}
    entry = company_entry(responsible_persons=[representative])

    reply = askers.gateway.push(askers.signers["owner"], "420281", [entry])

    assert reply.json_body["accepted"] == 0, reply.json_body
    [error] = reply.json_body["errors"]
    assert error["code"] == "invalid_check_character", error
    assert error["field"].startswith("responsible_persons"), error
    assert container().listings.subject(entry["credit_code"]) == []


@pytest.mark.parametrize("number", MISTYPED)
def test_a_listing_stored_under_it_before_is_a_persons_masked_and_looked_up_with_a_purpose(
    askers: Askers, monkeypatch: pytest.MonkeyPatch, number: str
) -> None:
    as_before = codes.SubjectType.LEGAL_PERSON
    monkeypatch.setattr(codes, "_organisation_or_mistyped", lambda _: as_before)
    codes.forget_classified()
    askers.push("owner", person_entry(credit_code=number, subject_name="John SMITH"))
    monkeypatch.undo()
    codes.forget_classified()

    anonymous = askers.ask("anonymous", f"/v1/subjects/{number}")
    no_purpose = askers.ask("no_agreement", f"/v1/subjects/{number}")
    seen = askers.ask("no_agreement", f"/v1/subjects/{number}?purpose=supervision")

    assert anonymous.status_code == 401
    assert number not in anonymous.body.decode()
    assert no_purpose.status_code == 400, no_purpose.json_body
    assert seen.status_code == 200, seen.json_body
    assert ids_shown(seen, number) != "full"
