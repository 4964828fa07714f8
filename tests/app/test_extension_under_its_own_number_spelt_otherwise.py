"""README: "a longer period needs its own decision: an extension under another decision number
than the one held and the listing's own (the same number restated with more years, or spelt
otherwise, is the same decision)". Spelt otherwise includes a space inside and another kind of
bracket (review 370: the listing's own number with a space inside extended a court
defaulter's listing to five years on its one decision)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from app_support import CITY, Gateway
from lifecycle_support import recent_entry, stamp

from gateway_client.contract import months_after


def _extended(entry: dict[str, Any], number: str) -> dict[str, Any]:
    start = date.fromisoformat(entry["valid_from"])
    return {
        **entry,
        "extension": {"decision_number": number, "decided_on": entry["decided_on"], "years": 3},
        "valid_until": (months_after(start, 60) - timedelta(days=1)).isoformat(),
    }


@pytest.mark.parametrize(
    "spelt",
    [
        "(2024)黑09执 123号",
        "(2024)黑09执\u3000123号",
        "〔2024〕黑09执123号",
        "〘2024〙黑09执123号",
        "｟2024｠黑09执123号",
    ],
)
def test_the_listings_own_number_spelt_otherwise_is_no_extension(
    gateway: Gateway, spelt: str
) -> None:
    city = gateway.register_platform(CITY)
    entry = recent_entry(decision_number="(2024)黑09执123号")

    reply = gateway.push(city, CITY, [_extended(entry, spelt)]).json_body

    assert reply["accepted"] == 0, reply
    said = [(e["field"], e["code"]) for e in reply["errors"]]
    assert ("extension", "extension_not_decided_anew") in said, said


def test_a_later_version_adding_the_own_number_spaced_is_refused(gateway: Gateway) -> None:
    city = gateway.register_platform(CITY)
    entry = recent_entry(decision_number="(2024)黑09执123号", source_updated_at=stamp(-600))
    assert gateway.push(city, CITY, [entry]).json_body["accepted"] == 1
    later = {**_extended(entry, "(2024) 黑09执123号"), "source_updated_at": stamp(-60)}

    reply = gateway.push(city, CITY, [later]).json_body

    assert reply["accepted"] == 0, reply
