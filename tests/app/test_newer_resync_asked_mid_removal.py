"""A resync asked for while an older one's removals are under way decides from then on (review
305): the older run read the newer resyncs once, before its first removal, and went on ending
listings the newer list holds until the run was over — the newer file's same lines, duplicates
of the versions held, did not put them back."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, black_entry
from test_resync_order import _statuses
from upload_support import ask, put_and_ingest

import gateway.intake.bulk_removal as bulk_removal
from chalicelib.bootstrap import container

DROPPED = ("(2026)黑09执500号", "(2026)黑09执501号")


@pytest.mark.roles_unchecked("the newer resync is asked for while the older one removes")
def test_a_newer_resync_asked_between_two_removals_keeps_the_second(
    gateway: Any, aws: Any, monkeypatch: Any
) -> None:
    city = gateway.register_platform(CITY)
    kept = [black_entry(decision_number=f"(2026)黑09执{i}号") for i in range(20)]
    dropped = [black_entry(decision_number=number) for number in DROPPED]
    assert gateway.push(city, CITY, [*kept, *dropped]).json_body["accepted"] == 22
    resync = {"mode": "resync", "domains": ["court_defaulter"]}
    first = ask(gateway, city, kept, **resync)  # leaves both out (2 of 22: under the catch)

    monkeypatch.setattr(bulk_removal, "_REMOVALS_PER_BATCH", 1)
    real = bulk_removal.ResyncRemoval._remove_batch
    newer: list[Any] = []

    def remove_batch(self, upload, keys, now, rules, *more):  # type: ignore[no-untyped-def]
        done = real(self, upload, keys, now, rules, *more)
        if not newer:  # the corrected complete list, asked for after the first removal
            newer.append(ask(gateway, city, [*kept, *dropped], **resync))
        return done

    monkeypatch.setattr(bulk_removal.ResyncRemoval, "_remove_batch", remove_batch)
    put_and_ingest(aws, first)

    statuses = [_statuses(gateway)[number] for number in DROPPED]
    assert sorted(statuses) == ["active", "revoked"], statuses
    older = container().uploads.get(CITY, first.upload_id)
    assert older.removed == 1
    assert newer[0].upload_id in older.removal_note
