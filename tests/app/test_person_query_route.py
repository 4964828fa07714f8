"""The person query route (落实到人, seeds 001 二(三)6, 003 (十五)): ``POST /v1/persons/query``
finds the listings naming a resident ID number as a responsible person, for whoever may see
them, as the one-stop query would show them; everyone else gets what a number never listed
gets; every answer leaves a trail entry that holds no number.

大冶市 (420281) lists a company naming its legal representative; the regions around it ask
(``personal_support``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import Gateway, StreamReader, error_code, new_signer
from chalice.test import HTTPResponse
from lifecycle_support import push_with_removals, removal_of, stamp
from personal_support import REGIONS, REPRESENTATIVE_ID, UNLISTED_PERSON, Askers, company_entry

import app as gateway_app
from gateway_client.contract.codes import mask

PATH = "/v1/persons/query"


def ask(askers: Askers, role: str, body: dict[str, Any] | bytes) -> HTTPResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    if role == "anonymous":
        return askers.gateway.client.http.post(PATH, body=raw)
    if role == "operator":
        return askers.gateway.client.http.post(PATH, headers=askers.gateway.operator(), body=raw)
    return askers.gateway.send_signed("POST", PATH, askers.signers[role], raw)


def query(number: str = REPRESENTATIVE_ID, **extra: Any) -> dict[str, Any]:
    return {"id_number": number, "purpose": "administrative_approval", **extra}


@pytest.fixture
def listed(gateway: Gateway, stream: StreamReader) -> tuple[Askers, str]:
    """The company listed by 大冶市 and fanned out from the stream (which keeps the index)."""
    askers = Askers(gateway).register()
    [listing_id] = askers.push("owner", company_entry())
    gateway_app.fan_out_changes(stream.event(), None)
    return askers, listing_id


# role → number shown (full / masked), recognised by the signer's own region, person measures
SHOWN = [
    ("owner", "full", True, True),  # own subtree: the catalogue's court measures reach him
    ("relaying_city", "full", True, True),
    ("operator", "full", None, False),  # no region asked for: no recognition, no measures
    ("agreement", "full", True, False),  # 湖南's agreed measures are aimed at the subject only
    ("no_agreement", "masked", False, False),
]


@pytest.mark.parametrize(("role", "number", "recognised", "person_measures"), SHOWN)
def test_an_authorised_query_finds_the_company_listing_with_role_status_and_measures(
    listed: tuple[Askers, str], role: str, number: str, recognised: bool, person_measures: bool
) -> None:
    askers, listing_id = listed

    reply = ask(askers, role, query())

    assert reply.status_code == 200, reply.json_body
    body = reply.json_body
    shown_as = REPRESENTATIVE_ID if number == "full" else mask(REPRESENTATIVE_ID)
    assert body["id_number"] == shown_as
    [found] = body["listings"]
    assert found["listing"]["listing_id"] == listing_id
    assert found["listing"]["responsible_persons"][0]["id_number"] == shown_as
    assert (found["roles"], found["status"]) == (["legal_representative"], "active")
    assert found["recognised"] is recognised
    assert bool(found["measures"]) is person_measures
    for reached in found["measures"]:
        assert "responsible_person" in reached["measure"]["targets"]
        assert reached["roles"] == ["legal_representative"]
    if number == "masked":
        assert REPRESENTATIVE_ID not in reply.body.decode()


def test_as_region_shows_another_regions_recognition(listed: tuple[Askers, str]) -> None:
    askers, _ = listed
    reply = ask(askers, "operator", query(as_region=REGIONS["owner"]))
    assert reply.status_code == 200, reply.json_body
    [found] = reply.json_body["listings"]
    assert found["recognised"] is True
    assert {m["measure"]["measure_id"] for m in found["measures"]} >= {"restrict_exit"}


def test_an_anonymous_query_is_refused_before_anything_is_read(
    listed: tuple[Askers, str],
) -> None:
    askers, _ = listed
    for number in (REPRESENTATIVE_ID, UNLISTED_PERSON):
        reply = ask(askers, "anonymous", query(number))
        assert reply.status_code == 401
        assert error_code(reply) == "personal_query_requires_signature"


def test_a_signature_by_an_unregistered_key_is_refused(listed: tuple[Askers, str]) -> None:
    askers, _ = listed
    stranger = new_signer("k-never-registered")
    reply = askers.gateway.send_signed("POST", PATH, stranger, json.dumps(query()).encode())
    assert reply.status_code == 403, reply.json_body
    assert error_code(reply) == "unknown_key"


MALFORMED = [
    ("not-json", b"{", 400, "malformed_json", "body"),
    ("no-purpose", {"id_number": REPRESENTATIVE_ID}, 400, "invalid_schema", "purpose"),
    ("unknown-field", query(extra="x"), 400, "invalid_schema", "extra"),
    ("masked-number", query(mask(REPRESENTATIVE_ID)), 400, "bad_request", "id_number"),
    ("wrong-check-digit", query(REPRESENTATIVE_ID[:-1] + "1"), 400, "bad_request", "id_number"),
    ("organisation-code", query("91110000600037341L"), 400, "bad_request", "id_number"),
    ("bad-region", query(as_region="12"), 400, "invalid_schema", "as_region"),
]


@pytest.mark.parametrize(
    ("body", "status", "code", "path"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_a_malformed_request_gets_a_clear_error_and_leaves_no_trail(
    listed: tuple[Askers, str],
    aws: Any,
    body: dict[str, Any] | bytes,
    status: int,
    code: str,
    path: str | None,
) -> None:
    askers, _ = listed
    reply = ask(askers, "owner", body)
    assert reply.status_code == status, reply.json_body
    assert error_code(reply) == code
    assert reply.json_body["error"].get("path") == path
    assert trail_items(aws) == []


def test_a_number_never_listed_and_one_the_caller_may_not_see_get_the_same_answer(
    listed: tuple[Askers, str], gateway: Gateway, stream: StreamReader
) -> None:
    """大冶市 revokes the listing: a stranger may no longer see it (only its owner and the
    operator see listings that ended), and is answered as for a number never listed."""
    askers, _ = listed
    removal = removal_of(company_entry(), "revoked")
    push_with_removals(gateway, askers.signers["owner"], REGIONS["owner"], [removal])
    gateway_app.fan_out_changes(stream.event(), None)

    hidden = ask(askers, "no_agreement", query())
    never = ask(askers, "no_agreement", query(UNLISTED_PERSON))
    owner = ask(askers, "owner", query())

    assert (hidden.status_code, never.status_code) == (404, 404)
    same = never.body.decode().replace(mask(UNLISTED_PERSON), mask(REPRESENTATIVE_ID))
    assert hidden.body.decode() == same
    assert owner.status_code == 200, owner.json_body
    assert owner.json_body["listings"][0]["status"] == "revoked"
    assert owner.json_body["listings"][0]["measures"] == []  # ended: nothing applies


def trail_items(aws: Any) -> list[dict[str, Any]]:
    return list(aws.dynamodb.scan(TableName=aws.env["CG_QUERY_TRAIL_TABLE"])["Items"])


def test_each_answer_found_or_not_leaves_a_trail_entry_without_the_number(
    listed: tuple[Askers, str], aws: Any
) -> None:
    askers, listing_id = listed
    assert ask(askers, "agreement", query(purpose="supervision")).status_code == 200
    assert ask(askers, "no_agreement", query(UNLISTED_PERSON)).status_code == 404

    items = trail_items(aws)
    stored = json.dumps(items, ensure_ascii=False)
    assert len(items) == 2  # the 404 left one too: a try at a number is on record
    for number in (REPRESENTATIVE_ID, UNLISTED_PERSON):
        assert number not in stored
        assert number[6:14] not in stored  # nor its birth date
    trail = ask_trail(askers)
    [read] = trail.json_body["entries"]
    assert (read["asked_by"], read["purpose"], read["listing_ids"]) == (
        REGIONS["agreement"],
        "supervision",
        [listing_id],
    )
    assert read["masked_code"] == mask(REPRESENTATIVE_ID)
    assert read["full_ids"] is True


def ask_trail(askers: Askers) -> HTTPResponse:
    return askers.gateway.client.http.get(
        f"/v1/subjects/{REPRESENTATIVE_ID}/trail", headers=askers.gateway.operator()
    )


def test_the_person_index_holds_keyed_hashes_not_numbers(
    listed: tuple[Askers, str], aws: Any
) -> None:
    _, listing_id = listed
    items = aws.dynamodb.scan(TableName=aws.env["CG_PERSONS_TABLE"])["Items"]
    assert [(i["listing_id"]["S"], i["roles"]["SS"]) for i in items] == [
        (listing_id, ["legal_representative"])
    ]
    assert items[0]["person"]["S"].startswith("psn_")
    stored = json.dumps(items, ensure_ascii=False)
    assert REPRESENTATIVE_ID not in stored
    assert REPRESENTATIVE_ID[6:14] not in stored


def test_the_operator_fills_the_index_for_listings_stored_before_it(
    listed: tuple[Askers, str], aws: Any
) -> None:
    askers, listing_id = listed
    table = aws.env["CG_PERSONS_TABLE"]
    for item in aws.dynamodb.scan(TableName=table)["Items"]:  # as before the upgrade
        aws.dynamodb.delete_item(
            TableName=table, Key={"person": item["person"], "listing_id": item["listing_id"]}
        )
    assert ask(askers, "owner", query()).status_code == 404
    by_platform = askers.gateway.send_signed(
        "POST", "/v1/persons/reindex", askers.signers["owner"], b"{}"
    )
    assert (by_platform.status_code, error_code(by_platform)) == (403, "operator_only")

    filled = askers.gateway.client.http.post(
        "/v1/persons/reindex", headers=askers.gateway.operator(), body=b"{}"
    )

    assert filled.status_code == 200, filled.json_body
    assert filled.json_body == {"entries": 1, "next": None}
    found = ask(askers, "owner", query())
    assert found.status_code == 200, found.json_body
    assert [x["listing"]["listing_id"] for x in found.json_body["listings"]] == [listing_id]


def test_the_owner_of_a_listing_naming_the_person_reads_the_trail_of_its_queries(
    listed: tuple[Askers, str],
) -> None:
    """Review 47c F4: the route asked for a listing of the number as subject, which a
    responsible person never is: the owner was refused the entries that returned its listing."""
    askers, listing_id = listed
    assert ask(askers, "agreement", query()).status_code == 200

    owner = askers.ask("owner", f"/v1/subjects/{REPRESENTATIVE_ID}/trail")
    stranger = askers.ask("no_agreement", f"/v1/subjects/{REPRESENTATIVE_ID}/trail")

    assert owner.status_code == 200, owner.json_body
    assert [e["listing_ids"] for e in owner.json_body["entries"]] == [[listing_id]]
    assert (stranger.status_code, error_code(stranger)) == (403, "not_listing_owner")


def test_a_listing_that_no_longer_names_the_person_opens_no_trail(
    listed: tuple[Askers, str],
) -> None:
    """Review 47d F7: the persons index is followed from the stream; until it catches up with
    an update dropping the representative, it still named the owner's listing."""
    askers, _ = listed
    assert ask(askers, "agreement", query()).status_code == 200
    askers.push("owner", company_entry(responsible_persons=[], source_updated_at=stamp()))

    owner = askers.ask("owner", f"/v1/subjects/{REPRESENTATIVE_ID}/trail")

    assert (owner.status_code, error_code(owner)) == (403, "not_listing_owner")
