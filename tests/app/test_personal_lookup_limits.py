"""Trying numbers: a region that may look a person up can confirm a guessed number (that is
what a check is), so every signed try at one person — a natural person's code, a responsible
person's number — is in the trail whether it found anything or not, and a region may make only
``CG_PERSONAL_LOOKUPS_PER_MINUTE`` of them a minute (429, nothing recorded beyond the limit)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import Gateway, error_code
from personal_support import UNLISTED_PERSON, Askers, company_entry, person_entry

from chalicelib import bootstrap
from gateway_client.contract.clock import FixedClock
from gateway_client.contract.codes import mask


@pytest.fixture
def askers(gateway: Gateway) -> Askers:
    return Askers(gateway).register()


def trail_of(askers: Askers, code: str) -> list[dict[str, Any]]:
    reply = askers.ask("operator", f"/v1/subjects/{code}/trail")
    assert reply.status_code == 200, reply.json_body
    return list(reply.json_body["entries"])


def person_query(askers: Askers, role: str, number: str) -> Any:
    body = json.dumps({"id_number": number, "purpose": "supervision"}).encode()
    return askers.gateway.send_signed("POST", "/v1/persons/query", askers.signers[role], body)


def test_a_signed_try_at_an_unlisted_persons_code_is_recorded_though_it_found_nothing(
    askers: Askers,
) -> None:
    askers.push("owner", person_entry())

    missed = askers.ask("no_agreement", f"/v1/subjects/{UNLISTED_PERSON}?purpose=supervision")

    assert (missed.status_code, error_code(missed)) == (404, "not_found")
    [entry] = trail_of(askers, UNLISTED_PERSON)
    assert (entry["asked_by"], entry["purpose"], entry["listing_ids"]) == (
        "440000",
        "supervision",
        [],
    )
    assert entry["masked_code"] == mask(UNLISTED_PERSON)


def test_a_person_query_that_found_nothing_is_recorded_too(askers: Askers) -> None:
    askers.push("owner", company_entry())

    missed = person_query(askers, "no_agreement", UNLISTED_PERSON)

    assert missed.status_code == 404
    [entry] = trail_of(askers, UNLISTED_PERSON)
    assert (entry["asked_by"], entry["listing_ids"]) == ("440000", [])


def test_a_region_is_limited_in_lookups_of_a_person_a_minute(
    askers: Askers, gateway: Gateway
) -> None:
    askers.push("owner", person_entry())
    gateway.configure(personal_lookups_per_minute="2")
    moment = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=20, microsecond=0)
    bootstrap.override_clock(FixedClock(moment))
    guesses = [UNLISTED_PERSON, "420281199607020111", "420281199607020218"]

    first = askers.ask("no_agreement", f"/v1/subjects/{guesses[0]}?purpose=supervision")
    second = person_query(askers, "no_agreement", guesses[1])
    third = askers.ask("no_agreement", f"/v1/subjects/{guesses[2]}?purpose=supervision")
    other_region = askers.ask("agreement", f"/v1/subjects/{guesses[2]}?purpose=supervision")

    assert [first.status_code, second.status_code] == [404, 404]
    assert (third.status_code, error_code(third)) == (429, "rate_limited")
    assert third.headers["Retry-After"] == "41"
    assert other_region.status_code == 404  # each region its own count
    assert [e["asked_by"] for e in trail_of(askers, guesses[2])] == ["430000"]
