"""A bulk check answers each block of codes under its region's rules of that moment (review
311), as an upload's every batch is held to them (reviews 104, 224): it held its start's for up
to 100,000 codes, so it went on after the operator revoked the manifest's key (spending tries,
writing trail entries, signing a report naming the revoked key), after relaying for a county
was turned off (showing that county's ended listing), and after an agreement ended (showing a
person's number in full)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from app_support import DAYE, HUNAN, Gateway, daye_black_entry, end_agreement, signed_agreement
from lifecycle_support import push_with_removals, removal_of
from stdnum.cn import uscc
from test_relays_turned_off_mid_run import CITY, COUNTY, entry, relaying_city, relays
from upload_support import uploaded

from chalicelib.bootstrap import container
from gateway.checks import bulk as bulk_module
from gateway.intake import Upload

PERSON = "11010519491231002X"


def _companies(count: int) -> list[dict[str, str]]:
    """``count`` lines of valid codes listed nowhere: a block of 1,000 is checked at a time."""
    bodies = (f"91420281{serial:09d}" for serial in range(1, count + 1))
    return [{"credit_code": body + uscc.calc_check_digit(body)} for body in bodies]


def _checked(
    gateway: Gateway,
    aws: Any,
    monkeypatch: pytest.MonkeyPatch,
    signer: tuple[Any, str],
    lines: list[dict[str, str]],
    meanwhile: Callable[[], None],
) -> tuple[Upload, int]:
    """A bulk check of ``lines`` by ``signer`` (its key, its region), ``meanwhile`` done as its
    first block is checked: the upload as saved, and how many blocks were checked."""
    real, calls = bulk_module.check, []

    def first_then(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            meanwhile()
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk_module, "check", first_then)
    key, region = signer
    upload_id = uploaded(
        gateway, aws, key, lines, region=region, mode="check", purpose="supervision"
    )
    upload = container().uploads.get(region, upload_id)
    assert upload is not None
    return upload, len(calls)


def _revoking(gateway: Gateway, signer: Any) -> Callable[[], None]:
    """The operator revoking ``signer``'s key (湖南's)."""

    def revoke() -> None:
        gone = gateway.client.http.delete(
            f"/v1/regions/{HUNAN}/keys/{signer.key_id}", headers=gateway.operator()
        )
        assert gone.status_code == 200, gone.json_body

    return revoke


def _last_line(aws: Any, upload: Upload) -> dict[str, Any]:
    assert upload.result_key is not None
    stored = aws.s3.get_object(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key=upload.result_key)
    last: dict[str, Any] = json.loads(stored["Body"].read().splitlines()[-1])
    assert last["line"] == 1001
    return last


def _asked_now(gateway: Gateway, signer: Any, code: str) -> dict[str, Any]:
    body = json.dumps({"codes": [code], "purpose": "supervision"}).encode()
    answer: dict[str, Any] = gateway.post_signed("/v1/checks", signer, None, body).json_body
    return answer["results"][0]


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
    lines = [*_companies(1000), {"credit_code": relayed["credit_code"]}]

    # the operator stops 长沙市 relaying for its counties while the first block is checked
    upload, _ = _checked(
        gateway, aws, monkeypatch, (city, CITY), lines, lambda: relays(gateway, False)
    )

    assert _asked_now(gateway, city, relayed["credit_code"])["found"] is False
    assert _last_line(aws, upload)["found"] is False


def test_a_bulk_check_shows_numbers_by_the_agreements_of_now(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    daye = gateway.register_platform(DAYE)
    hunan = gateway.register_platform(HUNAN)
    agreement = signed_agreement(gateway)  # 湖南 recognises 湖北's serious black lists
    person = daye_black_entry(credit_code=PERSON, subject_name="黄某某")
    assert gateway.push(daye, DAYE, [person]).json_body["accepted"] == 1

    def ending() -> None:
        ended = end_agreement(gateway, agreement["agreement_id"])
        assert ended.status_code == 200, ended.json_body

    upload, _ = _checked(
        gateway,
        aws,
        monkeypatch,
        (hunan, HUNAN),
        [*_companies(1000), {"credit_code": PERSON}],
        ending,
    )

    assert _asked_now(gateway, hunan, PERSON)["credit_code"] != PERSON  # masked once it ended
    assert _last_line(aws, upload)["credit_code"] != PERSON


def test_a_bulk_check_stops_once_its_key_is_revoked(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hunan = gateway.register_platform(HUNAN)

    upload, blocks = _checked(
        gateway, aws, monkeypatch, (hunan, HUNAN), _companies(2501), _revoking(gateway, hunan)
    )

    assert blocks == 1, f"{blocks - 1} more block(s) checked after the key was revoked"
    assert upload.status.value == "refused", upload.status
    assert upload.report_key is None  # no report signed naming a key revoked before it was issued


def test_a_key_revoked_while_the_last_block_is_read_signs_no_report(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rules are asked again once every block is read: a file of one block, its key revoked
    while it was checked, was reported on, signed, naming the revoked key (review 314)."""
    hunan = gateway.register_platform(HUNAN)

    upload, blocks = _checked(
        gateway, aws, monkeypatch, (hunan, HUNAN), _companies(10), _revoking(gateway, hunan)
    )

    assert blocks == 1
    assert upload.status.value == "refused", upload.status
    assert (upload.report_key, upload.result_key) == (None, None)
