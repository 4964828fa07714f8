"""A range's batch stored after a range's start check read the upload to refuse it, by a range
that read the upload still ingesting before the refusal was saved, is counted in the month all
the same: the refusal reads the ranges' sums again once saved (review 232: nobody saved the
refused upload again, and the month missed those lines)."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import Gateway, new_signer
from lifecycle_support import recent_entry, this_month
from test_upload_domain_refused_mid_run import COURT, SOURCE, _put
from upload_support import ask, put_object, ranges_of_two

from chalicelib.bootstrap import container
from gateway.intake import bulk_batches


def _month(gateway: Gateway) -> dict[str, int]:
    reply = gateway.client.http.get(
        f"/v1/stats?region={COURT}&month={this_month()}", headers=gateway.operator()
    )
    assert reply.status_code == 200, reply.json_body
    return dict(reply.json_body["pushes"])


@pytest.mark.roles_unchecked("it sets the ingest function's range size on its container")
def test_a_range_stored_between_refuse_s_read_and_save_is_counted(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = new_signer("k-court")
    _put(gateway, SOURCE)
    assert gateway.add_key(COURT, signer).status_code == 201
    lines = [recent_entry(decision_number=f"(2026)黑09执{n}号") for n in range(1, 9)]
    ingest = ranges_of_two(monkeypatch)
    monkeypatch.setattr(bulk_batches, "LINES_PER_BATCH", 1)
    resync = {"mode": "resync", "domains": ["court_defaulter"], "force": True}
    asked = ask(gateway, signer, lines, region=COURT, **resync)
    split = ingest.process(COURT, asked.upload_id, put_object(aws, asked))
    assert split is not None
    assert split.ranges == 4, split
    before = _month(gateway)
    assert ingest.process_range(COURT, asked.upload_id, 0) is not None

    # range 1's last batch passed its check before the domain was taken, and is being stored
    original = ingest._as_permitted_now
    calls = [0]

    def meanwhile(upload: Any) -> Any:
        calls[0] += 1
        if calls[0] == 2:  # inside _refuse, after its read under the upload's lease
            monkeypatch.setattr(ingest, "_as_permitted_now", original)
            _put(gateway, SOURCE)  # (as it was when range 1's check passed)
            assert ingest.process_range(COURT, asked.upload_id, 1) is not None
            _put(gateway, SOURCE | {"domains": ["major_tax_violation"]})
        return original(upload)

    _put(gateway, SOURCE | {"domains": ["major_tax_violation"]})
    monkeypatch.setattr(ingest, "_as_permitted_now", meanwhile)
    # a duplicate message of range 0 finds the upload refused
    assert ingest.process_range(COURT, asked.upload_id, 0) is None
    monkeypatch.setattr(ingest, "_as_permitted_now", original)
    # the other ranges' messages come and find it refused
    assert ingest.process_range(COURT, asked.upload_id, 2) is None
    assert ingest.process_range(COURT, asked.upload_id, 3) is None

    done = container().uploads.get(COURT, asked.upload_id)
    assert done is not None
    assert (done.status.value, done.accepted) == ("refused", 4), (done.status, done.accepted)
    after = _month(gateway)
    assert after.get("accepted", 0) - before.get("accepted", 0) == done.accepted, (before, after)
