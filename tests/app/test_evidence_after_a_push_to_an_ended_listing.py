"""An entry pushed to a removed person's listing (a correction: its content is stored, its
status kept) is an archived push carrying the person's data: the purge waits for its evidence
window, not only the removal's before it (review 183)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from app_support import CITY, black_entry, new_batch_id, push_body
from lifecycle_support import (
    PERSON_CODE,
    Lifecycle,
    china_noon,
    china_today,
    listing_path,
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


def test_a_step_after_the_correction_does_not_advance_the_purge_past_its_archive(gateway, life):
    """The same correction, then the open objection decided on the ended listing a day after:
    the window counts from that decision, not from the removal (review 220)."""
    city = gateway.register_platform(CITY)
    person = black_entry(
        credit_code=PERSON_CODE,
        subject_name="李某某",
        conduct_ended_on="2019-01-01",
        source_updated_at=stamp(-3600),
    )
    lid = pushed(gateway, city, CITY, person)
    filed = life.post(
        listing_path(PERSON_CODE, lid) + "/objections",
        {"objection_id": "o-1", "reason": "核查", "on_behalf": "own_verification"},
        city,
    )
    assert filed.status_code in (200, 201), filed.json_body
    ended = push_with_removals(gateway, city, CITY, [removal_of(person, "revoked")])
    assert ended.json_body["removed"] == 1, ended.json_body

    # 200 days on: a correction (content stored, status kept) — archived with the person
    later = china_noon(china_today() + timedelta(days=200))
    bootstrap.override_clock(FixedClock(later))
    corrected = {**person, "subject_name": "李某", "source_updated_at": later.isoformat()}
    batch_id = new_batch_id()
    raw = push_body(CITY, batch_id, [corrected], issued_at=later)
    response = gateway.post_signed("/v1/pushes", city, batch_id, raw, now=later)
    assert response.status_code == 200, response.json_body
    assert response.json_body["accepted"] == 1, response.json_body
    # a day after: the objection (still open) decided on the ended listing
    decided_at = later + timedelta(days=1)
    bootstrap.override_clock(FixedClock(decided_at))
    body = {"outcome": "upheld", "note": "经核查", "source_updated_at": decided_at.isoformat()}
    path = listing_path(PERSON_CODE, lid) + "/objections/o-1/decision"
    raw = json.dumps(body, ensure_ascii=False).encode()
    decided = gateway.post_signed(path, city, f"m-{new_batch_id()}", raw, now=decided_at)
    bootstrap.override_clock(None)
    assert decided.status_code == 200, decided.json_body

    # a year and a day after the removal: the correction's raw push is kept 165 days more
    tick = life.tick(china_noon(china_today() + timedelta(days=366)))
    assert tick.status_code == 200, tick.json_body
    assert tick.json_body["purged"] == 0, "purged while the correction's archived push lives"
