"""The query trail (查询留痕): every look at a person is recorded with who, when, why and what;
the owners of those listings and the operator read it; it expires by itself."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CREDIT_CODE, Gateway, StreamReader, refusal
from lifecycle_support import Lifecycle, push_with_removals, removal_of
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
from chalicelib import bootstrap, query_api
from gateway_client.contract.clock import FixedClock
from gateway_client.contract.codes import mask

TRAIL = f"/v1/subjects/{PERSON}/trail"


@pytest.fixture
def askers(gateway: Gateway) -> Askers:
    return Askers(gateway).register()


def look(askers: Askers, role: str, purpose: str, code: str = PERSON) -> dict[str, Any]:
    reply = askers.ask(role, f"/v1/subjects/{code}?purpose={purpose}")
    assert reply.status_code == 200, reply.json_body
    return dict(reply.json_body)


def trail_items(aws: Any) -> list[dict[str, Any]]:
    table = aws.env["CG_QUERY_TRAIL_TABLE"]
    return list(aws.dynamodb.scan(TableName=table)["Items"])


@pytest.fixture
def two_owners(askers: Askers, gateway: Gateway) -> dict[str, str]:
    """大冶市 and 清城区 each list the person; 湖南 looks (both listings), 大冶市 revokes its
    listing, then 清城区 looks (its own listing only: the revoked one is 大冶市's to see)."""
    [daye] = askers.push("owner", person_entry())
    [qingcheng] = askers.push("second_owner", qingcheng_person_entry())
    look(askers, "agreement", "administrative_approval")
    removal = removal_of(person_entry(), "revoked")
    push_with_removals(gateway, askers.signers["owner"], REGIONS["owner"], [removal])
    look(askers, "second_owner", "supervision")
    return {"daye": daye, "qingcheng": qingcheng}


def test_a_query_of_a_person_records_who_asked_why_and_what_was_shown(
    askers: Askers, gateway: Gateway, two_owners: dict[str, str]
) -> None:
    reply = askers.ask("operator", TRAIL)

    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["credit_code"] == mask(PERSON)
    later, earlier = reply.json_body["entries"]
    assert (earlier["asked_by"], earlier["key_id"], earlier["purpose"]) == (
        REGIONS["agreement"],
        "k-agreement",
        "administrative_approval",
    )
    assert sorted(earlier["listing_ids"]) == sorted(two_owners.values())
    assert earlier["owners"] == sorted([REGIONS["owner"], REGIONS["second_owner"]])
    assert earlier["full_ids"] is True  # 湖南 recognises 大冶市's listing
    assert (later["asked_by"], later["purpose"]) == (REGIONS["second_owner"], "supervision")
    assert later["listing_ids"] == [two_owners["qingcheng"]]
    assert later["masked_code"] == mask(PERSON)
    assert datetime.fromisoformat(later["at"]) > datetime.fromisoformat(earlier["at"])


# role → the trail entries it reads (by the asker), or the refusal
WHO_READS_THE_TRAIL = {
    "anonymous": (401, "missing_signature", "webhook-id"),
    "operator": (200, ["441802", "430000"]),
    "owner": (200, ["430000"]),  # the entry that returned its listing only
    "relaying_city": (200, ["430000"]),  # as the owner it relays for
    "second_owner": (200, ["441802", "430000"]),
    "own_province": (403, "not_listing_owner", "credit_code"),  # recognises, owns nothing
    "agreement": (403, "not_listing_owner", "credit_code"),  # asked, owns nothing
    "no_agreement": (200, ["441802", "430000"]),  # 广东 relays for 清城区, the second owner
    "agreement_ended": (403, "not_listing_owner", "credit_code"),
}


def test_the_owners_of_the_listings_and_the_operator_read_the_trail(
    askers: Askers, two_owners: dict[str, str]
) -> None:
    read = {}
    for role in WHO_READS_THE_TRAIL:
        reply = askers.ask(role, TRAIL)
        if reply.status_code == 200:
            read[role] = (200, [e["asked_by"] for e in reply.json_body["entries"]])
        else:
            read[role] = refusal(reply)

    assert read == WHO_READS_THE_TRAIL


def test_a_co_owner_reads_of_each_look_only_its_own_listings(
    askers: Askers, two_owners: dict[str, str]
) -> None:
    """湖南 was shown both listings, and 大冶市 looks after revoking its own: 清城区 reads of
    those looks its own listing and itself alone, not 大冶市's (revoked) listing nor 大冶市
    among the owners; the operator reads them whole (review 184)."""
    look(askers, "owner", "credit_repair")

    mine = askers.ask("second_owner", TRAIL).json_body["entries"]
    everything = askers.ask("operator", TRAIL).json_body["entries"]

    assert len(mine) == len(everything) == 3
    assert {(tuple(e["listing_ids"]), tuple(e["owners"])) for e in mine} == {
        ((two_owners["qingcheng"],), (REGIONS["second_owner"],))
    }
    assert two_owners["daye"] in {i for e in everything for i in e["listing_ids"]}


def test_queries_that_show_no_person_and_no_full_id_leave_no_trail(
    askers: Askers, gateway: Gateway, aws: Any
) -> None:
    askers.push("owner", company_entry())

    gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}")  # anonymous: the public view
    look(askers, "no_agreement", "supervision", CREDIT_CODE)  # the representative's ID masked
    refused = askers.ask("owner", f"/v1/subjects/{CREDIT_CODE}")  # full, without a purpose
    assert trail_items(aws) == []
    look(askers, "owner", "credit_repair", CREDIT_CODE)  # full, with one

    [entry] = askers.ask("operator", f"/v1/subjects/{CREDIT_CODE}/trail").json_body["entries"]
    assert refused.status_code == 400
    assert (entry["asked_by"], entry["purpose"], entry["full_ids"]) == (
        REGIONS["owner"],
        "credit_repair",
        True,
    )


def test_the_trail_holds_no_id_number_and_is_filed_under_a_keyed_hash(
    askers: Askers, gateway: Gateway, aws: Any, two_owners: dict[str, str]
) -> None:
    items = trail_items(aws)

    stored = json.dumps(items, ensure_ascii=False)
    assert len(items) == 2
    assert PERSON not in stored
    assert mask(PERSON) in stored
    assert {item["subject"]["S"] for item in items} != {PERSON}
    assert all(len(item["subject"]["S"]) == 64 for item in items)


def test_the_trail_is_read_page_by_page_newest_first(askers: Askers) -> None:
    askers.push("owner", person_entry())
    for purpose in ("supervision", "public_procurement", "law_enforcement"):
        look(askers, "agreement", purpose)

    pages, after = [], ""
    while True:
        reply = askers.ask("owner", f"{TRAIL}?limit=2{after}")
        assert reply.status_code == 200, reply.json_body
        pages.append([e["purpose"] for e in reply.json_body["entries"]])
        if reply.json_body["next"] is None:
            break
        after = f"&after={reply.json_body['next']}"

    assert [p for page in pages for p in page] == [
        "law_enforcement",
        "public_procurement",
        "supervision",
    ]
    assert pages[0] == ["law_enforcement", "public_procurement"]


def test_a_cursor_that_no_page_gave_is_refused(askers: Askers) -> None:
    askers.push("owner", person_entry())

    reply = askers.ask("operator", f"{TRAIL}?after=lst_0")

    assert (reply.status_code, reply.json_body["error"]["path"]) == (400, "after")


def test_a_trail_entry_expires_after_the_configured_period(
    askers: Askers, gateway: Gateway, aws: Any
) -> None:
    askers.push("owner", person_entry())
    gateway.configure(query_trail_days="30")
    clock = FixedClock((datetime.now(UTC) + timedelta(minutes=1)).replace(microsecond=0))
    bootstrap.override_clock(clock)
    look(askers, "agreement", "supervision")

    [item] = trail_items(aws)
    ttl = aws.dynamodb.describe_time_to_live(TableName=aws.env["CG_QUERY_TRAIL_TABLE"])
    before = askers.ask("operator", TRAIL).json_body["entries"]
    clock.advance(timedelta(days=30))
    after = askers.ask("operator", TRAIL).json_body["entries"]

    assert int(item["expires_at"]["N"]) == int((clock.now()).timestamp())
    assert ttl["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires_at",
    }
    assert len(before) == 1
    assert after == []  # past its time, even before DynamoDB's TTL sweep removes it


def test_the_default_period_is_three_years(gateway: Gateway) -> None:
    assert bootstrap.container().settings.query_trail_period == timedelta(days=1096)


def test_a_page_cursor_names_no_entry_and_a_bare_entry_id_is_refused(askers: Askers) -> None:
    """Review 47c F3: ``next`` was the last entry read, which may be one the reader may not
    see: paging one at a time told an owner when others had looked at its person."""
    askers.push("owner", person_entry())
    for purpose in ("supervision", "public_procurement"):
        look(askers, "agreement", purpose)
    entries = askers.ask("operator", TRAIL).json_body["entries"]

    cursor = askers.ask("owner", f"{TRAIL}?limit=1").json_body["next"]
    bare = askers.ask("owner", f"{TRAIL}?limit=1&after={entries[0]['entry_id']}")

    assert cursor is not None
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    assert not any(e["entry_id"] in cursor or e["entry_id"].encode() in raw for e in entries)
    assert (bare.status_code, bare.json_body["error"]["path"]) == (400, "after")


def test_pages_show_nothing_of_the_entries_a_reader_may_not_see(
    askers: Askers, gateway: Gateway
) -> None:
    """Review 47d F6: a page was cut where the store's was, so an owner paging one at a time
    got an empty page (with a next) where another region had tried its listing."""
    [listing_id] = askers.push("owner", person_entry())
    look(askers, "agreement", "supervision")
    tried = Lifecycle(gateway).file_objection(
        PERSON, listing_id, "o-x", askers.signers["no_agreement"]
    )
    assert tried.status_code == 404  # a try, on record for the operator only
    look(askers, "agreement", "law_enforcement")

    pages, after = [], ""
    while True:
        reply = askers.ask("owner", f"{TRAIL}?limit=1{after}")
        pages.append([e["purpose"] for e in reply.json_body["entries"]])
        if reply.json_body["next"] is None:
            break
        after = f"&after={reply.json_body['next']}"

    assert len(askers.ask("operator", TRAIL).json_body["entries"]) == 3
    assert [page for page in pages if page] == [["law_enforcement"], ["supervision"]]
    assert pages[:2] == [["law_enforcement"], ["supervision"]]


def test_a_request_reads_a_bounded_part_of_the_trail(
    askers: Askers, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review 47e F4: a reader who may see nothing read the whole trail in one request, which
    grows with every other region's looks. Here a request reads two stored pages of one entry:
    a run of hidden entries shows as short pages, and paging still reaches every entry."""
    monkeypatch.setattr(query_api, "_TRAIL_PAGE", 1)
    monkeypatch.setattr(query_api, "_TRAIL_READS", 2)
    [listing_id] = askers.push("owner", person_entry())
    look(askers, "agreement", "supervision")
    for n in range(3):
        Lifecycle(gateway).file_objection(
            PERSON, listing_id, f"o-{n}", askers.signers["no_agreement"]
        )
    trail = bootstrap.container().query_trail
    reads: list[int] = []
    monkeypatch.setattr(trail, "page", lambda *a: (reads.append(1), type(trail).page(trail, *a))[1])

    pages, after, calls = [], "", []
    while True:
        reads.clear()
        reply = askers.ask("owner", f"{TRAIL}?limit=1{after}")
        calls.append(len(reads))
        pages += [e["purpose"] for e in reply.json_body["entries"]]
        if reply.json_body["next"] is None:
            break
        after = f"&after={reply.json_body['next']}"

    assert pages == ["supervision"]
    assert max(calls) <= 2


def test_an_owner_of_both_reads_its_company_listing_in_the_person_s_trail(
    gateway: Gateway, stream: StreamReader
) -> None:
    """A region owning the person's own listing and a company listing naming the person reads
    the person query that returned the company listing with that listing's id (review 186)."""
    askers = Askers(gateway).register()
    rep = {"name": "张某某", "role": "legal_representative", "id_number": PERSON}
    [company] = askers.push("owner", company_entry(responsible_persons=[rep]))
    askers.push("owner", person_entry())  # its own listing of the person too
    gateway_app.fan_out_changes(stream.event(), None)

    body = json.dumps({"id_number": PERSON, "purpose": "administrative_approval"}).encode()
    asked = gateway.send_signed("POST", "/v1/persons/query", askers.signers["agreement"], body)
    assert asked.status_code == 200, asked.json_body
    assert [x["listing"]["listing_id"] for x in asked.json_body["listings"]] == [company]

    everything = askers.ask("operator", f"/v1/subjects/{PERSON}/trail").json_body["entries"]
    assert [e["listing_ids"] for e in everything] == [[company]]
    mine = askers.ask("owner", f"/v1/subjects/{PERSON}/trail")
    assert mine.status_code == 200, mine.json_body
    [entry] = mine.json_body["entries"]
    assert entry["owners"] == [REGIONS["owner"]]
    assert entry["listing_ids"] == [company]  # its own company listing, shown to the asker


def test_an_organisation_s_lookup_showing_a_person_s_number_is_traced_under_the_number(
    askers: Askers, stream: StreamReader
) -> None:
    """The company's legal representative's number shown in full to a region recognising the
    listing: the look goes in the number's trail too, as the person query's would (review 184:
    it was traced under the company's code alone)."""
    [company] = askers.push("owner", company_entry())
    gateway_app.fan_out_changes(stream.event(), None)  # the person index
    person_trail = f"/v1/subjects/{REPRESENTATIVE_ID}/trail"
    before = askers.ask("owner", person_trail).json_body["entries"]

    shown = look(askers, "agreement", "administrative_approval", code=CREDIT_CODE)

    [listed] = shown["listings"]
    assert listed["listing"]["responsible_persons"][0]["id_number"] == REPRESENTATIVE_ID
    after = askers.ask("owner", person_trail).json_body["entries"]
    assert (len(before), len(after)) == (0, 1)
    assert (after[0]["asked_by"], after[0]["listing_ids"]) == (REGIONS["agreement"], [company])
    assert after[0]["masked_code"] == mask(REPRESENTATIVE_ID)
