"""A bulk check answers each block of codes under its region's rules of that moment (review
311), as an upload's every batch is held to them (reviews 104, 224): it held its start's for up
to 100,000 codes, so it went on after the operator revoked the manifest's key (spending tries,
writing trail entries, signing a report naming the revoked key), after relaying for a county
was turned off (showing that county's ended listing), and after an agreement ended (showing a
person's number in full)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import DAYE, HUNAN, Gateway, daye_black_entry, end_agreement, signed_agreement
from lifecycle_support import push_with_removals, removal_of
from test_relays_turned_off_mid_run import CITY, COUNTY, entry, relaying_city, relays
from upload_support import uploaded

from chalicelib.bootstrap import container
from gateway.checks import bulk as bulk_module


def _uscc(serial: int) -> str:
    from stdnum.cn import uscc

    body = f"91420281{serial:09d}"
    return body + uscc.calc_check_digit(body)


def test_a_bulk_check_goes_by_the_relay_policy_of_now(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = relaying_city(gateway)
    relayed = entry(origin_region=COUNTY)
    assert gateway.push(city, CITY, [relayed]).json_body["accepted"] == 1
    ended = push_with_removals(
        gateway, city, CITY, [removal_of(relayed, "revoked", origin_region=COUNTY)]
    )
    assert ended.status_code == 200, ended.json_body
    real = bulk_module.check
    calls: list[int] = []

    def turning_off(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            relays(gateway, False)  # the operator stops 长沙市 relaying for its counties
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk_module, "check", turning_off)
    lines = [{"credit_code": _uscc(i)} for i in range(1, 1001)] + [
        {"credit_code": relayed["credit_code"]}
    ]
    upload_id = uploaded(
        gateway, aws, city, lines, region=CITY, mode="check", purpose="supervision"
    )

    upload = container().uploads.get(CITY, upload_id)
    assert upload is not None
    assert upload.result_key is not None
    bucket = aws.env["CG_ARCHIVE_BUCKET"]
    body = aws.s3.get_object(Bucket=bucket, Key=upload.result_key)["Body"].read()
    last = json.loads(body.splitlines()[-1])
    assert last["line"] == 1001
    now = json.dumps({"codes": [relayed["credit_code"]], "purpose": "supervision"}).encode()
    fresh = gateway.post_signed("/v1/checks", city, None, now).json_body
    assert fresh["results"][0]["found"] is False  # as the city is answered once it relays no more
    assert last["found"] is False, (last["subject"]["listings"][0]["listing"]["status"], len(calls))


PERSON = "11010519491231002X"


def _uscc(serial: int) -> str:
    from stdnum.cn import uscc

    body = f"91420281{serial:09d}"
    return body + uscc.calc_check_digit(body)


def test_a_bulk_check_shows_numbers_by_the_agreements_of_now(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    daye = gateway.register_platform(DAYE)
    hunan = gateway.register_platform(HUNAN)
    agreement = signed_agreement(gateway)  # 湖南 recognises 湖北's serious black lists
    person = daye_black_entry(credit_code=PERSON, subject_name="黄某某")
    assert gateway.push(daye, DAYE, [person]).json_body["accepted"] == 1
    real = bulk_module.check
    calls: list[int] = []

    def ending(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            ended = end_agreement(gateway, agreement["agreement_id"])
            assert ended.status_code == 200, ended.json_body
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk_module, "check", ending)
    lines = [{"credit_code": _uscc(i)} for i in range(1, 1001)] + [{"credit_code": PERSON}]
    upload_id = uploaded(
        gateway, aws, hunan, lines, region=HUNAN, mode="check", purpose="supervision"
    )

    body = json.dumps({"codes": [PERSON], "purpose": "supervision"}).encode()
    fresh = gateway.post_signed("/v1/checks", hunan, None, body).json_body
    assert fresh["results"][0]["credit_code"] != PERSON  # masked once the agreement ended
    from chalicelib.bootstrap import container

    upload = container().uploads.get(HUNAN, upload_id)
    assert upload is not None
    assert upload.result_key is not None
    stored = aws.s3.get_object(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=upload.result_key)
    last = json.loads(stored["Body"].read().splitlines()[-1])
    assert last["line"] == 1001
    assert last["credit_code"] != PERSON, (len(calls), last["credit_code"])


def _uscc(serial: int) -> str:
    from stdnum.cn import uscc

    body = f"91420281{serial:09d}"
    return body + uscc.calc_check_digit(body)


def test_a_bulk_check_stops_once_its_key_is_revoked(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hunan = gateway.register_platform(HUNAN)
    real = bulk_module.check
    calls = []

    def revoking(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:  # the operator revokes the key while the first block is read
            gone = gateway.client.http.delete(
                f"/v1/regions/{HUNAN}/keys/{hunan.key_id}", headers=gateway.operator()
            )
            assert gone.status_code == 200, gone.json_body
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk_module, "check", revoking)
    lines = [{"credit_code": _uscc(i)} for i in range(1, 2502)]
    upload_id = uploaded(
        gateway, aws, hunan, lines, region=HUNAN, mode="check", purpose="supervision"
    )

    upload = container().uploads.get(HUNAN, upload_id)
    assert upload is not None
    items = aws.dynamodb.scan(TableName=aws.env["CG_QUERY_TRAIL_TABLE"])["Items"]
    [json.loads(i["doc"]["S"]) for i in items if "doc" in i]
    assert len(calls) == 1, (
        f"{len(calls) - 1} more block(s) checked after the key was revoked in the first"
    )
    assert upload.status.value == "refused", upload.status
    assert upload.report_key is None  # no report signed naming a key revoked before it was issued
