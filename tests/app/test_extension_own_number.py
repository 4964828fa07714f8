"""A court defaulter's period is two years, and a longer one needs a decision of its own
(``extension``, 法释〔2017〕7号 第二条): an extension under the listing's own decision number,
spelt otherwise or not, is refused in a first push too, as it is in a later version (review
361: the decision alone then listed the subject, and kept a person's data, three years more)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from app_support import CITY, Gateway
from lifecycle_support import recent_entry

from gateway_client.contract import months_after


def _entry(**overrides: Any) -> dict[str, Any]:
    return recent_entry(days_ago=30, **overrides)


def _own_number_extension(entry: dict[str, Any], number: str | None = None) -> dict[str, Any]:
    start = date.fromisoformat(entry["valid_from"])
    return {
        "extension": {
            "decision_number": number or entry["decision_number"],  # the listing's own
            "decided_on": entry["decided_on"],
            "years": 3,
        },
        "valid_until": (months_after(start, 60) - timedelta(days=1)).isoformat(),
    }


@pytest.mark.parametrize("spelt", ["same", "full-width", "no-end-given"])
def test_an_extension_under_the_listings_own_number_is_refused_in_a_first_push(
    gateway: Gateway, spelt: str
) -> None:
    """Without a ``valid_until`` the extension's years counted on top of the default."""
    city = gateway.register_platform(CITY)
    entry = _entry()
    number = entry["decision_number"]
    if spelt == "full-width":
        number = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in number)
    entry.update(_own_number_extension(entry, number))
    if spelt == "no-end-given":
        del entry["valid_until"]

    reply = gateway.push(city, CITY, [entry])

    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["accepted"] == 0, reply.json_body
    said = [(e["field"], e["code"]) for e in reply.json_body["errors"]]
    assert ("extension", "extension_not_decided_anew") in said, said


def test_an_extension_under_a_decision_of_its_own_is_taken(gateway: Gateway) -> None:
    city = gateway.register_platform(CITY)
    entry = _entry()
    entry.update(_own_number_extension(entry, "(2026)黑09执恢1号"))

    assert gateway.push(city, CITY, [entry]).json_body["accepted"] == 1


def test_the_same_extension_added_by_a_later_version_is_refused(gateway: Gateway) -> None:
    """As a later version too (answered ``period_lengthened`` before review 361)."""
    city = gateway.register_platform(CITY)
    entry = _entry()
    assert gateway.push(city, CITY, [entry]).json_body["accepted"] == 1
    later = dict(entry, source_updated_at=_entry()["source_updated_at"])
    later.update(_own_number_extension(entry))
    later["source_sequence"] = 1

    reply = gateway.push(city, CITY, [later])

    assert reply.json_body["accepted"] == 0, reply.json_body
    said = [(e["field"], e["code"]) for e in reply.json_body["errors"]]
    assert ("extension", "extension_not_decided_anew") in said, said
