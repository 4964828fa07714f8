"""A region holding a masked copy of another's listing of a person (``110105***********X``) must
not read the full number off the answers to pushes of the same decision under each number the
mask leaves open: the right one was refused ``not_listing_owner`` naming the owner (or
``listing_purged`` once retention erased it), each wrong one accepted as a new listing — in a
push of 5,000 entries, or an upload of millions (review 157, as review 35 found for removals).
Every number sharing the mask now meets the decision's claim and gets the same answer, the
owner unnamed, and nothing is stored; the owner's chain, and other persons, list as before."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import HUNAN, Gateway
from personal_support import (
    PERSON,
    REGIONS,
    UNLISTED_PERSON,
    Askers,
    company_entry,
    person_entry,
)
from test_repush_after_purge import _purged_person
from upload_support import uploaded

from gateway_client.contract import mask

OTHER = REGIONS["no_agreement"]
GUESSES = ["11010519491230018X", "11010519491230026X", PERSON, "11010519491230034X"]
RIGHT = 2


@pytest.fixture
def askers(gateway: Gateway) -> Askers:
    made = Askers(gateway).register()
    made.push("owner", person_entry())
    assert {mask(g) for g in GUESSES} == {mask(PERSON)}
    return made


def _answers(reply: dict[str, Any], key: str) -> dict[int, tuple[str, str, str]]:
    found = {o[key]: ("ok", o["outcome"], "") for o in reply.get("outcomes", [])}
    for error in reply["errors"]:
        found[error[key]] = (error["code"], error["field"], error["message"])
    return found


def _listed(gateway: Gateway, code: str) -> list[Any]:
    reply = gateway.client.http.get(
        f"/v1/subjects/{code}?purpose=supervision", headers=gateway.operator()
    )
    return list(reply.json_body.get("listings", [])) if reply.status_code == 200 else []


def _one_answer_for_every_guess(answers: dict[int, tuple[str, str, str]], first: int) -> None:
    said = {answers[n] for n in range(first, first + len(GUESSES))}
    assert len(said) == 1, answers
    [(code, field, message)] = said
    assert (code, field) == ("decision_of_another_region", "decision_number")
    assert REGIONS["owner"] not in message


def test_pushed_guesses_at_a_masked_number_all_get_one_answer(gateway: Gateway, askers) -> None:  # type: ignore[no-untyped-def]
    entries = [person_entry(credit_code=code) for code in GUESSES]

    reply = gateway.push(askers.signers["no_agreement"], OTHER, entries)

    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["accepted"] == 0
    _one_answer_for_every_guess(_answers(reply.json_body, "index"), 0)
    assert all(_listed(gateway, code) == [] for n, code in enumerate(GUESSES) if n != RIGHT)


def test_uploaded_guesses_at_a_masked_number_all_get_one_answer(  # type: ignore[no-untyped-def]
    gateway: Gateway, aws, askers
) -> None:
    lines = [person_entry(credit_code=code) for code in GUESSES]

    upload_id = uploaded(gateway, aws, askers.signers["no_agreement"], lines, OTHER)

    path = f"/v1/regions/{OTHER}/uploads/{upload_id}"
    view = gateway.send_signed("GET", path, askers.signers["no_agreement"]).json_body["upload"]
    assert view["accepted"] == 0, view
    _one_answer_for_every_guess(_answers(view, "line"), 1)


def test_guesses_at_a_purged_person_s_number_all_get_one_answer(  # type: ignore[no-untyped-def]
    gateway: Gateway, aws, stream, receiver
) -> None:
    _, person = _purged_person(gateway, aws, stream, receiver)
    hunan = gateway.register_platform(HUNAN)
    right = person["credit_code"]
    wrong = [c for c in GUESSES if c != right and mask(c) == mask(right)]
    guesses = [*wrong[:2], right, *wrong[2:]]
    assert len(guesses) == len(GUESSES)

    reply = gateway.push(hunan, HUNAN, [dict(person, credit_code=c) for c in guesses])

    assert reply.status_code == 200, reply.json_body
    _one_answer_for_every_guess(_answers(reply.json_body, "index"), 0)


def test_the_owner_s_chain_and_other_persons_list_under_the_decision_as_before(  # type: ignore[no-untyped-def]
    gateway: Gateway, askers
) -> None:
    """The owner's next person of that mask, a relay naming the owner's county, a person of
    another mask, and an organisation: none is a guess at the listed number."""
    by_owner = gateway.push(
        askers.signers["owner"], REGIONS["owner"], [person_entry(credit_code=GUESSES[0])]
    )
    relayed = gateway.push(
        askers.signers["relaying_city"],
        REGIONS["relaying_city"],
        [person_entry(credit_code=GUESSES[1], origin_region=REGIONS["owner"])],
    )
    another = gateway.push(
        askers.signers["no_agreement"], OTHER, [person_entry(credit_code=UNLISTED_PERSON)]
    )
    company = gateway.push(askers.signers["no_agreement"], OTHER, [company_entry()])

    for reply in (by_owner, relayed, another, company):
        assert reply.json_body["accepted"] == 1, reply.json_body


def test_the_due_backfill_claims_the_decisions_of_persons_listed_before_claims(  # type: ignore[no-untyped-def]
    gateway: Gateway, aws, askers
) -> None:
    """A listing stored before claims were made has none: the upgrade's due backfill (README)
    claims it for its owner, after which guesses get the one answer."""
    table = aws.env["CG_BATCHES_TABLE"]
    claims = [
        item["pk"]
        for item in aws.dynamodb.scan(TableName=table)["Items"]
        if item["pk"]["S"].startswith("claim#")
    ]
    assert len(claims) == 1
    aws.dynamodb.delete_item(TableName=table, Key={"pk": claims[0]})  # as before claims

    done = gateway.client.http.post(
        "/v1/listings/due/backfill", headers=gateway.operator(), body=b"{}"
    )
    reply = gateway.push(
        askers.signers["no_agreement"], OTHER, [person_entry(credit_code=c) for c in GUESSES]
    )

    assert done.status_code == 200, done.json_body
    held = aws.dynamodb.get_item(TableName=table, Key={"pk": claims[0]})["Item"]
    assert held["claimed_by"]["S"] == REGIONS["owner"]
    _one_answer_for_every_guess(_answers(reply.json_body, "index"), 0)
