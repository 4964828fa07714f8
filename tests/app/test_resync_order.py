"""Two resyncs of one domain by one platform, the second (a corrected complete list, issued
later) ingested before the first finishes: the older one's removals ended a listing the newer
list holds — the outcome hung on which run finished last, not on which list is newer (review
128). A resync's file is the list as of its issue; a listing accepted after that is not judged
by it."""

from __future__ import annotations

from app_support import CITY, CREDIT_CODE, black_entry
from upload_support import ask, put_and_ingest

from chalicelib.bootstrap import container
from gateway.intake import UploadStatus


def test_an_older_resync_finishing_last_does_not_undo_the_newer_one(gateway, aws) -> None:
    city = gateway.register_platform(CITY)
    kept = [black_entry(decision_number=f"(2026)黑09执{i}号") for i in range(20)]
    assert gateway.push(city, CITY, kept).json_body["accepted"] == 20
    forgotten = black_entry(decision_number="(2026)黑09执500号")  # left out of the first list
    resync = {"mode": "resync", "domains": ["court_defaulter"]}
    first = ask(gateway, city, kept, **resync)  # issued first
    corrected = ask(gateway, city, [*kept, forgotten], **resync)  # issued after it
    put_and_ingest(aws, corrected)  # the corrected list happens to be ingested first
    put_and_ingest(aws, first)

    uploads = container().uploads
    newer = uploads.get(CITY, corrected.upload_id)
    older = uploads.get(CITY, first.upload_id)
    assert (newer.status, newer.accepted) == (UploadStatus.COMPLETED, 1)
    view = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}", headers=gateway.operator())
    status = {
        v["listing"]["decision_number"]: v["listing"]["status"] for v in view.json_body["listings"]
    }
    assert status["(2026)黑09执500号"] == "active"  # the newest complete list holds it
    assert older.removed == 0
