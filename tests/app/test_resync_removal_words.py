"""A resync's removal names its upload only in the step's note, withheld where the listing is
shown masked (review 249): the upload id is the platform's to choose (128 characters of
``[A-Za-z0-9._:-]``), and written into the step's reason it reached every region (one holding
a resident ID number is refused now: ``test_ids_holding_id_numbers``)."""

from __future__ import annotations

import pytest
from app_support import DAYE, HUNAN
from lifecycle_support import fan_out_and_deliver, recent_entry
from upload_support import ask, put_and_ingest

WORDS = ["ZhangSan.tel.13800138000.lives.at.Haidian-Road-8"]


@pytest.mark.parametrize("upload_id", WORDS, ids=["words"])
def test_a_masked_resync_removal_carries_no_words_the_platform_chose(
    gateway, aws, stream, receiver, upload_id
):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    gone = recent_entry(
        subject_name="大冶某某矿业有限公司",
        deciding_authority="大冶市人民法院",
        decision_number="(2026)鄂0281执1号",
    )
    kept = {**gone, "decision_number": "(2026)鄂0281执2号"}
    assert gateway.push(daye, DAYE, [gone, kept]).json_body["accepted"] == 2
    fan_out_and_deliver(aws, stream)
    resync = {"mode": "resync", "domains": ["court_defaulter"], "force": True}
    put_and_ingest(aws, ask(gateway, daye, [kept], DAYE, upload_id=upload_id, **resync))

    sent = [d for d in fan_out_and_deliver(aws, stream) if d.type == "listing.changed"]

    [removed] = [d for d in sent if not d.recognition.recognised]
    step = removed.change.listing.history[-1]
    assert step.reason == "removed: revoked — absent from full resync"  # what it was, for all
    assert step.note is None
    assert upload_id not in removed.model_dump_json()
