"""The evidence window of a person's ended listing counts from the step that ended it, however
late a later step on it comes (an objection decided, a notice acknowledged): counted from such a
step, a correction pushed after the end, or content stamped minutes ahead, kept the person up
to a year past retention and the window (review 222)."""

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


def test_a_step_long_after_a_correction_does_not_keep_the_person_past_its_archive(gateway, life):
    """Retention long over (conduct ended 2019). Removed on day 0; a correction pushed to the
    ended listing on day 200 (its raw copy lives until about day 569); the open objection is
    decided on day 500. Nothing archived of the person is left after day ~569, so the tick of
    day 600 must purge: the window is counted from the decision instead (kept to ~day 869)."""
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

    later = china_noon(china_today() + timedelta(days=200))
    bootstrap.override_clock(FixedClock(later))
    corrected = {**person, "subject_name": "李某", "source_updated_at": later.isoformat()}
    batch_id = new_batch_id()
    raw = push_body(CITY, batch_id, [corrected], issued_at=later)
    response = gateway.post_signed("/v1/pushes", city, batch_id, raw, now=later)
    assert response.status_code == 200, response.json_body
    assert response.json_body["accepted"] == 1, json.dumps(response.json_body, ensure_ascii=False)[
        :1500
    ]

    decided_at = later + timedelta(days=300)
    bootstrap.override_clock(FixedClock(decided_at))
    body = {"outcome": "upheld", "note": "经核查", "source_updated_at": decided_at.isoformat()}
    path = listing_path(PERSON_CODE, lid) + "/objections/o-1/decision"
    raw = json.dumps(body, ensure_ascii=False).encode()
    decided = gateway.post_signed(path, city, f"m-{new_batch_id()}", raw, now=decided_at)
    bootstrap.override_clock(None)
    assert decided.status_code == 200, decided.json_body

    tick = life.tick(china_noon(china_today() + timedelta(days=600)))
    assert tick.status_code == 200, tick.json_body
    assert tick.json_body["purged"] == 1, "kept a year past its last archived push"


def test_a_push_stamped_minutes_ahead_does_not_let_a_late_step_keep_the_person(gateway, life):
    """A platform whose clock runs four minutes ahead (inside the 5-minute tolerance) pushes a
    person's listing and removes it at once: its content is stamped after the end. The open
    objection is decided on day 30; nothing was pushed after the removal, so the last archived
    copy is gone by day 369 + lag: the tick of day 380 must purge (review 181's rule: a step
    after the end adds no archive)."""
    city = gateway.register_platform(CITY)
    person = black_entry(
        credit_code=PERSON_CODE,
        subject_name="李某某",
        conduct_ended_on="2019-01-01",
        source_updated_at=stamp(240),
    )
    lid = pushed(gateway, city, CITY, person)
    filed = life.post(
        listing_path(PERSON_CODE, lid) + "/objections",
        {"objection_id": "o-1", "reason": "核查", "on_behalf": "own_verification"},
        city,
    )
    assert filed.status_code in (200, 201), filed.json_body
    removal = removal_of(person, "revoked", source_updated_at=stamp(270))
    ended = push_with_removals(gateway, city, CITY, [removal])
    assert ended.json_body["removed"] == 1, ended.json_body

    decided_at = china_noon(china_today() + timedelta(days=30))
    bootstrap.override_clock(FixedClock(decided_at))
    body = {"outcome": "upheld", "note": "经核查", "source_updated_at": decided_at.isoformat()}
    path = listing_path(PERSON_CODE, lid) + "/objections/o-1/decision"
    raw = json.dumps(body, ensure_ascii=False).encode()
    decided = gateway.post_signed(path, city, f"m-{new_batch_id()}", raw, now=decided_at)
    bootstrap.override_clock(None)
    assert decided.status_code == 200, decided.json_body

    tick = life.tick(china_noon(china_today() + timedelta(days=380)))
    assert tick.status_code == 200, tick.json_body
    assert tick.json_body["purged"] == 1, "kept past the window by a step after the end"
