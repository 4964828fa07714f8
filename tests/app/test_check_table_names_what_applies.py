"""``gateway check``'s table names only what applies to each subject, as the signed summary and
the PDF count it (review 311): a red listing whose incentives are held back, a black listing its
owner revoked and a listing the asking region does not recognise read "black+red" or "black"
while the signed summary said neither applied."""

from __future__ import annotations

import json

from app_support import CREDIT_CODE, DAYE, Gateway, daye_black_entry
from lifecycle_support import push_with_removals, removal_of
from test_query_as_region import red_entry

from gateway_client.cli.checks import _table


def _row(table: str) -> str:
    [row] = [line for line in table.splitlines() if CREDIT_CODE in line]
    return row


def test_the_table_names_only_what_applies(gateway: Gateway) -> None:
    daye = gateway.register_platform(DAYE)
    black = daye_black_entry()
    assert gateway.push(daye, DAYE, [black, red_entry()]).json_body["accepted"] == 2
    body = json.dumps({"codes": [CREDIT_CODE], "purpose": "supervision"}).encode()

    held_back = gateway.post_signed("/v1/checks", daye, None, body).json_body
    assert (held_back["summary"]["black"], held_back["summary"]["red"]) == (1, 0)
    row = _row(_table(held_back))
    assert "red" not in row, row  # the incentives are held back: no red listing applies


def test_the_table_does_not_call_a_revoked_listing_black(gateway: Gateway) -> None:
    daye = gateway.register_platform(DAYE)
    black = daye_black_entry()
    assert gateway.push(daye, DAYE, [black]).json_body["accepted"] == 1
    removed = push_with_removals(gateway, daye, DAYE, [removal_of(black, "revoked")])
    assert removed.status_code == 200, removed.json_body
    body = json.dumps({"codes": [CREDIT_CODE], "purpose": "supervision"}).encode()

    answer = gateway.post_signed("/v1/checks", daye, None, body).json_body
    assert answer["summary"]["black"] == 0
    assert answer["results"][0]["found"] is True  # its owner is shown the ended listing
    row = _row(_table(answer))
    assert "black" not in row, row


def test_the_table_does_not_call_black_what_the_region_does_not_recognise(gateway: Gateway) -> None:
    from app_support import GUANGDONG

    daye = gateway.register_platform(DAYE)
    guangdong = gateway.register_platform(GUANGDONG)  # no agreement: nothing of 大冶 applies
    assert gateway.push(daye, DAYE, [daye_black_entry()]).json_body["accepted"] == 1
    body = json.dumps({"codes": [CREDIT_CODE], "purpose": "supervision"}).encode()

    answer = gateway.post_signed("/v1/checks", guangdong, None, body).json_body
    assert answer["summary"]["black"] == 0
    assert answer["results"][0]["subject"]["listings"][0]["recognised"] is False
    row = _row(_table(answer))
    assert "black" not in row, row
