"""Review 343: a bulk check answers each block with the lists and agreements *as they
stand when the block is read* (README: "the results are the lists as read between
checked_from and issued_at"; review 311: "each block ... under the region's rules of its
moment ... and the agreements of then"). But every block is judged on the Beijing *day* the
run started (``BulkCheck.check`` passes its start ``now`` to ``check`` for every block): a run
that crosses Beijing midnight goes on recognising an agreement that ended at that midnight
(a person's ID number shown in full to a region that may no longer see it) and showing a
listing whose period ended at that midnight as in force."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from app_support import DAYE, HUNAN, Gateway, daye_black_entry, signed_agreement
from stdnum.cn import uscc
from upload_support import uploaded

from chalicelib.bootstrap import container
from gateway.checks import bulk as bulk_module
from gateway_client.contract import china_date
from gateway_client.contract.clock import CHINA

PERSON = "11010519491231002X"


def _beijing(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), CHINA).astimezone(UTC)


def _companies(count: int) -> list[dict[str, str]]:
    bodies = (f"91420281{serial:09d}" for serial in range(1, count + 1))
    return [{"credit_code": body + uscc.calc_check_digit(body)} for body in bodies]


def _run_across_midnight(
    gateway: Gateway,
    aws: Any,
    monkeypatch: pytest.MonkeyPatch,
    signer: Any,
    region: str,
    code: str,
    today,
) -> dict[str, Any]:
    """A bulk check started at 23:59:30 (Beijing) whose second block (holding ``code``) is read
    after midnight; the result line of ``code``."""
    after_midnight = time_machine.travel(_beijing(today + timedelta(days=1), 0, 0, 30), tick=True)
    real, calls = bulk_module._viewer, []

    def first_then(*args: Any, **kwargs: Any) -> Any:
        """Who asks, read for the run, then as each block begins: the second block begins
        after midnight."""
        calls.append(1)
        if len(calls) == 3:
            after_midnight.start()
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk_module, "_viewer", first_then)
    lines = [*_companies(1000), {"credit_code": code}]
    try:
        with time_machine.travel(_beijing(today, 23, 59, 30), tick=True):
            upload_id = uploaded(
                gateway, aws, signer, lines, region=region, mode="check", purpose="supervision"
            )
            assert len(calls) >= 3
            assert china_date(datetime.now(UTC)) == today + timedelta(days=1)
            asked_now = gateway.post_signed(
                "/v1/checks",
                signer,
                None,
                json.dumps({"codes": [code], "purpose": "supervision"}).encode(),
            ).json_body["results"][0]
            after_midnight.stop()
        upload = container().uploads.get(region, upload_id)
        assert upload is not None
        assert upload.result_key is not None, upload
        stored = aws.s3.get_object(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=upload.result_key)
        last: dict[str, Any] = json.loads(stored["Body"].read().splitlines()[-1])
        assert last["line"] == 1001
        return {"line": last, "now": asked_now}
    except BaseException:
        if len(calls) >= 3:
            with contextlib.suppress(RuntimeError):  # stopped already
                after_midnight.stop()
        raise


def test_an_agreement_that_ended_at_midnight_shows_no_number_in_full_after_it(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = china_date(datetime.now(UTC))
    daye = gateway.register_platform(DAYE)
    hunan = gateway.register_platform(HUNAN)
    # 湖南 recognises 湖北's serious black lists through today: the agreement ends at midnight
    signed_agreement(gateway, effective_until=(today + timedelta(days=1)).isoformat())
    person = daye_black_entry(credit_code=PERSON, subject_name="黄某某")
    assert gateway.push(daye, DAYE, [person]).json_body["accepted"] == 1

    seen = _run_across_midnight(gateway, aws, monkeypatch, hunan, HUNAN, PERSON, today)

    assert seen["now"]["credit_code"] != PERSON  # POST /v1/checks after midnight: masked
    # the bulk check's block read after midnight showed the number in full
    assert seen["line"]["credit_code"] != PERSON, seen["line"]["credit_code"]


def test_a_listing_whose_period_ended_at_midnight_is_not_shown_in_force_after_it(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = china_date(datetime.now(UTC))
    daye = gateway.register_platform(DAYE)
    hunan = gateway.register_platform(HUNAN)
    signed_agreement(gateway)  # 湖南 recognises 湖北's serious black lists
    company = daye_black_entry(valid_until=(today + timedelta(days=1)).isoformat())
    assert gateway.push(daye, DAYE, [company]).json_body["accepted"] == 1

    seen = _run_across_midnight(
        gateway, aws, monkeypatch, hunan, HUNAN, company["credit_code"], today
    )

    assert seen["now"]["found"] is False  # expired from midnight: no longer shown to 湖南
    assert seen["line"]["found"] is False, seen["line"]["subject"]["listings"][0]["listing"][
        "status"
    ]
