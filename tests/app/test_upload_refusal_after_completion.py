"""A duplicate range message that read the upload still ingesting, and whose start check finds
it refused after the upload's own step completed it (the key revoked since), does not turn the
completed upload refused: a range saves a refusal only under the upload's lease, from a read
taken under it (review 231)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, Gateway
from lifecycle_support import recent_entry
from test_upload_statistics import pushes
from upload_support import ask, ranges_of_two, revoke, split_in_two

from chalicelib.bootstrap import container
from gateway.intake import BulkPolicy, bulk_batches


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
def test_a_stale_equal_count_range_refusal_does_not_turn_a_completed_upload_refused(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = gateway.register_platform(CITY, "qth-old")
    lines = [recent_entry(decision_number=f"(2026)黑09执{n}号") for n in range(1, 5)]
    before = pushes(gateway)
    ingest = ranges_of_two(monkeypatch)
    monkeypatch.setattr(bulk_batches, "LINES_PER_BATCH", 1)
    asked = ask(gateway, city, lines)
    split_in_two(aws, asked)
    assert ingest.process_range(CITY, asked.upload_id, 0) is not None
    # range 1 stored, its own step not yet run (another run held the upload)
    monkeypatch.setattr(ingest, "process", lambda *a, **k: None)
    assert ingest.process_range(CITY, asked.upload_id, 1) is not None
    monkeypatch.undo()
    monkeypatch.setattr(ingest, "_policy", BulkPolicy(range_lines=2))

    original = ingest._as_permitted_now
    fired = [False]

    def meanwhile(upload: Any) -> Any:
        # a duplicate range message read the upload still ingesting; before its start check,
        # the upload's own step completes it; then the key is revoked
        if not fired[0]:
            fired[0] = True
            done = ingest.process(CITY, asked.upload_id, None)
            assert done is not None
            assert done.status.value == "completed", done
            revoke(gateway, "qth-old")
        return original(upload)

    monkeypatch.setattr(ingest, "_as_permitted_now", meanwhile)
    ingest.process_range(CITY, asked.upload_id, 0)
    monkeypatch.setattr(ingest, "_as_permitted_now", original)

    final = container().uploads.get(CITY, asked.upload_id)
    assert final is not None
    after = pushes(gateway)
    assert after["accepted"] - before["accepted"] == 4, (before, after)
    # all four lines were stored and the upload completed while its key was valid
    assert final.status.value == "completed", (final.status, final.refusal)
