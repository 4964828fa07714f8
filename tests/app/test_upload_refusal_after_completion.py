"""A duplicate range message that read the upload still ingesting, and whose start check finds
it refused after the upload's own step completed it (the key revoked since), does not turn the
completed upload refused: a range saves a refusal only under the upload's lease, from a read
taken under it (review 231)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, Gateway
from upload_support import (
    four_lines_in_two_ranges,
    pushes,
    revoke,
)

from chalicelib.bootstrap import container
from gateway.intake import BulkPolicy


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
def test_a_stale_equal_count_range_refusal_does_not_turn_a_completed_upload_refused(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    split = four_lines_in_two_ranges(gateway, aws, monkeypatch)
    ingest, asked, before = split.ingest, split.asked, split.before
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
