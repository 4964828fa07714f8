"""A person's number mistyped into a code no organisation could hold (review 361): a foreign
permanent resident's (9 · province · nationality · birth date) or a Hong Kong, Macao or Taiwan
resident's residence permit (810000/820000/830000 · birth date) with a wrong check digit passes
the USCC check once in 31 typos. Read as an organisation's, it was stored unmasked and shown to
anyone with the person's name. As a USCC its registering division (digits 3–8) is none, so it
is refused in input, and a listing the release before stored under it reads as a person's."""

from __future__ import annotations

from typing import Any

import pytest
from lifecycle_support import Lifecycle, push_with_removals, removal_of
from personal_support import Askers, company_entry, ids_shown, person_entry
from stdnum.cn import ric, uscc

from chalicelib.bootstrap import container
from gateway_client.contract import codes

# 9 · 44 (广东) · 392 (Japan) · 1990-01-01 · 123 · a wrong check digit the USCC check takes
FOREIGN_PR_MISTYPED = "94439219900101123X"
# 810000 (Hong Kong residents) · 1990-01-01 · 123 · likewise
PERMIT_MISTYPED = "810000199001011237"
# review 363: as a USCC's, digits 3–8 read a district the list lags could be (141019 under 临汾市:
# 9 · 11 · 410 Korea · 1985-03-17), one abolished in 1983 (370420: 9 · 53 · 704 Viet Nam ·
# 2005), and a gateway-reserved national source (100019: 临汾市 141000, born 1975)
NEAR_DIVISIONS = ("911410198503171231", "953704200506071604", "141000197506159003")
# review 365: a typo that breaks the look (a month 13, a day 45, an office no division, a foreign
# resident's leading 9), and digits 1–2 a department and type no organisation is registered as
LOOK_BROKEN = (
    "420281199003451188",  # 大冶市 1990-03-15, the day typed 45
    "42028119901315002X",  # the month typed 13
    "810000199013150496",  # a Hong Kong resident's permit, the month typed 13
    "94439219901315010X",  # a foreign resident's, the month typed 13
    "190821199310057406",  # 140821 typed 190821
    "444840195201202612",  # 9 · 44 · 840 with its 9 typed 4
)
NO_SUCH_TYPE = ("141101198503150401", "371101198006011000", "441201198006018004")
# review 369: the century mistyped (533423194611213744 as 1546, 370306195511195534 as 0955)
CENTURY_MISTYPED = ("533423154611213744", "370306095511195534")
MISTYPED = (
    FOREIGN_PR_MISTYPED,
    PERMIT_MISTYPED,
    *NEAR_DIVISIONS,
    *LOOK_BROKEN,
    *NO_SUCH_TYPE,
    *CENTURY_MISTYPED,
)


@pytest.fixture
def askers(gateway):
    return Askers(gateway).register()


@pytest.mark.parametrize("number", MISTYPED)
def test_the_numbers_are_typos_the_uscc_check_takes(number: str) -> None:
    assert uscc.is_valid(number)
    assert ric.calc_check_digit(number) != number[17]
    assert codes.classify(number)[1] is codes.SubjectType.NATURAL_PERSON


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


def stored_before(askers: Askers, monkeypatch: pytest.MonkeyPatch, number: str) -> dict[str, Any]:
    """A listing under ``number`` as the release before stored it: an organisation's."""
    as_before = codes.SubjectType.LEGAL_PERSON
    monkeypatch.setattr(codes, "organisation_or_mistyped", lambda _: as_before)
    codes.forget_classified()
    entry = person_entry(credit_code=number, subject_name="John SMITH")
    askers.push("owner", entry)
    monkeypatch.undo()
    codes.forget_classified()
    return entry


@pytest.mark.parametrize("number", MISTYPED)
def test_a_listing_stored_under_it_before_is_a_persons_masked_and_looked_up_with_a_purpose(
    askers: Askers, monkeypatch: pytest.MonkeyPatch, number: str
) -> None:
    stored_before(askers, monkeypatch, number)

    anonymous = askers.ask("anonymous", f"/v1/subjects/{number}")
    no_purpose = askers.ask("no_agreement", f"/v1/subjects/{number}")
    seen = askers.ask("no_agreement", f"/v1/subjects/{number}?purpose=supervision")

    assert anonymous.status_code == 401
    assert number not in anonymous.body.decode()
    assert no_purpose.status_code == 400, no_purpose.json_body
    assert seen.status_code == 200, seen.json_body
    assert ids_shown(seen, number) != "full"


@pytest.mark.parametrize("number", MISTYPED)
def test_its_owner_removes_a_listing_stored_under_it_before(
    askers: Askers, monkeypatch: pytest.MonkeyPatch, number: str
) -> None:
    """A removal names the listing held: input refuses the number anywhere else (review 363)."""
    entry = stored_before(askers, monkeypatch, number)

    reply = push_with_removals(
        askers.gateway, askers.signers["owner"], "420281", [removal_of(entry, "revoked")]
    )

    assert reply.json_body["errors"] == [], reply.json_body
    assert reply.json_body["removed"] == 1, reply.json_body
    [held] = container().listings.subject(number)
    assert held.status.value == "revoked"


def test_a_mistyped_permit_stored_before_with_a_birth_still_to_come_is_looked_up(
    askers: Askers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """830000 · 2012 mistyped 2042: no one's birth, so never refused as unborn — every route
    naming it answered 400 ``invalid_birth_date`` (review 363)."""
    number = "830000204203151008"
    stored_before(askers, monkeypatch, number)

    seen = askers.ask("owner", f"/v1/subjects/{number}?purpose=supervision")

    assert seen.status_code == 200, seen.json_body
    assert seen.json_body["listings_total"] == 1, seen.json_body


def test_a_listing_stored_under_it_before_is_answered_as_a_persons(
    askers: Askers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Judged by its stored ``subject_type``, a region's try at it was 403 for the right number
    and 404 for another of its mask (which told them apart), and the query called the subject
    an organisation beside a masked number (review 363)."""
    stored_before(askers, monkeypatch, PERMIT_MISTYPED)
    [held] = container().listings.subject(PERMIT_MISTYPED)
    lifecycle, stranger = Lifecycle(askers.gateway), askers.signers["no_agreement"]
    another = "810000199002011187"  # a valid number of the same mask
    assert codes.mask(another) == codes.mask(PERMIT_MISTYPED)

    right = lifecycle.repair(stranger, PERMIT_MISTYPED, held.listing_id)
    wrong = lifecycle.repair(stranger, another, held.listing_id)
    seen = askers.ask("no_agreement", f"/v1/subjects/{PERMIT_MISTYPED}?purpose=supervision")

    assert (right.status_code, wrong.status_code) == (404, 404), (right.json_body, wrong.json_body)
    assert right.json_body.get("code") == wrong.json_body.get("code")
    assert seen.json_body["subject_type"] == "natural_person", seen.json_body
