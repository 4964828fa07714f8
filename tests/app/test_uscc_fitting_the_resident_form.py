"""A valid all-digit USCC — 9 (工商), 1 (enterprise), division 230720, organisation code
30010135-6 — fits the foreign permanent resident's form as well (9, "12", "307", "20300101",
"356", GB 11643's check). Read as a person's born in 2030 it was refused as unborn: the company
could not be listed, looked up, or have a listing stored before the upgrade removed (review
283). It is read as a person's, the safe side, the same whatever the day (review 284: read by
the clock, it flipped when the date in its digits came), and never refused as unborn."""

from __future__ import annotations

import pytest
from app_support import CITY, black_entry, error_code
from lifecycle_support import push_with_removals, removal_of
from stdnum.cn import ric, uscc
from test_foreign_resident_stored_before_retention import stored_by_the_release_before

COMPANY = "912307203001013565"


def test_the_code_is_a_valid_uscc_that_also_fits_the_permanent_resident_form() -> None:
    assert uscc.is_valid(COMPANY)
    assert ric.calc_check_digit(COMPANY) == COMPANY[17]


def test_a_company_with_this_code_can_be_listed(gateway) -> None:
    city = gateway.register_platform(CITY)
    entry = black_entry(credit_code=COMPANY, decision_number="(2026)黑09执301号")

    pushed = gateway.push(city, CITY, [entry])

    body = pushed.json_body
    # a valid USCC no person can hold yet (born 2030): accepted, never refused as unborn
    assert (pushed.status_code, body.get("accepted")) == (200, 1), body


def test_the_operator_can_look_the_company_up(gateway) -> None:
    reply = gateway.client.http.get(
        f"/v1/subjects/{COMPANY}?purpose=supervision", headers=gateway.operator()
    )
    # correct: 404 no listings (not 400 invalid_birth_date for a company's code)
    assert reply.status_code == 404, (reply.status_code, reply.json_body)


def test_a_listing_stored_before_the_upgrade_can_still_be_removed(
    gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = gateway.register_platform(CITY)
    entry = black_entry(credit_code=COMPANY, decision_number="(2026)黑09执302号")
    stored_by_the_release_before(gateway, monkeypatch, city, CITY, entry)

    removed = push_with_removals(gateway, city, CITY, [removal_of(entry, "revoked")])

    body = removed.json_body
    # correct: the owner ends its own company's listing
    assert removed.status_code == 200, error_code(removed)
    assert not body.get("errors"), body
