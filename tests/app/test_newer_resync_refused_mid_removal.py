"""A newer resync asked for during an older one's removals stops them in its domains (review
305) only while it stands (review 314): refused meanwhile (its key revoked before its file
came), it decides nothing, and the older run's next batches remove in its domains again — it
went on leaving their absent listings in force for the rest of the run. (What it left while the
newer one stood stays: the note names it.)"""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, black_entry, new_signer
from test_resync_order import _statuses
from upload_support import ask, put_and_ingest

import gateway.intake.bulk_removal as bulk_removal
from chalicelib.bootstrap import container

DROPPED = ("(2026)黑09执500号", "(2026)黑09执501号", "(2026)黑09执502号")


@pytest.mark.roles_unchecked("the newer resync is asked for and refused while the older removes")
def test_a_newer_resync_refused_mid_removal_stops_deciding(
    gateway: Any, aws: Any, monkeypatch: Any
) -> None:
    city = gateway.register_platform(CITY)
    second = new_signer(f"k-{CITY}-second")
    assert gateway.add_key(CITY, second).status_code == 201
    kept = [black_entry(decision_number=f"(2026)黑09执{i}号") for i in range(37)]
    dropped = [black_entry(decision_number=number) for number in DROPPED]
    assert gateway.push(city, CITY, [*kept, *dropped]).json_body["accepted"] == 40
    resync = {"mode": "resync", "domains": ["court_defaulter"]}
    first = ask(gateway, city, kept, **resync)  # 3 of 40 left out: under the catch

    monkeypatch.setattr(bulk_removal, "_REMOVALS_PER_BATCH", 1)
    real = bulk_removal.ResyncRemoval._remove_batch
    calls: list[int] = []
    newer: list[Any] = []

    def remove_batch(self, upload, keys, now, rules, *more):  # type: ignore[no-untyped-def]
        done = real(self, upload, keys, now, rules, *more)
        if upload.manifest.upload_id != first.upload_id:
            return done
        calls.append(1)
        if len(calls) == 1:  # a newer list asked for under the second key
            newer.append(ask(gateway, second, [*kept, *dropped], **resync))
        elif len(calls) == 2:  # that key revoked before its file came: refused
            gone = gateway.client.http.delete(
                f"/v1/regions/{CITY}/keys/{second.key_id}", headers=gateway.operator()
            )
            assert gone.status_code == 200, gone.json_body
            put_and_ingest(aws, newer[0])
            refused = container().uploads.get(CITY, newer[0].upload_id)
            assert refused is not None
            assert refused.status.value == "refused", refused
            assert refused.refusal is not None
            assert refused.refusal.code == "key_revoked"
        return done

    monkeypatch.setattr(bulk_removal.ResyncRemoval, "_remove_batch", remove_batch)
    put_and_ingest(aws, first)

    statuses = [_statuses(gateway)[number] for number in DROPPED]
    older = container().uploads.get(CITY, first.upload_id)
    assert len(calls) == 3, calls
    # batch 1 removed one; batch 2 left one to the newer resync while it stood; batch 3, the
    # newer one refused, removes the third
    assert sorted(statuses) == ["active", "revoked", "revoked"], (
        statuses,
        older.removal,
        older.removal_note,
    )
