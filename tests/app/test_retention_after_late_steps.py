"""A step on an ended person's listing does not hold the person's data past retention.

The open objection keeps an ended person's listing past its five years (by design); once the
owner decides it, nothing is left to keep it for: the next tick purges. The decision is a
lifecycle step, not an archived push: the evidence window counted from it kept a whole further
year of the person's data (review 181)"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from app_support import CITY, black_entry
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    add_months,
    china_noon,
    china_today,
    listing_path,
    push_with_removals,
    pushed,
    removal_of,
)

from chalicelib import bootstrap
from gateway_client.contract.clock import FixedClock


@pytest.fixture
def life(gateway) -> Iterator[Lifecycle]:  # type: ignore[no-untyped-def]
    yield Lifecycle(gateway)
    bootstrap.override_clock(None)


def test_a_person_s_listing_is_purged_once_its_late_objection_is_decided(gateway, life):
    city = gateway.register_platform(CITY)
    person = black_entry(credit_code=PERSON_CODE, subject_name="李某某")
    listing_id = pushed(gateway, city, CITY, person)
    assert life.file_objection(PERSON_CODE, listing_id, "obj-1").status_code == 201
    ended = push_with_removals(gateway, city, CITY, [removal_of(person, "expired")])
    assert ended.json_body["removed"] == 1
    five_years_on = china_noon(add_months(china_today(), 60) + timedelta(days=1))

    kept = life.tick(five_years_on)  # the open objection keeps it (by design)
    # the owner decides the objection after the retention ran out (the clock: that day)
    bootstrap.override_clock(FixedClock(five_years_on))
    body = json.dumps(
        {"outcome": "upheld", "note": "经核查", "source_updated_at": five_years_on.isoformat()}
    ).encode()
    path = listing_path(PERSON_CODE, listing_id) + "/objections/obj-1/decision"
    decided = gateway.post_signed(path, city, f"m-{uuid.uuid4().hex}", body, now=five_years_on)
    bootstrap.override_clock(None)
    purged = life.tick(five_years_on + timedelta(days=1))

    assert kept.json_body["purged"] == 0
    assert decided.status_code == 200, decided.json_body
    assert purged.json_body["purged"] == 1
