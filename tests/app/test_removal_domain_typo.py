"""A removal whose ``domain`` is not in the catalogue (a typo) is refused at that field with
``unknown_domain`` (review 361: it was ``unknown_listing`` with no field, and the platform
could not tell what to mend); the listing it meant stays listed, and nothing is sent."""

from __future__ import annotations

from typing import Any

from app_support import CITY, HUNAN, black_entry
from lifecycle_support import push_with_removals, removal_of
from test_national_routes import COURT, court_source

from chalicelib.bootstrap import container


def test_a_removal_naming_a_domain_not_in_the_catalogue_is_refused_at_the_domain(
    gateway: Any,
) -> None:
    city = gateway.register_platform(CITY)
    entry = black_entry()
    assert gateway.push(city, CITY, [entry]).json_body["accepted"] == 1
    [held] = container().listings.subject(entry["credit_code"])

    reply = push_with_removals(
        gateway, city, CITY, [removal_of(entry, "revoked", domain="court_enforcment")]
    )

    assert reply.status_code == 200, reply.json_body
    [error] = reply.json_body["errors"]
    assert (error["list"], error["field"], error["code"]) == (
        "removals",
        "domain",
        "unknown_domain",
    ), error
    [after] = container().listings.subject(entry["credit_code"])
    assert after == held


def test_another_regions_removal_under_an_unknown_domain_learns_nothing_more(
    gateway: Any,
) -> None:
    """The same answer whether anyone holds the listing: it is about the domain alone."""
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    entry = black_entry()
    assert gateway.push(city, CITY, [entry]).json_body["accepted"] == 1

    known = push_with_removals(gateway, hunan, HUNAN, [removal_of(entry, "revoked")])
    typo = push_with_removals(
        gateway, hunan, HUNAN, [removal_of(entry, "revoked", domain="no_such_domain")]
    )
    nobody = push_with_removals(
        gateway,
        hunan,
        HUNAN,
        [removal_of(black_entry(decision_number="无此决定"), "revoked", domain="no_such_domain")],
    )

    assert known.json_body["errors"][0]["code"] == "not_listing_owner", known.json_body
    assert [e["code"] for e in typo.json_body["errors"]] == ["unknown_domain"]
    assert typo.json_body["errors"] == nobody.json_body["errors"]
    assert container().listings.subject(entry["credit_code"])[0].status.value == "active"


def test_a_national_sources_typo_is_the_domain_not_its_registration(gateway: Any) -> None:
    """Asked whether the source may list in the domain first, the typo was answered
    ``domain_not_permitted``, pointing at its registration (review 367)."""
    source = court_source(gateway)
    entry = black_entry()
    assert gateway.push(source, COURT, [entry]).json_body["accepted"] == 1

    reply = push_with_removals(
        gateway, source, COURT, [removal_of(entry, "revoked", domain="court_defaulters")]
    )

    assert [(e["field"], e["code"]) for e in reply.json_body["errors"]] == [
        ("domain", "unknown_domain")
    ], reply.json_body
    assert container().listings.subject(entry["credit_code"])[0].status.value == "active"


def test_a_removal_of_a_kind_its_domain_holds_no_list_of_is_refused_at_the_domain(
    gateway: Any,
) -> None:
    """Red with court_defaulter addresses no listing: an entry so is ``domain_kind_mismatch``
    at ``domain``, and the removal was ``unknown_listing`` with no field (review 367)."""
    city = gateway.register_platform(CITY)
    entry = black_entry()
    assert gateway.push(city, CITY, [entry]).json_body["accepted"] == 1

    reply = push_with_removals(gateway, city, CITY, [removal_of(entry, "revoked", kind="red")])

    [error] = reply.json_body["errors"]
    assert (error["field"], error["code"]) == ("domain", "domain_kind_mismatch"), error
    assert container().listings.subject(entry["credit_code"])[0].status.value == "active"
