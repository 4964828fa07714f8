"""A bulk check's signed report says when it was issued (``issued_at``) and signs the results:
every listing they show was held by then. The run reads its blocks over minutes; ``issued_at``
was the run's start, so a listing accepted while the run went on appeared in a report 'issued'
before it existed (review 256). The report now also says when the run began reading."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, black_entry
from stdnum.cn import uscc
from upload_support import uploaded

from chalicelib.bootstrap import container


def _code(serial: int) -> str:
    body = f"91230900{serial:09d}"
    return body + uscc.calc_check_digit(body)


def _stored(aws: Any, key: str | None) -> bytes:
    assert key is not None
    return bytes(aws.s3.get_object(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=key)["Body"].read())


@pytest.mark.roles_unchecked
def test_a_bulk_report_shows_nothing_accepted_after_it_was_issued(
    gateway: Any, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = gateway.register_platform(CITY)
    assert gateway.push(signer, CITY, [black_entry()]).json_body["accepted"] == 1
    late = _code(4242)
    codes = [CREDIT_CODE, *(_code(i) for i in range(1, 1000)), late]  # `late` in block 2

    checker = container().bulk_ingest._checker
    read = checker._read
    calls: list[int] = []

    def reading(wanted: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:  # while the run is under way, the city lists another company
            made = gateway.push(
                signer,
                CITY,
                [black_entry(credit_code=late, decision_number="(2024)黑09执999号")],
            )
            assert made.json_body["accepted"] == 1, made.json_body
        return read(wanted)

    monkeypatch.setattr(checker, "_read", reading)
    upload_id = uploaded(
        gateway,
        aws,
        signer,
        [{"credit_code": c} for c in codes],
        mode="check",
        purpose="supervision",
    )

    upload = container().uploads.get(CITY, upload_id)
    assert upload is not None
    assert upload.report_key is not None
    report = json.loads(_stored(aws, upload.report_key))
    issued_at = datetime.fromisoformat(report["content"]["issued_at"])
    began = datetime.fromisoformat(report["content"]["checked_from"])
    shown = [json.loads(x) for x in _stored(aws, upload.result_key).splitlines()]
    accepted = [
        datetime.fromisoformat(v["listing"]["accepted_at"])
        for line in shown
        if line["subject"]
        for v in line["subject"]["listings"]
    ]
    assert len(accepted) == 2
    # every listing the signed results show was held when the report says it was issued
    assert max(accepted) <= issued_at, (max(accepted), issued_at)
    assert min(accepted) < began < max(accepted)  # the run began before the late listing
