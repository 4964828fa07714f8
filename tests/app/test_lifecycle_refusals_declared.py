"""Refusals the lifecycle routes answer are declared in their OpenAPI entries: a reassignment's
entry checked as a push is (``period_ended``, ``future_date``, ``future_version``), and 429
``rate_limited`` on the routes where a region's try at a person's listing it does not own counts
as a lookup (review 236: answered, not declared)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from app_support import CITY, CREDIT_CODE, Gateway, error_code
from lifecycle_support import (
    QINGCHENG,
    listing_path,
    pushed,
    qingcheng_entry,
    stamp,
)
from personal_support import UNLISTED_PERSON, Askers, person_entry

from chalicelib import bootstrap
from chalicelib.bootstrap import container
from gateway_client.contract.clock import FixedClock

_LISTING = "/v1/subjects/{credit_code}/listings/{listing_id}"


def _declared(gateway: Gateway, route: str, status: int) -> str:
    spec = gateway.client.http.get("/v1/openapi.json").json_body
    responses = spec["paths"][_LISTING + route]["post"]["responses"]
    return str(responses.get(str(status), {}).get("description", ""))


def test_a_reassignment_s_period_and_version_refusals_are_declared(gateway: Gateway) -> None:
    """The reassignment checks its entry as a push is (freshness.check_corrected) and answers
    400 ``period_ended`` / ``future_date`` / ``future_version`` at ``corrected_entry.…`` — its
    own description says so — but the route's documented 400 codes leave all three out (the
    decision route declares them since review 204)."""
    squatter = gateway.register_platform(QINGCHENG)
    gateway.register_platform(CITY)
    entry = qingcheng_entry()
    listing_id = pushed(gateway, squatter, QINGCHENG, entry)
    before = container().listings.current([(CREDIT_CODE, listing_id)])[listing_id]
    ended_on = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    ended = {**entry, "origin_region": CITY, "valid_until": ended_on, "source_updated_at": stamp()}
    body = json.dumps({"corrected_entry": ended, "note": "改归属"}, ensure_ascii=False).encode()

    answer = gateway.client.http.post(
        listing_path(CREDIT_CODE, listing_id) + "/reassignment",
        headers=gateway.operator(),
        body=body,
    )

    assert (answer.status_code, error_code(answer)) == (400, "period_ended"), answer.json_body
    assert answer.json_body["error"]["path"] == "corrected_entry.valid_until"
    assert container().listings.current([(CREDIT_CODE, listing_id)])[listing_id] == before
    declared = _declared(gateway, "/reassignment", 400)
    assert [c in declared for c in ("period_ended", "future_date", "future_version")] == [
        True,
        True,
        True,
    ], declared


ROUTES = {
    "objections": {"objection_id": "o-1", "reason": "有异议"},
    "repair": {"reason": "已整改", "source_updated_at": "NOW"},
    "objections/o-1/decision": {"outcome": "upheld", "source_updated_at": "NOW"},
    "objections/o-1/verified": {"source_updated_at": "NOW"},
}


@pytest.mark.parametrize("route", ROUTES)
def test_a_lookup_limit_refusal_on_a_lifecycle_route_is_declared(
    gateway: Gateway, route: str
) -> None:
    """A region's try at a person's listing it does not own counts as a lookup of one person
    (``query_api.addressed_code``): over ``CG_PERSONAL_LOOKUPS_PER_MINUTE`` it is answered 429
    ``rate_limited``. GET /v1/subjects/{code} declares that 429; the objection, verification,
    decision and repair routes answer it without declaring any 429."""
    askers = Askers(gateway).register()
    [listing_id] = askers.push("owner", person_entry())
    gateway.configure(personal_lookups_per_minute="1")
    moment = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=20, microsecond=0)
    bootstrap.override_clock(FixedClock(moment))
    path = f"/v1/subjects/{UNLISTED_PERSON}/listings/{listing_id}/{route}"
    raw = json.dumps(ROUTES[route]).replace("NOW", moment.isoformat()).encode()

    answers = [
        gateway.send_signed("POST", path, askers.signers["no_agreement"], raw) for _ in range(2)
    ]

    assert [(a.status_code, error_code(a)) for a in answers] == [
        (404, "not_found"),
        (429, "rate_limited"),
    ]
    declared = _declared(gateway, "/" + route.replace("o-1", "{objection_id}"), 429)
    assert "rate_limited" in declared, f"{route}: 429 not in the documented responses"
