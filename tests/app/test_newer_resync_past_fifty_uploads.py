"""The newer resync that decides ("the newer list decides") is looked for among the region's
resyncs, not only its 50 latest uploads of any kind (review 304): fifty manifests asked for
meanwhile (delta uploads never sent, bulk checks — 30 a minute are allowed) pushed it out of
sight, and the older resync, ingested last, ended a listing the newer complete list holds."""

from __future__ import annotations

from dataclasses import replace

from app_support import CITY, black_entry
from test_resync_order import _statuses
from upload_support import ask, put_and_ingest

from chalicelib.bootstrap import container
from gateway.intake import UploadStatus


def test_an_older_resync_does_not_undo_a_newer_one_fifty_uploads_later(gateway, aws) -> None:
    city = gateway.register_platform(CITY)
    kept = [black_entry(decision_number=f"(2026)黑09执{i}号") for i in range(20)]
    assert gateway.push(city, CITY, kept).json_body["accepted"] == 20
    forgotten = black_entry(decision_number="(2026)黑09执500号")  # left out of the first list
    resync = {"mode": "resync", "domains": ["court_defaulter"]}
    first = ask(gateway, city, kept, **resync)  # issued first
    corrected = ask(gateway, city, [*kept, forgotten], **resync)  # issued after it
    put_and_ingest(aws, corrected)  # the corrected list is ingested first
    assert _statuses(gateway)["(2026)黑09执500号"] == "active"
    for n in range(50):  # routine uploads asked for meanwhile (never sent)
        ask(gateway, city, [black_entry(decision_number=f"(2026)黑09执{900 + n}号")])
    put_and_ingest(aws, first)

    older = container().uploads.get(CITY, first.upload_id)
    assert _statuses(gateway)["(2026)黑09执500号"] == "active", (older.removal, older.removed)


def test_a_newer_resync_whose_first_file_did_not_match_still_decides(gateway, aws) -> None:
    """Refused for a file whose bytes were not the manifest's, a newer resync still awaits its
    right file (review 305): the older one, ingested meanwhile, removed what the newer list
    holds, and the newer file's same line, a duplicate of the version held, did not put it
    back."""
    city = gateway.register_platform(CITY)
    kept = [black_entry(decision_number=f"(2026)黑09执{i}号") for i in range(20)]
    forgotten = black_entry(decision_number="(2026)黑09执500号")  # left out of the first list
    assert gateway.push(city, CITY, [*kept, forgotten]).json_body["accepted"] == 21
    resync = {"mode": "resync", "domains": ["court_defaulter"]}
    first = ask(gateway, city, kept, **resync)
    corrected = ask(gateway, city, [*kept, forgotten], **resync)
    put_and_ingest(aws, replace(corrected, content=corrected.content.replace(b"500", b"501")))
    assert container().uploads.get(CITY, corrected.upload_id).awaits_file
    put_and_ingest(aws, first)
    put_and_ingest(aws, corrected)  # the right file

    newer = container().uploads.get(CITY, corrected.upload_id)
    assert newer.status is UploadStatus.COMPLETED, newer
    assert _statuses(gateway)["(2026)黑09执500号"] == "active"
