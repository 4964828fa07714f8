"""Review 86 F2: a resync whose run died after its removals were written, before its record
was saved, was resumed from the queue and said it removed 0 (the listings it ended are out of
the index it reads). The count is now saved with each batch of removals and resumed from."""

from __future__ import annotations

from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, black_entry
from upload_support import ask, put_file

import app as gateway_app
from chalicelib.bootstrap import container
from gateway.intake import UploadStatus


def test_a_resync_resumed_after_its_removals_says_what_it_removed(gateway, aws, monkeypatch):
    city = gateway.register_platform(CITY)
    kept = [black_entry(decision_number=f"(2026)黑09执{i}号") for i in range(20)]
    gone = [black_entry(decision_number=f"(2026)黑09执{100 + i}号") for i in range(2)]
    assert gateway.push(city, CITY, kept + gone).json_body["accepted"] == 22
    asked = ask(gateway, city, kept, mode="resync", domains=["court_defaulter"])
    record = put_file(aws, asked)
    store = type(container().uploads)
    save, crashed = store.save, []

    def dies_once_completed(self: Any, upload: Any) -> None:
        if upload.status is UploadStatus.COMPLETED and not crashed:
            crashed.append(upload)
            raise RuntimeError("the Lambda was stopped")
        save(self, upload)

    monkeypatch.setattr(store, "save", dies_once_completed)
    with pytest.raises(RuntimeError):
        gateway_app.ingest_uploads({"Records": [record]}, None)
    gateway_app.ingest_uploads({"Records": [record]}, None)  # the queue delivers it again

    upload = container().uploads.get(CITY, asked.upload_id)
    view = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}", headers=gateway.operator())
    ended = [v for v in view.json_body["listings"] if v["listing"]["status"] == "revoked"]
    assert (upload.status, upload.removal) == (UploadStatus.COMPLETED, "applied")
    assert upload.removed == len(ended) == 2
