"""A check that shows a responsible person's number in full is traced under that number too,
as the one-stop query's look is (review 184): batch and bulk checks answer a thousand and a
hundred thousand companies at a time, and left nothing under their representatives' numbers
(review 193)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import CREDIT_CODE, HUNAN, Gateway, StreamReader
from personal_support import REGIONS, REPRESENTATIVE_ID, Askers, company_entry, person_entry
from upload_support import uploaded

import app as gateway_app
from gateway_client.contract import mask

PERSON_TRAIL = f"/v1/subjects/{REPRESENTATIVE_ID}/trail"


@pytest.fixture
def listed(gateway: Gateway, stream: StreamReader) -> tuple[Askers, str]:
    """The owner's company listing naming its representative, indexed by number."""
    askers = Askers(gateway).register()
    [company] = askers.push("owner", company_entry())
    gateway_app.fan_out_changes(stream.event(), None)  # the person index
    assert askers.ask("owner", PERSON_TRAIL).json_body["entries"] == []
    return askers, company


def test_a_batch_check_showing_the_number_is_traced_under_it(
    gateway: Gateway, listed: tuple[Askers, str]
) -> None:
    askers, company = listed
    body = json.dumps({"codes": [CREDIT_CODE], "purpose": "administrative_approval"}).encode()

    reply = gateway.post_signed("/v1/checks", askers.signers["agreement"], None, body)

    assert reply.status_code == 200, reply.json_body
    [view] = reply.json_body["results"][0]["subject"]["listings"]
    assert view["listing"]["responsible_persons"][0]["id_number"] == REPRESENTATIVE_ID
    _traced_once(askers, company, reply.json_body["check_id"])


def test_a_check_asking_the_number_and_showing_it_leaves_one_entry_under_it(
    gateway: Gateway, listed: tuple[Askers, str], stream: StreamReader
) -> None:
    """One look, one entry, holding the person's own listing and the company's (review 194)."""
    askers, company = listed
    [own] = askers.push("owner", person_entry(credit_code=REPRESENTATIVE_ID))
    gateway_app.fan_out_changes(stream.event(), None)
    codes = [CREDIT_CODE, REPRESENTATIVE_ID]
    body = json.dumps({"codes": codes, "purpose": "administrative_approval"}).encode()

    reply = gateway.post_signed("/v1/checks", askers.signers["agreement"], None, body)

    assert reply.status_code == 200, reply.json_body
    [entry] = askers.ask("operator", PERSON_TRAIL).json_body["entries"]
    assert (entry["check_id"], sorted(entry["listing_ids"])) == (
        reply.json_body["check_id"],
        sorted([own, company]),
    )


def test_a_bulk_check_showing_the_number_is_traced_under_it(
    gateway: Gateway, aws: Any, listed: tuple[Askers, str]
) -> None:
    askers, company = listed
    signer = askers.signers["agreement"]

    upload_id = uploaded(
        gateway,
        aws,
        signer,
        [{"credit_code": CREDIT_CODE}],
        region=HUNAN,
        mode="check",
        purpose="administrative_approval",
    )

    read = gateway.send_signed("GET", f"/v1/regions/{HUNAN}/uploads/{upload_id}", signer)
    assert read.json_body["upload"]["status"] == "completed", read.json_body
    _traced_once(askers, company, None)


def _traced_once(askers: Askers, company: str, check_id: str | None) -> None:
    [entry] = askers.ask("owner", PERSON_TRAIL).json_body["entries"]
    assert (entry["asked_by"], entry["listing_ids"]) == (REGIONS["agreement"], [company])
    assert (entry["masked_code"], entry["full_ids"]) == (mask(REPRESENTATIVE_ID), True)
    if check_id is not None:
        assert entry["check_id"] == check_id
