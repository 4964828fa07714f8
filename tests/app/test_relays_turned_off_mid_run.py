"""Relaying turned off, or a source's domain taken from it, by the operator while an upload is
being ingested: the batches not yet stored, and the resync's removals not yet made, go by the
region's rules as they are now — the run holds no policy of its own past the operator's
change (review 104, 106)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from app_support import Gateway, black_entry, new_signer
from lifecycle_support import recent_entry
from test_national_routes import COURT, SOURCE, put
from upload_support import uploaded

from chalicelib.bootstrap import container
from gateway.intake import bulk_ingest, bulk_removal
from gateway_client.contract.listing import ListingEntry, identity_of
from gateway_client.contract.signing import Ed25519Signer

CITY, COUNTY = "430100", "430102"  # 长沙市 and its 芙蓉区


def entry(**overrides: Any) -> dict[str, Any]:
    return recent_entry(
        credit_code="91430100687234560U",
        deciding_authority="长沙市中级人民法院",
        decision_number="(2026)湘01执77号",
        **overrides,
    )


def relays(gateway: Gateway, on: bool) -> None:
    body = json.dumps({"name": "长沙市", "relays_subregions": on}, ensure_ascii=False).encode()
    reply = gateway.client.http.put(f"/v1/regions/{CITY}", headers=gateway.operator(), body=body)
    assert reply.status_code == 200, reply.json_body


def relaying_city(gateway: Gateway) -> Ed25519Signer:
    relays(gateway, True)
    signer = new_signer(f"k-{CITY}-{uuid.uuid4().hex[:8]}")
    assert gateway.add_key(CITY, signer).status_code == 201
    return signer


def test_a_resync_run_ends_no_county_listing_once_relaying_was_turned_off(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = relaying_city(gateway)
    pushed = gateway.push(city, CITY, [entry(origin_region=COUNTY)]).json_body
    assert pushed["accepted"] == 1, pushed
    listing_id = pushed["outcomes"][0]["listing_id"]
    apply = bulk_removal.ResyncRemoval.apply

    def turned_off_first(self: Any, *args: Any, **kwargs: Any) -> Any:  # after pass 1
        relays(gateway, False)
        return apply(self, *args, **kwargs)

    monkeypatch.setattr(bulk_removal.ResyncRemoval, "apply", turned_off_first)
    resync = {"mode": "resync", "domains": ["court_defaulter"], "force": True}
    uploaded(gateway, aws, city, [], region=CITY, **resync)

    held = container().lifecycle.listing(entry()["credit_code"], listing_id)
    assert (held.status.value, held.origin_region) == ("active", COUNTY)


def test_an_upload_run_stores_no_relayed_line_once_relaying_was_turned_off(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = relaying_city(gateway)
    ingest = bulk_ingest.ingest_batches

    def turned_off_first(*args: Any, **kwargs: Any) -> Any:  # before its lines are stored
        relays(gateway, False)
        return ingest(*args, **kwargs)

    monkeypatch.setattr(bulk_ingest, "ingest_batches", turned_off_first)
    upload_id = uploaded(gateway, aws, city, [entry(origin_region=COUNTY)], region=CITY)

    listing_id = identity_of(ListingEntry.model_validate(entry(origin_region=COUNTY)))
    assert container().listings.current([(entry()["credit_code"], listing_id)]) == {}
    upload = container().uploads.get(CITY, upload_id)
    assert upload is not None
    assert [(e.field, e.code) for e in upload.errors] == [("origin_region", "relay_not_permitted")]


def test_a_resync_run_ends_no_listing_in_a_domain_taken_from_the_source_mid_run(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A national source whose domain is taken from it during its resync (review 106 F4)."""
    signer = new_signer("k-court")
    both = {**SOURCE, "domains": ["court_defaulter", "major_tax_violation"]}
    assert put(gateway, COURT, both).status_code == 200
    assert gateway.add_key(COURT, signer).status_code == 201
    pushed = gateway.push(signer, COURT, [black_entry()]).json_body
    assert pushed["accepted"] == 1, pushed
    listing_id = pushed["outcomes"][0]["listing_id"]
    apply = bulk_removal.ResyncRemoval.apply

    def narrowed_first(self: Any, *args: Any, **kwargs: Any) -> Any:  # after pass 1 and 2
        narrowed = {**SOURCE, "domains": ["major_tax_violation"]}
        assert put(gateway, COURT, narrowed).status_code == 200
        return apply(self, *args, **kwargs)

    monkeypatch.setattr(bulk_removal.ResyncRemoval, "apply", narrowed_first)
    resync = {"mode": "resync", "domains": ["court_defaulter"], "force": True}
    uploaded(gateway, aws, signer, [], region=COURT, **resync)

    held = container().lifecycle.listing(black_entry()["credit_code"], listing_id)
    assert held.status.value == "active"
