"""Review 86 F1: a region that listed one subject thousands of times made its one-stop lookup
answer every listing at once (10.9 MB for 9,000), past Lambda's 6 MB response: a 5xx for
everyone. The lookup now answers a page of listings (``limit``, at most 100, and ``offset``),
with how many there are and where the next page starts; the figures above the listings are of
all of them. The person query (a person named on thousands of listings) pages alike."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, Gateway, black_entry
from personal_support import (
    PERSON,
    REGIONS,
    REPRESENTATIVE_ID,
    Askers,
    company_entry,
    person_entry,
    qingcheng_person_entry,
)

import app as gateway_app
from chalicelib import http_errors
from chalicelib.http_errors import reply_bytes


def listed_times(gateway, count: int) -> None:  # type: ignore[no-untyped-def]
    city = gateway.register_platform(CITY)
    entries = [black_entry(decision_number=f"(2024)黑09执{n}号") for n in range(count)]
    for start in range(0, count, 100):
        reply = gateway.push(city, CITY, entries[start : start + 100])
        assert reply.json_body["accepted"] == len(entries[start : start + 100]), reply.json_body


def test_a_subject_listed_250_times_is_answered_in_pages_that_cover_every_listing(gateway):
    listed_times(gateway, 250)

    pages, offset = [], 0
    while offset is not None:
        reply = gateway.client.http.get(
            f"/v1/subjects/{CREDIT_CODE}?offset={offset}", headers=gateway.operator()
        )
        assert reply.status_code == 200, reply.json_body
        pages.append(reply.json_body)
        offset = reply.json_body.get("next_offset")

    assert [len(p["listings"]) for p in pages] == [100, 100, 50]
    assert {p["listings_total"] for p in pages} == {250}
    ids = [v["listing"]["listing_id"] for p in pages for v in p["listings"]]
    assert len(set(ids)) == 250
    assert {p["intensified"] for p in pages} == {pages[0]["intensified"]}  # of all, each page


@pytest.mark.parametrize(
    ("query", "path"),
    [("limit=0", "limit"), ("limit=101", "limit"), ("offset=-1", "offset"), ("offset=x", "offset")],
)
def test_a_page_asked_outside_its_bounds_is_refused_with_its_parameter(gateway, query, path):
    listed_times(gateway, 1)

    reply = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}?{query}")

    assert reply.status_code == 400, reply.json_body
    assert reply.json_body["error"]["path"] == path


def test_a_page_past_the_last_listing_is_empty_and_has_no_next(gateway):
    listed_times(gateway, 3)

    reply = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}?offset=3&limit=2")

    assert reply.status_code == 200, reply.json_body
    assert (reply.json_body["listings"], reply.json_body["listings_total"]) == ([], 3)
    assert "next_offset" not in reply.json_body


def test_the_person_query_answers_in_pages_too(gateway, stream):  # type: ignore[no-untyped-def]
    askers = Askers(gateway).register()
    entries = [company_entry(decision_number=f"(2024)鄂0281执{n}号") for n in range(120)]
    assert len(askers.push("owner", *entries)) == 120
    gateway_app.fan_out_changes(stream.event(), None)  # which keeps the person index

    def asked(**page: int) -> Any:
        body = {"id_number": REPRESENTATIVE_ID, "purpose": "administrative_approval", **page}
        raw = json.dumps(body).encode()
        return gateway.send_signed("POST", "/v1/persons/query", askers.signers["owner"], raw)

    first, last, too_many = asked(), asked(offset=100), asked(limit=101)

    assert (len(first.json_body["listings"]), first.json_body["next_offset"]) == (100, 100)
    assert (len(last.json_body["listings"]), last.json_body["listings_total"]) == (20, 120)
    assert "next_offset" not in last.json_body
    assert too_many.status_code == 400
    assert too_many.json_body["error"]["path"] == "limit"
    past = asked(offset=10**6)  # a page past the last: the entry still names every listing
    assert past.json_body["listings"] == []
    trail = askers.ask("owner", f"/v1/subjects/{REPRESENTATIVE_ID}/trail").json_body["entries"]
    assert sorted(len(e["listing_ids"]) for e in trail) == [0, 20, 100]  # each its page's
    assert {e["owners"] == [REGIONS["owner"]] for e in trail} == {True}


TRAIL = f"/v1/subjects/{PERSON}/trail"


def owners_read(askers: Askers, role: str) -> list[dict[str, Any]]:
    reply = askers.ask(role, TRAIL)
    assert reply.status_code == 200, reply.json_body
    return list(reply.json_body["entries"])


def test_every_owner_reads_a_lookup_of_a_person_whatever_page_was_asked(gateway):  # type: ignore[no-untyped-def]
    """Review 88 F1: a page past the last (or of one listing) named no listing (or one) in the
    trail, though the answer told of all: name, flags, how many. The entry's owners are all
    of theirs (its ids the page's: review 89 F3, ten thousand outgrew its item), each owner
    reading itself among them."""
    askers = Askers(gateway).register()
    [daye] = askers.push("owner", person_entry())
    [qingcheng] = askers.push("second_owner", qingcheng_person_entry())
    asked = f"/v1/subjects/{PERSON}?purpose=administrative_approval"

    past = askers.ask("agreement", f"{asked}&offset=1000000")
    one = askers.ask("agreement", f"{asked}&limit=1")

    assert (past.json_body["listings"], past.json_body["listings_total"]) == ([], 2)
    assert len(one.json_body["listings"]) == 1
    both = sorted([REGIONS["owner"], REGIONS["second_owner"]])
    whole = owners_read(askers, "operator")
    assert [e["owners"] for e in whole] == [both, both]
    assert sorted(len(e["listing_ids"]) for e in whole) == [0, 1]
    # each owner reads both entries, naming itself and its own listing only (review 184)
    for owner, own in (("owner", daye), ("second_owner", qingcheng)):
        entries = owners_read(askers, owner)
        assert [e["owners"] for e in entries] == [[REGIONS[owner]], [REGIONS[owner]]]
        assert {i for e in entries for i in e["listing_ids"]} <= {own}


def test_a_page_that_would_not_fit_a_reply_holds_fewer_listings_and_goes_on(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Listings with long histories: a hundred of them could outgrow Lambda's reply (as the
    runtime writes it: ``reply_bytes``) though the count allowed them; the page is cut short
    and ``next_offset`` goes on from there."""
    listed_times(gateway, 4)
    path = f"/v1/subjects/{CREDIT_CODE}"
    whole = gateway.client.http.get(path, headers=gateway.operator()).json_body
    assert len(whole["listings"]) == 4
    monkeypatch.setattr(http_errors, "REPLY_BUDGET", reply_bytes(whole) - 1)

    pages, offset = [], 0
    while offset is not None:
        reply = gateway.client.http.get(f"{path}?offset={offset}", headers=gateway.operator())
        assert reply.status_code == 200, reply.json_body
        pages.append(reply.json_body)
        offset = reply.json_body.get("next_offset")

    assert len(pages) > 1
    assert all(0 < len(p["listings"]) < 4 for p in pages)
    shown = [x["listing"]["listing_id"] for p in pages for x in p["listings"]]
    assert sorted(shown) == sorted(x["listing"]["listing_id"] for x in whole["listings"])
