"""A check of a person's number shows the listings of organisations that name the person as a
responsible person, with the measures aimed at them (落实到人, seed 002 (六)), as the person
query shows them to the same asker: a department checking a black-listed company's legal
representative got "not found" and a signed report saying so (review 389). They are in the
signed report and its summary, traced under the number, and a bulk check's result file holding
them is withdrawn when the listing is purged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import HUNAN, Gateway, StreamReader
from personal_support import REPRESENTATIVE_ID, Askers, company_entry
from test_checks_route import gateway_keys
from upload_support import uploaded

import app as gateway_app
from gateway_client.cli.checks import _table
from gateway_client.contract import mask, verify_report
from gateway_client.report_pdf import _outcome

PERSON_TRAIL = f"/v1/subjects/{REPRESENTATIVE_ID}/trail"


@pytest.fixture
def listed(gateway: Gateway, stream: StreamReader) -> tuple[Askers, str]:
    """The owner's court-defaulter company listing naming its representative, indexed."""
    askers = Askers(gateway).register()
    [company] = askers.push("owner", company_entry())
    gateway_app.fan_out_changes(stream.event(), None)  # the person index
    return askers, company


def checked(gateway: Gateway, askers: Askers, role: str) -> Any:
    body = json.dumps(
        {"codes": [REPRESENTATIVE_ID], "purpose": "administrative_approval", "report": True}
    ).encode()
    reply = gateway.post_signed("/v1/checks", askers.signers[role], None, body)
    assert reply.status_code == 200, reply.json_body
    return reply.json_body


def test_the_check_shows_the_company_listing_naming_the_person(
    gateway: Gateway, listed: tuple[Askers, str]
) -> None:
    askers, company = listed

    answer = checked(gateway, askers, "owner")

    [result] = answer["results"]
    assert (result["found"], result["subject"]) == (True, None)
    [named] = result["named_in"]
    assert named["listing"]["listing_id"] == company
    assert named["roles"] == ["legal_representative"]
    assert named["measures"], "the measures aimed at the person"
    assert answer["summary"]["named_in_black"] == 1
    assert answer["summary"]["black"] == 0  # the person is not black-listed: named in one
    report = answer["report"]
    assert report["content"]["results"][0]["named_in"] == result["named_in"]
    assert report["content"]["summary"]["named_in_black"] == 1
    assert verify_report(report, gateway_keys(gateway)).ok
    [entry] = askers.ask("owner", PERSON_TRAIL).json_body["entries"]
    assert (entry["check_id"], entry["listing_ids"]) == (answer["check_id"], [company])


def test_a_region_that_sees_the_person_masked_is_shown_the_number_masked(
    gateway: Gateway, listed: tuple[Askers, str]
) -> None:
    """As the person query shows it: a region with no agreement sees the listing masked."""
    askers, company = listed

    answer = checked(gateway, askers, "no_agreement")

    [result] = answer["results"]
    assert result["credit_code"] == mask(REPRESENTATIVE_ID)
    assert REPRESENTATIVE_ID not in json.dumps(answer)
    assert [n["listing"]["listing_id"] for n in result["named_in"]] == [company]
    assert result["named_in"][0]["recognised"] is False
    assert answer["summary"]["named_in_black"] == 0  # not recognised there: nothing applies


def test_a_person_named_nowhere_is_not_found(gateway: Gateway, listed: tuple[Askers, str]) -> None:
    askers, _ = listed
    body = json.dumps({"codes": ["110105194912310029"], "purpose": "supervision"}).encode()

    reply = gateway.post_signed("/v1/checks", askers.signers["owner"], None, body)

    [result] = reply.json_body["results"]
    assert (result["found"], "named_in" in result) == (False, False)


def test_a_bulk_check_shows_them_and_its_file_goes_with_the_listings_purge(
    gateway: Gateway, aws: Any, listed: tuple[Askers, str]
) -> None:
    askers, company = listed
    signer = askers.signers["agreement"]

    upload_id = uploaded(
        gateway,
        aws,
        signer,
        [{"credit_code": REPRESENTATIVE_ID}],
        region=HUNAN,
        mode="check",
        purpose="administrative_approval",
    )

    read = gateway.send_signed("GET", f"/v1/regions/{HUNAN}/uploads/{upload_id}", signer)
    upload = read.json_body["upload"]
    assert (upload["status"], upload["found"]) == ("completed", 1), upload
    noted = aws.dynamodb.get_item(  # what the purge of the company listing withdraws
        TableName=aws.env["CG_QUERY_TRAIL_TABLE"],
        Key={"subject": {"S": f"answered#{company}"}, "entry": {"S": f"{HUNAN}#{upload_id}"}},
    )
    assert "Item" in noted, "the result file is noted for the company listing's purge"


def test_the_command_lines_table_tells_the_person_is_named_in_a_black_listing(
    gateway: Gateway, listed: tuple[Askers, str]
) -> None:
    askers, _ = listed

    table = _table(checked(gateway, askers, "owner"))

    [row] = [line for line in table.splitlines() if REPRESENTATIVE_ID in line]  # the owner's
    assert "nothing found" not in row
    assert "named in 1 other listing(s): black applies" in row
    assert "1 named in black" in table


def test_the_pdf_row_tells_the_person_is_named_in_a_black_listing(
    gateway: Gateway, listed: tuple[Askers, str]
) -> None:
    askers, _ = listed

    [result] = checked(gateway, askers, "owner")["report"]["content"]["results"]

    assert _outcome(result) == "作为责任人 named in 1: 黑名单 black"
