"""A listing involving an individual that stopped applying and whose retention is over (seed
002 §六(七): five years from the end of the dishonest conduct, then erased) takes in no new
version from its owner: a changed entry was stored, sent to every subscriber again, and its
acceptance restarted the evidence window the purge waits for — a year more with each push
(review 354). Commitments were refused so already (review 296)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from app_support import CITY, PROVINCE, black_entry, new_batch_id
from lifecycle_support import PERSON_CODE, Lifecycle, add_months, fan_out_and_deliver, removal_of

from chalicelib import bootstrap
from gateway_client.contract import FixedClock, china_date


def push_at(
    gateway: Any, signer: Any, at: datetime, entries: list[Any], removals: list[Any]
) -> Any:
    batch_id = new_batch_id()
    body = {
        "region": CITY,
        "batch_id": batch_id,
        "issued_at": at.isoformat(),
        "entries": entries,
        "removals": removals,
    }
    raw = json.dumps(body, ensure_ascii=False).encode()
    reply = gateway.post_signed("/v1/pushes", signer, batch_id, raw, at)
    assert reply.status_code == 200, reply.json_body
    return reply.json_body


def listed_and_ended(
    gateway: Any, city: Any, start: datetime, months_ago: int, **fields: Any
) -> dict[str, Any]:
    """A person's court defaulter listing pushed at ``start`` (decided 30 days before, its
    conduct ended ``months_ago`` months before: retention counts from it) and revoked by its
    owner at once: the entry pushed (``fields`` over its defaults)."""
    today = china_date(start)
    decided = (today - timedelta(days=30)).isoformat()
    defaults = {
        "credit_code": PERSON_CODE,
        "subject_name": "黄某某",
        "decision_number": "(2026)黑09执77号",
        "decided_on": decided,
        "valid_from": decided,
        "conduct_ended_on": add_months(today, -months_ago).isoformat(),
        "source_updated_at": (start - timedelta(hours=1)).isoformat(),
    }
    entry = black_entry(**{**defaults, **fields})
    listed = push_at(gateway, city, start, [entry], [])
    assert listed["accepted"] == 1, listed["errors"]
    stamped = (start - timedelta(minutes=30)).isoformat()
    ended = push_at(
        gateway, city, start, [], [removal_of(entry, "revoked", source_updated_at=stamped)]
    )
    assert ended["removed"] == 1, ended
    return entry


def ended_then_updated(
    gateway: Any, aws: Any, stream: Any, receiver: Any, conduct_months_ago: int
) -> tuple[dict[str, Any], int, dict[str, Any]]:
    """A person's black listing ended by its owner, a changed entry pushed 200 days later, and
    the tick a year and a week after the removal: (the push's answer, webhooks sent after the
    removal's, the tick's report)."""
    start = datetime.now(UTC)
    clock = FixedClock(start)
    bootstrap.override_clock(clock)
    try:
        gateway.put_region(PROVINCE)
        assert gateway.subscribe_as_operator(region=PROVINCE, url=receiver.url).status_code == 201
        city = gateway.register_platform(CITY)
        entry = listed_and_ended(gateway, city, start, conduct_months_ago)
        fan_out_and_deliver(aws, stream)
        before = len(receiver.requests)

        # 200 days on (retention long over; the purge waits only for the evidence window):
        clock.advance(timedelta(days=200))
        later = clock.now()
        update = {
            **entry,
            "reason": "有履行能力而拒不履行义务（更正）",
            "source_updated_at": (later - timedelta(minutes=1)).isoformat(),
        }
        taken = push_at(gateway, city, later, [update], [])
        fan_out_and_deliver(aws, stream)

        # a year and a week after the removal: the evidence of every push it was entitled to
        # is gone, so the purge is due
        clock.advance(timedelta(days=172))
        tick = Lifecycle(gateway).tick(clock.now()).json_body
    finally:
        bootstrap.override_clock(None)

    return taken, len(receiver.requests) - before, tick


def test_an_update_of_a_persons_listing_past_retention_is_not_taken_in(
    gateway: Any, aws: Any, stream: Any, receiver: Any
) -> None:
    """The conduct ended six years ago: retention is over, the purge waits only for the
    evidence window of the pushes it was entitled to."""
    taken, sent, tick = ended_then_updated(gateway, aws, stream, receiver, 72)

    assert (taken["accepted"], taken["rejected"]) == (0, 1), taken
    [error] = taken["errors"]
    assert (error["field"], error["code"]) == ("decision_number", "period_ended"), error
    assert sent == 0  # nothing sent again
    assert tick["purged"] == 1, tick  # and the purge not moved a year on


def test_an_update_within_retention_is_taken_in(
    gateway: Any, aws: Any, stream: Any, receiver: Any
) -> None:
    """Four years since the conduct ended: the owner may still correct its ended listing."""
    taken, sent, tick = ended_then_updated(gateway, aws, stream, receiver, 48)

    assert taken["accepted"] == 1, taken
    assert sent == 1
    assert tick["purged"] == 0, tick
