"""An entry pushed to a removed person's listing (a correction: its content is stored, its
status kept) is an archived push carrying the person's data: the purge waits for its evidence
window, not only the removal's before it (review 183)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from app_support import CITY, black_entry, new_batch_id, push_body
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    china_noon,
    china_today,
    push_with_removals,
    pushed,
    removal_of,
    stamp,
)

from chalicelib import bootstrap
from gateway_client.contract.clock import FixedClock


@pytest.fixture
def life(gateway) -> Iterator[Lifecycle]:  # type: ignore[no-untyped-def]
    yield Lifecycle(gateway)
    bootstrap.override_clock(None)


def test_a_correction_pushed_after_the_removal_holds_the_purge_for_its_archive(gateway, life):
    city = gateway.register_platform(CITY)
    person = black_entry(
        credit_code=PERSON_CODE,
        subject_name="李某某",
        conduct_ended_on="2019-01-01",
        source_updated_at=stamp(-3600),
    )
    listing_id = pushed(gateway, city, CITY, person)
    ended = push_with_removals(gateway, city, CITY, [removal_of(person, "revoked")])
    assert ended.json_body["removed"] == 1, ended.json_body

    later = china_noon(china_today() + timedelta(days=200))
    bootstrap.override_clock(FixedClock(later))
    corrected = {**person, "subject_name": "李某", "source_updated_at": later.isoformat()}
    batch_id = new_batch_id()
    raw = push_body(CITY, batch_id, [corrected], issued_at=later)
    response = gateway.post_signed("/v1/pushes", city, batch_id, raw, now=later)
    bootstrap.override_clock(None)
    assert response.status_code == 200, response.json_body
    assert response.json_body["accepted"] == 1, response.json_body  # stored: archived with it

    # a year and a day after the removal: the correction's archived body (pushed 200 days
    # after it) is still kept for 165 more days, so the listing must not be purged yet
    tick = life.tick(china_noon(china_today() + timedelta(days=366)))
    assert tick.status_code == 200, tick.json_body
    assert tick.json_body["purged"] == 0
    # its window, and the days S3 takes to remove the last copy (ARCHIVE_LAG_DAYS)
    after_its_window = life.tick(china_noon(china_today() + timedelta(days=570)))
    assert after_its_window.json_body["purged"] == 1, listing_id
