"""A console session makes no lookup of a natural person through a listing route (review 280):
the listing-feedback route, open to sessions, tried a person's number as a lookup of one
person — counted against the region's limit and the mask's tries, traced — though the one-stop
query refuses a session any natural person. It is 403 ``console_session_not_allowed`` now,
nothing counted or traced; a region's own listing is still the session's to read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app_support import Gateway, error_code
from personal_support import PERSON, Askers, person_entry
from session_support import as_session, open_session

from chalicelib import bootstrap
from gateway_client.contract.clock import FixedClock


def test_a_session_makes_no_try_at_a_persons_listing(gateway: Gateway) -> None:
    askers = Askers(gateway).register()
    [listing_id] = askers.push("owner", person_entry())
    gateway.configure(personal_lookups_per_minute="1")
    moment = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=20, microsecond=0)
    bootstrap.override_clock(FixedClock(moment))
    session = open_session(gateway, askers.signers["no_agreement"]).json_body["token"]

    tried = as_session(
        gateway, session, "GET", f"/v1/subjects/{PERSON}/listings/{listing_id}/feedback"
    )
    trail = gateway.client.http.get(f"/v1/subjects/{PERSON}/trail", headers=gateway.operator())
    signed = askers.ask("no_agreement", f"/v1/subjects/{PERSON}?purpose=supervision")

    # the one-stop query's answer to a session for a natural person's code
    assert (tried.status_code, error_code(tried)) == (403, "console_session_not_allowed"), (
        tried.status_code,
        tried.json_body,
    )
    assert trail.json_body["entries"] == [], trail.json_body  # no look at the person recorded
    assert signed.status_code != 429  # the region's lookup of the minute was not used up


def test_the_owners_session_reads_its_own_persons_listing_feedback(gateway: Gateway) -> None:
    askers = Askers(gateway).register()
    [listing_id] = askers.push("owner", person_entry())
    session = open_session(gateway, askers.signers["owner"]).json_body["token"]

    read = as_session(
        gateway, session, "GET", f"/v1/subjects/{PERSON}/listings/{listing_id}/feedback"
    )

    assert read.status_code == 200, read.json_body
