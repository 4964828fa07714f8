"""A region no division ever had (999999, a county 230999 of a real city, 105555 of the
nation's reserved block) is refused wherever a request names it as a jurisdiction that is then
stated, stored or sent on: a listing's origin, a query's ``as``, the person query's
``as_region``, statistics' ``region`` (review 78 F2, F4); nor is a national source's code that
no source registered (100099: review 79 F3). Nothing is written for it."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import HUNAN, Gateway, StreamReader, black_entry, error_code
from lifecycle_support import Lifecycle, fan_out_and_deliver, this_month
from personal_support import Askers, company_entry
from test_person_query_route import ask, query, trail_items

import app as gateway_app

NOWHERE = ["999999", "239901", "105555", "100099"]
HEILONGJIANG = "230000"


@pytest.mark.parametrize("nowhere", ["239901", "239999"])
def test_a_relayed_entry_from_a_county_that_does_not_exist_is_refused_and_sent_nowhere(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Any, nowhere: str
) -> None:
    """黑龙江 relays for a county of a city that no division list ever had (2399xx)."""
    gateway.put_region(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    province = gateway.register_platform(HEILONGJIANG)

    reply = gateway.push(province, HEILONGJIANG, [black_entry(origin_region=nowhere)])

    assert reply.json_body["accepted"] == 0, reply.json_body
    [error] = reply.json_body["errors"]
    assert (error["field"], error["code"]) == ("origin_region", "unknown_division")
    assert fan_out_and_deliver(aws, stream) == []
    assert Lifecycle(gateway).lookup(black_entry()["credit_code"]).status_code == 404


def test_a_district_newer_than_the_division_list_is_taken_under_its_city(
    gateway: Gateway,
) -> None:
    """Review 79 F2: 临平区 (330113, 2021) is on no list the gateway ships, yet a real district:
    refusing its listings was worse than taking a code its own city (杭州, on the list) vouches
    for."""
    hangzhou = gateway.register_platform("330100")

    reply = gateway.push(hangzhou, "330100", [black_entry(origin_region="330113")])

    assert (reply.json_body["accepted"], reply.json_body["errors"]) == (1, [])
    assert reply.json_body["outcomes"][0]["listing_id"]


@pytest.fixture
def askers(gateway: Gateway, stream: StreamReader) -> Askers:
    """大冶市's company listing naming a person, fanned out (which keeps the person index)."""
    asking = Askers(gateway).register()
    asking.push("owner", company_entry())
    gateway_app.fan_out_changes(stream.event(), None)
    return asking


@pytest.mark.parametrize("nowhere", NOWHERE)
def test_a_query_as_a_region_that_does_not_exist_is_refused_and_leaves_no_trail(
    askers: Askers, aws: Any, nowhere: str
) -> None:
    code = company_entry()["credit_code"]
    subject = askers.gateway.send_signed(
        "GET", f"/v1/subjects/{code}?as={nowhere}&purpose=supervision", askers.signers["agreement"]
    )
    person = ask(askers, "agreement", query(as_region=nowhere))

    assert (subject.status_code, error_code(subject), subject.json_body["error"]["path"]) == (
        400,
        "invalid_schema",
        "as",
    )
    assert (person.status_code, person.json_body["error"]["path"]) == (400, "as_region")
    inner = [e["code"] for e in person.json_body["error"].get("errors", [])]
    assert inner == ([] if nowhere == "100099" else ["unknown_division"])  # or not registered
    assert trail_items(aws) == []


@pytest.mark.parametrize("nowhere", NOWHERE)
def test_statistics_of_a_region_that_does_not_exist_are_refused(
    gateway: Gateway, nowhere: str
) -> None:
    reply = Lifecycle(gateway).stats(nowhere, this_month())

    assert (reply.status_code, error_code(reply), reply.json_body["error"]["path"]) == (
        400,
        "invalid_schema",
        "region",
    )


def test_who_asks_for_statistics_is_known_before_the_registry_is_read(gateway: Gateway) -> None:
    """Review 80 F3: an anonymous caller told a registered national source (401) from one not
    registered (400) by asking for its statistics."""
    path = f"/v1/stats?region=100002&month={this_month()}"

    reply = gateway.client.http.get(path)

    assert (reply.status_code, error_code(reply)) == (401, "missing_signature")


def test_an_anonymous_query_as_a_national_source_does_not_tell_if_it_is_registered(
    gateway: Gateway,
) -> None:
    """Review 81 F1: an anonymous caller, who may not read the registry, told a registered
    national source from one not registered by the query's ``as``; its answer keeps nothing."""
    code = black_entry()["credit_code"]

    answers = [gateway.client.http.get(f"/v1/subjects/{code}?as={c}") for c in ("100000", "100002")]

    assert [(a.status_code, error_code(a)) for a in answers] == [(404, "not_found")] * 2


def test_a_county_under_a_prefecture_abolished_decades_ago_is_no_district_the_list_lags(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Any
) -> None:
    """132199 under 132100 邯郸地区 (on the list until 1993) was taken as a new district its
    city vouches for: a listing filed under it, a platform registered for it (review 141)."""
    gateway.put_region(HUNAN)
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    hebei = gateway.register_platform("130000")

    reply = gateway.push(hebei, "130000", [black_entry(origin_region="132199")])
    registered = gateway.put_region("132199")

    [error] = reply.json_body["errors"]
    assert (error["field"], error["code"]) == ("origin_region", "unknown_division")
    assert fan_out_and_deliver(aws, stream) == []
    assert registered.status_code == 400, registered.json_body
