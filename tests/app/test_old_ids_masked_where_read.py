"""Text stored before input refused resident ID numbers is masked where it is read (review
372): a bulk check's id, chosen by the asker and once an applicant's number, in the trail every
owner of a listing shown reads for three years, and in the asking region's console; a
commitment's words and an objection's id in the overdue lists a console session reads, as the
console's own lookup masks them (review 308)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app_support import (
    CITY,
    CREDIT_CODE,
    DAYE,
    HUNAN,
    OTHER_CREDIT_CODE,
    Gateway,
    daye_black_entry,
)
from session_support import as_session, open_session
from test_commitment_routes import TODAY, commitment
from test_old_text_masked_in_every_view import objected_under_a_number
from upload_support import ask, put_and_ingest

from chalicelib import bootstrap
from gateway_client.contract import model
from gateway_client.contract.clock import FixedClock

APPLICANT = "420281199607020349"  # a valid resident ID number, never listed
SPACED = "110105 19491231 002X"
PERSON = "11010519491231002X"


def checked_under_the_applicants_number(
    gateway: Gateway, aws: Any, hunan: Any, monkeypatch: Any
) -> None:
    """湖南's bulk check of ``CREDIT_CODE`` named by the applicant's number, as a release
    before ids were judged as text took it."""
    with monkeypatch.context() as before:
        before.setattr(model, "refuse_resident_ids", lambda value: None)
        asked = ask(
            gateway,
            hunan,
            [{"credit_code": CREDIT_CODE}],
            region=HUNAN,
            upload_id=f"chk-{APPLICANT}",
            mode="check",
            purpose="public_procurement",
        )
        put_and_ingest(aws, asked)


def test_an_owner_reads_no_applicants_number_in_an_old_checks_id(
    gateway: Gateway, aws: Any, monkeypatch: Any
) -> None:
    daye = gateway.register_platform(DAYE)
    hunan = gateway.register_platform(HUNAN)
    assert gateway.push(daye, DAYE, [daye_black_entry()]).json_body["accepted"] == 1
    checked_under_the_applicants_number(gateway, aws, hunan, monkeypatch)

    read = gateway.send_signed("GET", f"/v1/subjects/{CREDIT_CODE}/trail", daye)

    assert read.status_code == 200, read.json_body
    [entry] = read.json_body["entries"]
    assert entry["asked_by"] == HUNAN  # 大冶 reads who looked at its listing…
    assert APPLICANT not in read.body.decode(), entry  # …not the applicant's number


def test_a_console_session_reads_no_applicants_number_in_an_old_checks_upload(
    gateway: Gateway, aws: Any, monkeypatch: Any
) -> None:
    """The same legacy id, in the asking region's own console (a browser is shown no resident
    ID number in full, whoever's it is: README, The console)."""
    hunan = gateway.register_platform(HUNAN)
    checked_under_the_applicants_number(gateway, aws, hunan, monkeypatch)
    token = open_session(gateway, hunan).json_body["token"]

    listed = as_session(gateway, token, "GET", f"/v1/regions/{HUNAN}/uploads")

    assert listed.status_code == 200, listed.json_body
    assert APPLICANT not in listed.body.decode()


def test_a_platforms_console_reads_no_id_number_in_its_overdue_commitments(
    gateway: Any, monkeypatch: Any
) -> None:
    gateway.put_region(HUNAN, name="湖南省")
    city = gateway.register_platform(CITY)
    late = commitment()
    late["deciding_authority"] = f"七台河市政务服务中心（经办人身份证 {SPACED}）"
    late["commitment"]["deadline"] = (TODAY - timedelta(days=1)).isoformat()
    with monkeypatch.context() as m:  # stored before input refused ID numbers in text
        m.setattr(model, "refuse_resident_ids", lambda value: None)
        reply = gateway.push(city, CITY, [late])
        assert reply.json_body["accepted"] == 1, reply.json_body
    opened = open_session(gateway, city)
    assert opened.status_code == 201, opened.json_body
    token = opened.json_body["token"]

    lookup = as_session(gateway, token, "GET", f"/v1/subjects/{late['credit_code']}")
    overdue = as_session(gateway, token, "GET", "/v1/commitments/overdue")

    assert lookup.status_code == 200, lookup.json_body
    assert "19491231" not in lookup.body.decode()  # the console's lookup masks it
    assert overdue.status_code == 200, overdue.json_body
    assert len(overdue.json_body["overdue"]) == 1
    assert "19491231" not in overdue.body.decode(), overdue.json_body["overdue"][0]


def test_the_operators_console_reads_no_id_number_used_as_an_old_objection_id(
    gateway: Any, monkeypatch: Any
) -> None:
    objected_under_a_number(gateway, monkeypatch)
    later = bootstrap.container().clock.now() + timedelta(days=30)
    bootstrap.override_clock(FixedClock(later))
    try:
        opened = gateway.client.http.post(
            "/v1/console/sessions", headers=gateway.operator(), body=b"{}"
        )
        token = opened.json_body["token"]
        lookup = as_session(gateway, token, "GET", f"/v1/subjects/{OTHER_CREDIT_CODE}")
        overdue = as_session(gateway, token, "GET", "/v1/objections/overdue")
    finally:
        bootstrap.override_clock(None)

    assert lookup.status_code == 200, lookup.json_body
    assert PERSON not in lookup.body.decode()  # the console's lookup masks it
    assert overdue.status_code == 200, overdue.json_body
    assert overdue.json_body["overdue"], "the objection is late"
    assert PERSON not in overdue.body.decode(), overdue.json_body["overdue"][0]
