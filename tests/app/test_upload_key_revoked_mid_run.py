"""A platform key revoked while an upload it signed is being ingested: as relaying turned off or
a domain taken mid-run stops the batches not yet stored (reviews 104, 106), the revocation stops
the next batch of lines and of a resync's removals, and the upload is refused ``key_revoked``
(review 224: the run went on under the revoked key)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY as QITAIHE
from app_support import Gateway
from lifecycle_support import recent_entry
from test_relays_turned_off_mid_run import CITY, entry, relaying_city
from upload_support import pushes, uploaded

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
    [upload] = container().uploads.page(CITY, 1)[0]
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
    [upload] = container().uploads.page(CITY, 1)[0]
    assert (upload.status.value, upload.accepted) == ("refused", 0)


def _revoked_after_the_first_removal(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, list[str]]:
    city = gateway.register_platform(QITAIHE, "qth-old")
    entries = [recent_entry(decision_number=f"(2026)黑09执{n}号") for n in range(1, 4)]
    pushed = gateway.push(city, QITAIHE, entries).json_body
    assert pushed["accepted"] == 3, pushed
    ids = [o["listing_id"] for o in pushed["outcomes"]]
    monkeypatch.setattr(bulk_removal, "_REMOVALS_PER_BATCH", 1)
    remove_batch = bulk_removal.ResyncRemoval._remove_batch

    def revoked_after_first(self: Any, *args: Any, **kwargs: Any) -> Any:
        done = remove_batch(self, *args, **kwargs)
        if not getattr(revoked_after_first, "done", False):
            revoked_after_first.done = True  # type: ignore[attr-defined]
            gone = gateway.client.http.delete(
                f"/v1/regions/{QITAIHE}/keys/qth-old", headers=gateway.operator()
            )
            assert gone.status_code == 200, gone.json_body
        return done

    monkeypatch.setattr(bulk_removal.ResyncRemoval, "_remove_batch", revoked_after_first)
    return city, ids


def test_removals_made_before_the_stop_are_counted_in_the_month_pushes(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty forced resync refused after one removal: that removal is the month's (review
    225: a refused upload counted only when it stored lines)."""
    city, _ = _revoked_after_the_first_removal(gateway, monkeypatch)
    before = pushes(gateway)
    upload_id = uploaded(
        gateway,
        aws,
        city,
        [],
        region=QITAIHE,
        mode="resync",
        domains=["court_defaulter"],
        force=True,
    )
    upload = container().uploads.get(QITAIHE, upload_id)
    assert upload is not None
    assert (upload.status.value, upload.refusal and upload.refusal.code) == (
        "refused",
        "key_revoked",
    ), upload
    assert upload.removed == 1, upload  # one listing really was revoked
    after = pushes(gateway)
    # what the upload did (one listing removed) is in the month's pushes
    assert after["removed"] - before["removed"] == 1, (before, after)


def test_a_refused_resync_does_not_say_its_removals_are_still_pending(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused partway through its removals: withheld, with how many were made (review 225)."""
    city, _ = _revoked_after_the_first_removal(gateway, monkeypatch)
    lines = [recent_entry(decision_number="(2026)黑09执99号")]
    upload_id = uploaded(
        gateway,
        aws,
        city,
        lines,
        region=QITAIHE,
        mode="resync",
        domains=["court_defaulter"],
        force=True,
    )
    upload = container().uploads.get(QITAIHE, upload_id)
    assert upload is not None
    assert upload.status.value == "refused", upload
    assert upload.removed == 1, upload
    # refused: nothing more will be removed; a "pending" removal promises what never comes
    assert (upload.removal, upload.removal_note) == (
        "withheld",
        "1 listings were removed before the upload was refused; no more will be",
    )
