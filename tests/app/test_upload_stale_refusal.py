"""A duplicate range message's refusal, saved without the upload's lease from a read taken
before the upload's own run removed more, no longer takes those removals back: the record and
the month keep the larger count (review 230)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, Gateway
from lifecycle_support import recent_entry
from upload_support import ask, pushes, ranges_of_two, revoke, split_in_two

from chalicelib.bootstrap import container
from gateway.intake import bulk_removal
from gateway_client.contract.listing import ListingEntry, identity_of


def _raced(gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    city = gateway.register_platform(CITY, "qth-old")
    held = [recent_entry(decision_number=f"(2026)黑09执{n}号") for n in range(1, 8)]
    assert gateway.push(city, CITY, held).json_body["accepted"] == 7
    before = pushes(gateway)
    ingest = ranges_of_two(monkeypatch)
    monkeypatch.setattr(bulk_removal, "_REMOVALS_PER_BATCH", 1)
    resync = {"mode": "resync", "domains": ["court_defaulter"], "force": True}
    asked = ask(gateway, city, held[:4], **resync)  # 3 listings to remove
    split_in_two(aws, asked)
    assert ingest.process_range(CITY, asked.upload_id, 0) is not None
    calls = [0]

    def after_one_removal() -> bool:  # range 1's batch, then the first removal batch
        calls[0] += 1
        return calls[0] >= 2

    assert ingest.process_range(CITY, asked.upload_id, 1, after_one_removal) is not None
    mid = container().uploads.get(CITY, asked.upload_id)
    assert mid is not None
    assert (mid.status.value, mid.removal, mid.removed) == ("ingesting", "pending", 1), mid

    original = ingest._as_permitted_now
    fired = [False]

    def revoked_then_false() -> bool:
        if not fired[0]:
            return False
        revoke(gateway, "qth-old")
        return False

    def meanwhile(upload: Any) -> Any:
        if not fired[0]:
            fired[0] = True
            # the continuation's run (holding the upload's lease) removes one more, then the
            # key is revoked: it stops and saves the refusal with removed=2
            ingest.process(CITY, asked.upload_id, None, revoked_then_false)
        return original(upload)

    monkeypatch.setattr(ingest, "_as_permitted_now", meanwhile)
    # a duplicate message of range 0 read the upload (removed=1) just before
    assert ingest.process_range(CITY, asked.upload_id, 0) is None
    monkeypatch.setattr(ingest, "_as_permitted_now", original)

    ended = [
        x
        for x in container()
        .listings.current([(recent_entry()["credit_code"], lid) for lid in _ids(held)])
        .values()
        if x.status.value != "active"
    ]
    done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    assert done.status.value == "refused"
    return done, len(ended), before, pushes(gateway)


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
def test_a_stale_range_refusal_does_not_take_back_removals(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    done, ended, _, _ = _raced(gateway, aws, monkeypatch)
    assert done.removed == ended == 2, (done.removed, ended, done.removal_note)


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
def test_a_stale_range_refusal_does_not_subtract_from_the_month(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, ended, before, after = _raced(gateway, aws, monkeypatch)
    assert after["removed"] - before["removed"] == ended == 2, (before, after)


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [identity_of(ListingEntry.model_validate(e)) for e in entries]
