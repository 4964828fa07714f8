"""An organisation's commitment naming a responsible person, settled more than the retention
ago but not purged yet (its last push's evidence window), takes no update that leaves the
person out (review 299): judged by the entry alone it was stored and sent as taken in anew, and
its acceptance restarted the evidence window — the person named by the held versions (log,
history) kept a year more, again at every such push."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app_support import CITY, HUNAN, new_batch_id, push_body
from lifecycle_support import Lifecycle
from test_commitment_routes import TODAY, commitment

from chalicelib import bootstrap
from gateway_client.contract.clock import FixedClock

PERSON = {"name": "王某", "role": "legal_representative", "id_number": "420281199503150210"}


def entry(sequence: int, at: datetime, persons: bool) -> dict:
    on = (TODAY - timedelta(days=365 * 5 - 20)).isoformat()
    made = {
        **commitment(sequence, kind="voluntary", deadline=None, outcome="kept", outcome_on=on),
        "decided_on": on,
        "valid_from": on,
        "source_updated_at": at.isoformat(),
    }
    made["commitment"].pop("deadline")
    if persons:
        made["responsible_persons"] = [PERSON]
    return made


def pushed_at(gateway, city, at: datetime, item: dict) -> dict:
    bootstrap.override_clock(FixedClock(at))
    try:
        batch_id = new_batch_id()
        raw = push_body(CITY, batch_id, [item], issued_at=at)
        reply = gateway.post_signed("/v1/pushes", city, batch_id, raw, now=at)
    finally:
        bootstrap.override_clock(None)
    assert reply.status_code == 200, reply.json_body
    return reply.json_body


def test_leaving_the_person_out_does_not_take_a_commitment_past_retention_in_anew(gateway):
    gateway.put_region(HUNAN, name="湖南省")
    city = gateway.register_platform(CITY)
    now = datetime.now(UTC)
    first = pushed_at(gateway, city, now, entry(1, now, persons=True))
    assert (first["accepted"], first["errors"]) == (1, []), first

    later = now + timedelta(days=40)  # its five years are over; its evidence window is not
    again = pushed_at(gateway, city, later, entry(2, later, persons=False))

    assert again["accepted"] == 0, again
    assert [(e["field"], e["code"]) for e in again["errors"]] == [
        ("commitment.outcome_on", "period_ended")
    ]


def test_an_update_past_retention_does_not_hold_the_persons_purge(gateway):
    gateway.put_region(HUNAN, name="湖南省")
    city = gateway.register_platform(CITY)
    now = datetime.now(UTC)
    pushed_at(gateway, city, now, entry(1, now, persons=True))
    later = now + timedelta(days=40)
    pushed_at(gateway, city, later, entry(2, later, persons=False))

    # a year and a week after the push that named the person: its archive is gone, and the
    # retention ended long since: the person goes now, not a year after the update
    tick = Lifecycle(gateway).tick(now + timedelta(days=372))
    assert tick.status_code == 200, tick.json_body
    assert tick.json_body["purged"] == 1, tick.json_body
