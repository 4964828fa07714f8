"""A person's listing, addressed by code and listing id, answers a region that may not act on it
exactly as a listing that is not there: else a region that knows the listing id from a masked
copy could complete the masked number by trying candidates (403 for the right one, 404 for the
rest). Such tries count as lookups of one person (``CG_PERSONAL_LOOKUPS_PER_MINUTE``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from app_support import Gateway, error_code
from personal_support import PERSON, UNLISTED_PERSON, Askers, company_entry, person_entry

from chalicelib import bootstrap
from gateway_client.contract.clock import FixedClock

ROUTES = {
    "feedback": ("GET", "/feedback", None),
    "objection": ("POST", "/objections", {"objection_id": "o-1", "reason": "有异议"}),
    "repair": ("POST", "/repair", {"reason": "已整改", "source_updated_at": "NOW"}),
}


@pytest.fixture
def askers(gateway: Gateway) -> Askers:
    return Askers(gateway).register()


def tried(askers: Askers, code: str, listing_id: str, route: str) -> tuple[int, str, str]:
    method, tail, body = ROUTES[route]
    raw = b"" if body is None else json.dumps(body).replace("NOW", _now()).encode()
    path = f"/v1/subjects/{code}/listings/{listing_id}{tail}"
    reply = askers.gateway.send_signed(method, path, askers.signers["no_agreement"], raw)
    return reply.status_code, error_code(reply), json.dumps(reply.json_body["error"]["message"])


def _now() -> str:
    return datetime.now(UTC).isoformat()


@pytest.mark.parametrize("route", ROUTES)
def test_the_right_number_and_a_wrong_one_get_the_same_answer(askers: Askers, route: str) -> None:
    [listing_id] = askers.push("owner", person_entry())

    right = tried(askers, PERSON, listing_id, route)
    wrong = tried(askers, UNLISTED_PERSON, listing_id, route)

    assert right == wrong
    assert right[:2] == (404, "not_found")


def test_an_organisations_listing_still_says_who_owns_it(askers: Askers) -> None:
    """A company's code is no secret: refusing it 403 tells a region why."""
    [listing_id] = askers.push("owner", company_entry())
    code = company_entry()["credit_code"]

    assert tried(askers, code, listing_id, "feedback")[:2] == (403, "not_listing_owner")


def test_tries_at_a_persons_listing_count_as_lookups_of_one_person(
    askers: Askers, gateway: Gateway
) -> None:
    [listing_id] = askers.push("owner", person_entry())
    gateway.configure(personal_lookups_per_minute="2")
    moment = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=20, microsecond=0)
    bootstrap.override_clock(FixedClock(moment))

    answers = [tried(askers, UNLISTED_PERSON, listing_id, "feedback")[:2] for _ in range(3)]

    assert answers == [(404, "not_found"), (404, "not_found"), (429, "rate_limited")]


def test_the_owners_own_work_on_a_persons_listing_is_no_try(
    askers: Askers, gateway: Gateway
) -> None:
    """Only a region's tries at a listing it does not own count: the owner's objection steps
    and reads, and the operator's remedies, are its work."""
    [listing_id] = askers.push("owner", person_entry())
    gateway.configure(personal_lookups_per_minute="1")
    moment = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=20, microsecond=0)
    bootstrap.override_clock(FixedClock(moment))
    path = f"/v1/subjects/{PERSON}/listings/{listing_id}/feedback"

    owner = [askers.gateway.send_signed("GET", path, askers.signers["owner"]) for _ in range(3)]
    operator = [askers.ask("operator", path) for _ in range(3)]

    assert [r.status_code for r in owner + operator] == [200] * 6


def test_each_try_is_in_the_trail_for_the_operator_found_or_not(askers: Askers) -> None:
    [listing_id] = askers.push("owner", person_entry())

    tried(askers, PERSON, listing_id, "feedback")
    tried(askers, UNLISTED_PERSON, listing_id, "feedback")
    askers.gateway.send_signed(
        "GET", f"/v1/subjects/{PERSON}/listings/{listing_id}/feedback", askers.signers["owner"]
    )

    for code in (PERSON, UNLISTED_PERSON):
        reply = askers.ask("operator", f"/v1/subjects/{code}/trail")
        entries = [
            (e["asked_by"], e["purpose"], e["listing_ids"]) for e in reply.json_body["entries"]
        ]
        assert entries == [("440000", None, [])], code  # the owner's own read is no try
