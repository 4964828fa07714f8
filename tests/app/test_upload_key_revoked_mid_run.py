"""A platform key revoked while an upload it signed is being ingested: as relaying turned off or
a domain taken mid-run stops the batches not yet stored (reviews 104, 106), the revocation stops
the next batch of lines and of a resync's removals, and the upload is refused ``key_revoked``
(review 224: the run went on under the revoked key)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import Gateway
from test_relays_turned_off_mid_run import CITY, entry, relaying_city
from upload_support import uploaded

from chalicelib.bootstrap import container
from gateway.intake import bulk_ingest, bulk_removal
from gateway_client.contract.listing import ListingEntry, identity_of


def revoke(gateway: Gateway, key_id: str) -> None:
    reply = gateway.client.http.delete(
        f"/v1/regions/{CITY}/keys/{key_id}", headers=gateway.operator()
    )
    assert reply.status_code == 200, reply.json_body


def test_resync_removals_stop_once_the_signing_key_is_revoked(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = relaying_city(gateway)
    pushed = gateway.push(city, CITY, [entry()]).json_body
    assert pushed["accepted"] == 1, pushed
    listing_id = pushed["outcomes"][0]["listing_id"]
    apply = bulk_removal.ResyncRemoval.apply

    def revoked_first(self: Any, *args: Any, **kwargs: Any) -> Any:  # after pass 1
        revoke(gateway, city.key_id)
        return apply(self, *args, **kwargs)

    monkeypatch.setattr(bulk_removal.ResyncRemoval, "apply", revoked_first)
    resync = {"mode": "resync", "domains": ["court_defaulter"], "force": True}
    uploaded(gateway, aws, city, [], region=CITY, **resync)

    held = container().lifecycle.listing(entry()["credit_code"], listing_id)
    assert held.status.value == "active"  # a revoked key's resync removes nothing
    [upload] = container().uploads.for_region(CITY, 1)
    assert (upload.status.value, upload.refusal and upload.refusal.code) == (
        "refused",
        "key_revoked",
    )


def test_an_upload_run_stores_no_line_once_the_signing_key_is_revoked(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = relaying_city(gateway)
    ingest = bulk_ingest.ingest_batches

    def revoked_first(*args: Any, **kwargs: Any) -> Any:  # before its lines are stored
        revoke(gateway, city.key_id)
        return ingest(*args, **kwargs)

    monkeypatch.setattr(bulk_ingest, "ingest_batches", revoked_first)
    uploaded(gateway, aws, city, [entry()], region=CITY)

    listing_id = identity_of(ListingEntry.model_validate(entry()))
    assert container().listings.current([(entry()["credit_code"], listing_id)]) == {}
    [upload] = container().uploads.for_region(CITY, 1)
    assert (upload.status.value, upload.accepted) == ("refused", 0)
