"""A listing is exchanged while it is in force. An entry whose period begins after today
(Beijing) would be in force, and punished, at once: refused per entry, ``future_date`` on
``valid_from``. One whose period ended before today (its ``valid_until``, or its domain's
default counted from ``valid_from``) would be delivered in force until the next tick: refused
per entry, ``period_ended``. Either way nothing is stored and nothing fanned out, and the good
entries beside it are."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, black_entry
from lifecycle_support import Lifecycle, china_today
from stdnum.cn import uscc


def other_code() -> str:
    body = "91230900MA1B2C3D4"
    return body + uscc.calc_check_digit(body)


def days(n: int) -> str:
    return (china_today() + timedelta(days=n)).isoformat()


@pytest.mark.parametrize(
    ("fields", "path", "code"),
    [
        pytest.param(
            {"decided_on": days(0), "valid_from": days(30)},
            "valid_from",
            "future_date",
            id="starts-later",
        ),
        pytest.param(
            {"decided_on": days(-400), "valid_from": days(-400), "valid_until": days(-30)},
            "valid_until",
            "period_ended",
            id="ended",
        ),
        pytest.param(
            {"decided_on": days(-400), "valid_from": days(-400), "valid_until": days(0)},
            "valid_until",
            "period_ended",
            id="ends-today",
        ),
        pytest.param(
            {"decided_on": "2020-01-06", "valid_from": "2020-01-06"},  # court defaulters: 2 years
            "valid_from",
            "period_ended",
            id="default-period-ended",
        ),
    ],
)
def test_an_entry_not_in_force_today_is_refused_and_the_rest_stored(
    gateway, stream, fields: dict[str, Any], path: str, code: str
) -> None:
    signer = gateway.register_platform(CITY)
    good = black_entry(credit_code=other_code())

    reply = gateway.push(signer, CITY, [black_entry(**fields), good])

    assert reply.status_code == 200, reply.json_body
    assert (reply.json_body["accepted"], reply.json_body["rejected"]) == (1, 1)
    [error] = reply.json_body["errors"]
    assert (error["index"], error["field"], error["code"]) == (0, path, code)
    records = stream.event()["Records"]
    assert [r["dynamodb"]["Keys"]["credit_code"]["S"] for r in records] == [other_code()]
    assert Lifecycle(gateway).lookup(CREDIT_CODE).status_code == 404  # nothing held


def test_an_entry_in_force_from_today_until_tomorrow_is_stored(gateway) -> None:
    signer = gateway.register_platform(CITY)
    entry = black_entry(decided_on=days(0), valid_from=days(0), valid_until=days(1))

    assert gateway.push(signer, CITY, [entry]).json_body["accepted"] == 1
