"""A domain a refusal quotes is quoted as a catalogue key or not at all: a national source's
removal naming an ID number or a name in ``domain`` (a slipped column), or a manifest's
``domains`` holding one, had it answered in full, kept with the batch's result and shown in the
console (review 361)."""

from __future__ import annotations

import json

from app_support import CITY, NATURAL_PERSON_CODE, Gateway, new_signer
from lifecycle_support import push_with_removals, recent_entry, removal_of
from upload_support import manifest_of

COURT = "100001"
SOURCE = {"name": "最高人民法院", "kind": "national_source", "domains": ["court_defaulter"]}


def test_a_removal_domain_holding_an_id_number_is_not_quoted_in_full(gateway: Gateway) -> None:
    raw = json.dumps(SOURCE, ensure_ascii=False).encode()
    put = gateway.client.http.put(f"/v1/regions/{COURT}", headers=gateway.operator(), body=raw)
    assert put.status_code == 200
    signer = new_signer("k-court-probe")
    assert gateway.add_key(COURT, signer).status_code == 201
    removal = removal_of(recent_entry(), "revoked", domain=NATURAL_PERSON_CODE)

    reply = push_with_removals(gateway, signer, COURT, [removal])

    assert reply.status_code == 200, reply.json_body
    [error] = reply.json_body["errors"]
    assert error["code"] == "unknown_domain", error  # a typo, not its registration (367)
    assert NATURAL_PERSON_CODE not in reply.body.decode(), error


NAME = "张三丰"


def test_a_name_in_a_sources_removal_domain_is_not_quoted(gateway: Gateway) -> None:
    """As ``test_refusals_quote_no_person``: a name typed where a catalogue key goes is not
    quoted at all — an entry's domain is not; a national source's removal's is."""
    raw = json.dumps(SOURCE, ensure_ascii=False).encode()
    gateway.client.http.put(f"/v1/regions/{COURT}", headers=gateway.operator(), body=raw)
    signer = new_signer("k-court-probe-2")
    assert gateway.add_key(COURT, signer).status_code == 201
    removal = removal_of(recent_entry(), "revoked", domain=NAME)

    reply = push_with_removals(gateway, signer, COURT, [removal])

    assert reply.status_code == 200, reply.json_body
    assert NAME not in json.dumps(reply.json_body, ensure_ascii=False), reply.json_body["errors"]


def test_a_name_in_a_manifests_domains_is_not_quoted(gateway: Gateway) -> None:
    city = gateway.register_platform(CITY)
    upload_id = "u-probe361-name"
    body, _ = manifest_of([{"x": 1}], CITY, upload_id, mode="resync", domains=[NAME])

    reply = gateway.post_signed("/v1/uploads", city, upload_id, body)

    assert reply.status_code == 400, reply.json_body
    assert NAME not in reply.body.decode(), reply.json_body
