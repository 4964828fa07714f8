"""A national source's split resync whose domain is taken from it while the upload's own step
is removing: the own step finds the refusal itself before its next batch (not only a revoked
key), stops, and the record says refused, removals withheld — as a range's start check had
found, whose save, read before the own step removed more, is not kept (review 231)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import Gateway, new_signer
from lifecycle_support import recent_entry
from upload_support import ask, ranges_of_two, split_in_two

from chalicelib.bootstrap import container
from gateway.intake import bulk_removal

COURT = "100001"
SOURCE = {
    "name": "最高人民法院",
    "kind": "national_source",
    "domains": ["court_defaulter", "major_tax_violation"],
}


def _put(gateway: Gateway, body: dict[str, Any]) -> None:
    raw = json.dumps(body, ensure_ascii=False).encode()
    reply = gateway.client.http.put(f"/v1/regions/{COURT}", headers=gateway.operator(), body=raw)
    assert reply.status_code == 200, reply.json_body


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
def test_a_range_s_domain_refusal_mid_removal_is_not_lost(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = new_signer("k-court")
    _put(gateway, SOURCE)
    assert gateway.add_key(COURT, signer).status_code == 201
    held = [recent_entry(decision_number=f"(2026)黑09执{n}号") for n in range(1, 8)]
    pushed = gateway.push(signer, COURT, held)
    assert pushed.json_body["accepted"] == 7, pushed.json_body
    ingest = ranges_of_two(monkeypatch)
    monkeypatch.setattr(bulk_removal, "_REMOVALS_PER_BATCH", 1)
    resync = {"mode": "resync", "domains": ["court_defaulter"], "force": True}
    asked = ask(gateway, signer, held[:4], region=COURT, **resync)  # 3 listings to remove
    split_in_two(aws, asked, COURT)
    assert ingest.process_range(COURT, asked.upload_id, 0) is not None
    calls = [0]

    def after_one_removal() -> bool:
        calls[0] += 1
        return calls[0] >= 2

    assert ingest.process_range(COURT, asked.upload_id, 1, after_one_removal) is not None
    mid = container().uploads.get(COURT, asked.upload_id)
    assert mid is not None
    assert (mid.status.value, mid.removal, mid.removed) == ("ingesting", "pending", 1), mid

    original = ingest._as_permitted_now
    fired = [False]

    def narrowed_after_a_removal() -> bool:  # the own step's first batch done
        _put(gateway, SOURCE | {"domains": ["major_tax_violation"]})
        return False

    def meanwhile(upload: Any) -> Any:
        if not fired[0]:
            fired[0] = True
            ingest.process(COURT, asked.upload_id, None, narrowed_after_a_removal)
        return original(upload)

    monkeypatch.setattr(ingest, "_as_permitted_now", meanwhile)
    # a duplicate message of range 0 read the upload (removed=1) just before
    assert ingest.process_range(COURT, asked.upload_id, 0) is None
    monkeypatch.setattr(ingest, "_as_permitted_now", original)

    done = container().uploads.get(COURT, asked.upload_id)
    assert done is not None
    # a run found the upload refused: the record says so (review 227: whichever run finds it)
    assert (done.status.value, done.removal) == ("refused", "withheld"), (
        done.status,
        done.removal,
        done.removed,
        done.removal_note,
        done.refusal,
    )
