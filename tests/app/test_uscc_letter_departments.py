"""Review 343: GB 32100 lets the registration department (登记管理部门码, a code's first
character) be a capital letter: ``Y`` 其他 in the standard's own table, ``N`` 农业农村
(农村集体经济组织: ``N1…``, ``N2…``, ``N3…``), ``A`` 中央军委改革和编制办公室; the check character
is computed over the 31-character alphabet at every position. stdnum's ``uscc.validate``
insists on eight digits first, so a code right by the standard was refused
``invalid_credit_code``: the subject could be neither listed nor checked."""

from __future__ import annotations

import json

import pytest
from app_support import CITY, HUNAN, Gateway, black_entry

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _gb32100(body: str) -> str:
    """The code with its GB 32100 check character (31 − Σ value×weight mod 31)."""
    total = sum(_ALPHABET.index(c) * w for c, w in zip(body, _WEIGHTS, strict=True))
    return body + _ALPHABET[(31 - total % 31) % 31]


@pytest.mark.parametrize(
    "body",
    [
        "Y1110000MA0000001",  # 登记管理部门 Y 其他 (GB 32100-2015 表1)
        "N2110105MF0000001",  # 农业农村部门: a village collective economic organisation
    ],
)
def test_a_code_right_by_gb_32100_with_a_letter_first_is_checked(
    gateway: Gateway, body: str
) -> None:
    code = _gb32100(body)
    hunan = gateway.register_platform(HUNAN)
    payload = json.dumps({"codes": [code], "purpose": "supervision"}).encode()

    reply = gateway.post_signed("/v1/checks", hunan, None, payload)

    assert reply.status_code == 200, reply.json_body
    [result] = reply.json_body["results"]
    assert result["error"] is None, result["error"]
    assert result["credit_code"] == code


def test_a_code_with_a_letter_first_is_listed_and_one_with_a_wrong_check_is_not(
    gateway: Gateway,
) -> None:
    city = gateway.register_platform(CITY)
    code = _gb32100("N2110105MF0000001")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")

    reply = gateway.push(
        city, CITY, [black_entry(credit_code=code), black_entry(credit_code=wrong)]
    )

    assert reply.json_body["accepted"] == 1, reply.json_body
    [error] = reply.json_body["errors"]
    assert (error["index"], error["code"]) == (1, "invalid_check_character"), error
