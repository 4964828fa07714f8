"""The evidence window of a removed person's listing. An entry pushed to it (a correction: its
content is stored, its status kept) is an archived push carrying the person's data: the purge
waits for its window, not only the removal's before it (review 183). A step on the ended
listing (an objection decided) archives nothing: the window still counts from the step that
ended it, however late the step — counted from it, a correction, or content stamped minutes
ahead, kept the person a year past it (review 222)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, black_entry, new_batch_id, push_body
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
    stamp,
)

from chalicelib import bootstrap
from gateway.lifecycle import RETENTION_YEARS
from gateway_client.contract.clock import FixedClock
from gateway_client.contract.signing import Ed25519Signer


@pytest.fixture
def life(gateway) -> Iterator[Lifecycle]:  # type: ignore[no-untyped-def]
    yield Lifecycle(gateway)
    bootstrap.override_clock(None)


def person(stamped: int) -> dict[str, Any]:
    """A person's black listing whose conduct ended long ago: retention is over 250 days on,
    after the correction of day 200 (none is taken in past it) and before every purge asked."""
    ended = add_months(china_today(), -12 * RETENTION_YEARS) + timedelta(days=250)
    return black_entry(
        credit_code=PERSON_CODE,
        subject_name="李某某",
        conduct_ended_on=ended.isoformat(),
        source_updated_at=stamp(stamped),
    )


def objected_and_removed(
    gateway: Any, life: Lifecycle, city: Ed25519Signer, entry: dict[str, Any], **removal: Any
) -> str:
    """Pushed, objected to by its owner, then removed: its id."""
    listing_id = pushed(gateway, city, CITY, entry)
    filing = {"objection_id": "o-1", "reason": "核查", "on_behalf": "own_verification"}
    filed = life.post(listing_path(PERSON_CODE, listing_id) + "/objections", filing, city)
    assert filed.status_code == 201, filed.json_body
    ended = push_with_removals(gateway, city, CITY, [removal_of(entry, "revoked", **removal)])
    assert ended.json_body["removed"] == 1, ended.json_body
    return listing_id


def corrected_at(gateway: Any, city: Ed25519Signer, entry: dict[str, Any], at: datetime) -> None:
    """A correction pushed to the ended listing at ``at``: stored, archived."""
    bootstrap.override_clock(FixedClock(at))
    corrected = {**entry, "subject_name": "李某", "source_updated_at": at.isoformat()}
    batch_id = new_batch_id()
    raw = push_body(CITY, batch_id, [corrected], issued_at=at)
    response = gateway.post_signed("/v1/pushes", city, batch_id, raw, now=at)
    bootstrap.override_clock(None)
    assert response.status_code == 200, response.json_body
    assert response.json_body["accepted"] == 1, response.json_body  # stored: archived with it


def decided_at(gateway: Any, city: Ed25519Signer, listing_id: str, at: datetime) -> None:
    """The owner's objection decided at ``at``, on the ended listing: a step, no archive."""
    bootstrap.override_clock(FixedClock(at))
    body = {"outcome": "upheld", "note": "经核查", "source_updated_at": at.isoformat()}
    path = listing_path(PERSON_CODE, listing_id) + "/objections/o-1/decision"
    raw = json.dumps(body, ensure_ascii=False).encode()
    decided = gateway.post_signed(path, city, f"m-{new_batch_id()}", raw, now=at)
    bootstrap.override_clock(None)
    assert decided.status_code == 200, decided.json_body


def purged_on(life: Lifecycle, days: int) -> int:
    tick = life.tick(china_noon(china_today() + timedelta(days=days)))
    assert tick.status_code == 200, tick.json_body
    return int(tick.json_body["purged"])


def test_a_correction_pushed_after_the_removal_holds_the_purge_for_its_archive(gateway, life):
    city = gateway.register_platform(CITY)
    entry = person(-3600)
    pushed(gateway, city, CITY, entry)
    ended = push_with_removals(gateway, city, CITY, [removal_of(entry, "revoked")])
    assert ended.json_body["removed"] == 1, ended.json_body

    corrected_at(gateway, city, entry, china_noon(china_today() + timedelta(days=200)))

    # a year and a day after the removal: the correction's archived body (pushed 200 days
    # after it) is still kept for 165 more days, so the listing must not be purged yet
    assert purged_on(life, 366) == 0
    # its window, and the days S3 takes to remove the last copy (ARCHIVE_LAG_DAYS)
    assert purged_on(life, 570) == 1


def test_a_step_long_after_a_correction_does_not_keep_the_person_past_its_archive(gateway, life):
    """Removed on day 0; a correction pushed on day 200 (its raw copy gone by about day 573);
    the objection decided on day 500: the tick of day 600 purges."""
    city = gateway.register_platform(CITY)
    entry = person(-3600)
    listing_id = objected_and_removed(gateway, life, city, entry)
    later = china_noon(china_today() + timedelta(days=200))
    corrected_at(gateway, city, entry, later)

    decided_at(gateway, city, listing_id, later + timedelta(days=300))

    assert purged_on(life, 600) == 1, "kept a year past its last archived push"


def test_a_push_stamped_minutes_ahead_does_not_let_a_late_step_keep_the_person(gateway, life):
    """A platform whose clock runs four minutes ahead (inside the tolerance) pushes a person's
    listing and removes it at once, its content stamped after the end; the objection decided
    on day 30: the tick of day 380 purges."""
    city = gateway.register_platform(CITY)
    entry = person(240)
    listing_id = objected_and_removed(gateway, life, city, entry, source_updated_at=stamp(270))

    decided_at(gateway, city, listing_id, china_noon(china_today() + timedelta(days=30)))

    assert purged_on(life, 380) == 1, "kept past the window by a step after the end"
