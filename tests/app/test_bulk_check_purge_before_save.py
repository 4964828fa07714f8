"""A purge that lands after a bulk check last asked whether any of its listings was purged (no)
but before the completed upload was saved: the purge destroys the result file and, finding the
upload not yet naming it, withdraws nothing. The check asks again once saved, so the upload
says its results were withdrawn and names no file (review 294: it was saved naming a
destroyed file, the platform never told to check again)."""

from __future__ import annotations

from typing import Any

from app_support import DAYE, Gateway
from personal_support import PERSON, person_entry
from upload_support import uploaded

from chalicelib.bootstrap import container
from chalicelib.check_answers import CheckAnswers


def test_a_purge_between_the_checks_last_question_and_its_save_withdraws_the_results(
    gateway: Gateway, aws: Any, monkeypatch
) -> None:
    daye = gateway.register_platform(DAYE)
    assert gateway.push(daye, DAYE, [person_entry()]).json_body["accepted"] == 1
    [held] = container().listings.subject(PERSON)
    asked = CheckAnswers.purged
    marked: list[str] = []  # the log's erasure mark, which the purge writes before it erases

    def purge_after_the_first_question(self: CheckAnswers, ids: Any) -> Any:
        found = [*asked(self, ids), *(i for i in ids if i in marked)]
        if not marked:
            marked.append(held.listing_id)
            assert self.erase(held.listing_id) == 1  # the purge's part, the upload unsaved
        return found

    monkeypatch.setattr(CheckAnswers, "purged", purge_after_the_first_question)
    upload_id = uploaded(
        gateway,
        aws,
        daye,
        [{"credit_code": PERSON}],
        region=DAYE,
        mode="check",
        purpose="supervision",
    )

    upload = container().uploads.get(DAYE, upload_id)
    assert upload is not None
    versions = aws.s3.list_object_versions(
        Bucket=aws.env["CG_ARCHIVE_BUCKET"], Prefix=f"check-results/{DAYE}/{upload_id}/"
    ).get("Versions", [])
    assert not [v for v in versions if v["Key"].endswith(".ndjson")]  # the file is gone
    assert upload.results_withdrawn_at is not None
    assert upload.result_key is None
