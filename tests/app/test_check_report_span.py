"""A batch check's signed report (POST /v1/checks, report: true) is issued after the check's
last read and the log position's, and says when the check began reading (`checked_from`), as
a bulk check's does since review 256 (review 278): it said the moment the request began, so a
listing accepted while the check read showed in a report "issued" before it existed."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, black_entry
from stdnum.cn import uscc

from chalicelib.bootstrap import container


def _code(serial: int) -> str:
    body = f"91230900{serial:09d}"
    return body + uscc.calc_check_digit(body)


@pytest.mark.roles_unchecked
def test_a_batch_report_shows_nothing_accepted_after_it_was_issued(
    gateway: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = gateway.register_platform(CITY)
    assert gateway.push(signer, CITY, [black_entry()]).json_body["accepted"] == 1
    late = _code(4242)
    listings = container().listings
    read = listings.subjects

    def reading(wanted: Any) -> Any:
        # while the check reads, the city lists another company (a concurrent push)
        made = gateway.push(
            signer, CITY, [black_entry(credit_code=late, decision_number="(2024)黑09执999号")]
        )
        assert made.json_body["accepted"] == 1, made.json_body
        return read(wanted)

    monkeypatch.setattr(listings, "subjects", reading)
    body = json.dumps(
        {"codes": [CREDIT_CODE, late], "purpose": "supervision", "report": True}
    ).encode()
    reply = gateway.post_signed("/v1/checks", signer, None, body)

    assert reply.status_code == 200, reply.json_body
    content = reply.json_body["report"]["content"]
    issued_at = datetime.fromisoformat(content["issued_at"])
    accepted = [
        datetime.fromisoformat(v["listing"]["accepted_at"])
        for r in content["results"]
        if r["subject"]
        for v in r["subject"]["listings"]
    ]
    assert len(accepted) == 2
    assert max(accepted) <= issued_at, (max(accepted), issued_at)
    assert datetime.fromisoformat(content["checked_from"]) <= max(accepted)  # read in the span
