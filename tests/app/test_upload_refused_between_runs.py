"""A resync whose signing key is revoked between two runs — its removals cut short by the
Lambda's time and the continuation refused ``key_revoked`` at its start, or a split one's range
refused at its start — says its removals are ``withheld`` and how many were made, as one whose
revocation a run notices partway does (review 227: it read ``pending`` for good)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, Gateway
from lifecycle_support import recent_entry
from upload_support import ask, put_object, ranges_of_two, revoke, split_in_two

from chalicelib.bootstrap import container
from gateway.intake import bulk_removal


def test_a_resync_refused_at_a_continuation_does_not_stay_pending(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = gateway.register_platform(CITY, "qth-old")
    held = [recent_entry(decision_number=f"(2026)黑09执{n}号") for n in range(1, 5)]
    assert gateway.push(city, CITY, held).json_body["accepted"] == 4
    monkeypatch.setattr(bulk_removal, "_REMOVALS_PER_BATCH", 1)
    resync = {"mode": "resync", "domains": ["court_defaulter"], "force": True}
    asked = ask(gateway, city, held[:1], **resync)
    version = put_object(aws, asked)
    ingest = container().bulk_ingest
    first = ingest.process(CITY, asked.upload_id, version, lambda: True)
    assert first is not None
    assert (first.status.value, first.removal, first.removed) == ("ingesting", "pending", 1)

    revoke(gateway, "qth-old")  # between the run and its continuation
    ingest.process(CITY, asked.upload_id, None)  # the continuation message's run

    done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    assert (done.status.value, done.refusal and done.refusal.code) == ("refused", "key_revoked")
    assert done.removed == 1
    # refused: no more removals will ever come; "pending" promises what never comes (review 225)
    assert done.removal == "withheld", (done.removal, done.removal_note)


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
def test_a_split_resync_refused_by_a_range_run_does_not_stay_pending(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same through a range's message: ``process_range`` saves the refusal."""
    city = gateway.register_platform(CITY, "qth-old")
    held = [recent_entry(decision_number=f"(2026)黑09执{n}号") for n in range(1, 6)]
    assert gateway.push(city, CITY, held).json_body["accepted"] == 5
    ingest = ranges_of_two(monkeypatch)
    resync = {"mode": "resync", "domains": ["court_defaulter"], "force": True}
    asked = ask(gateway, city, held[:4], **resync)
    split_in_two(aws, asked)
    assert ingest.process_range(CITY, asked.upload_id, 0) is not None

    revoke(gateway, "qth-old")
    assert ingest.process_range(CITY, asked.upload_id, 1) is None  # refused at its start

    done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    assert (done.status.value, done.refusal and done.refusal.code) == ("refused", "key_revoked")
    assert done.removal == "withheld", (done.removal, done.removal_note)
