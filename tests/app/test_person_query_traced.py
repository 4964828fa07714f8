"""The person query traces its look under every other person its page shows (review 274): a
director named beside the legal representative, shown in full to a region that recognises the
listing, and a natural person listed, found through an agent's number — as the one-stop query
and the checks file a look under every number shown (reviews 184, 193). And a number born
after today is refused 400, as the one-stop query refuses it, counted and traced nowhere."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import Gateway, StreamReader
from personal_support import PERSON, REGIONS, REPRESENTATIVE_ID, Askers, company_entry, person_entry

import app as gateway_app

DIRECTOR_ID = "420281197701011239"
UNBORN = "420281203001011236"  # born 2030-01-01, the check digit right


@pytest.fixture
def askers(gateway: Gateway) -> Askers:
    return Askers(gateway).register()


def test_person_query_showing_a_co_named_person_in_full_is_traced_under_that_number(
    askers: Askers, gateway: Gateway, stream: StreamReader
) -> None:
    persons = [
        {"name": "王某", "role": "legal_representative", "id_number": REPRESENTATIVE_ID},
        {"name": "李某", "role": "director", "id_number": DIRECTOR_ID},
    ]
    [company] = askers.push("owner", company_entry(responsible_persons=persons))
    gateway_app.fan_out_changes(stream.event(), None)
    director_trail = f"/v1/subjects/{DIRECTOR_ID}/trail"
    before = askers.ask("operator", director_trail).json_body["entries"]

    body = json.dumps({"id_number": REPRESENTATIVE_ID, "purpose": "supervision"}).encode()
    asked = gateway.send_signed("POST", "/v1/persons/query", askers.signers["agreement"], body)
    assert asked.status_code == 200, asked.json_body
    assert DIRECTOR_ID in asked.body.decode()  # the director's number shown in full

    after = askers.ask("operator", director_trail).json_body["entries"]
    assert len(after) == len(before) + 1, after
    assert after[0]["asked_by"] == REGIONS["agreement"]
    assert after[0]["listing_ids"] == [company]


def test_person_query_showing_a_natural_person_subject_in_full_is_traced_under_its_code(
    askers: Askers, gateway: Gateway, stream: StreamReader
) -> None:
    """A natural person's listing naming a responsible person (an agent, say): the person
    query for the agent shows the subject's own resident ID number in full; the subject's
    trail holds the look, as a one-stop query of that code would."""
    agent = {"name": "王某", "role": "directly_responsible", "id_number": REPRESENTATIVE_ID}
    reply = gateway.push(
        askers.signers["owner"], REGIONS["owner"], [person_entry(responsible_persons=[agent])]
    )
    assert reply.json_body["accepted"] == 1, reply.json_body
    [listing] = [str(o["listing_id"]) for o in reply.json_body["outcomes"]]
    gateway_app.fan_out_changes(stream.event(), None)
    subject_trail = f"/v1/subjects/{PERSON}/trail"
    before = askers.ask("operator", subject_trail).json_body["entries"]

    body = json.dumps({"id_number": REPRESENTATIVE_ID, "purpose": "supervision"}).encode()
    asked = gateway.send_signed("POST", "/v1/persons/query", askers.signers["agreement"], body)
    assert asked.status_code == 200, asked.json_body
    assert PERSON in asked.body.decode()  # the subject's number shown in full

    after = askers.ask("operator", subject_trail).json_body["entries"]
    assert len(after) == len(before) + 1, after
    assert after[0]["listing_ids"] == [listing]


def test_an_unborn_number_is_refused_as_the_one_stop_query_refuses_it(
    askers: Askers, gateway: Gateway, aws: Any
) -> None:
    via_path = askers.ask("agreement", f"/v1/subjects/{UNBORN}?purpose=supervision")
    assert via_path.status_code == 400, via_path.json_body  # the one-stop query: a bad code

    body = json.dumps({"id_number": UNBORN, "purpose": "supervision"}).encode()
    reply = gateway.send_signed("POST", "/v1/persons/query", askers.signers["agreement"], body)

    trail = aws.dynamodb.scan(TableName=aws.env["CG_QUERY_TRAIL_TABLE"])["Items"]
    assert (reply.status_code, reply.json_body["error"].get("path")) == (400, "id_number")
    assert trail == []
