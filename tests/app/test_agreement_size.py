"""A region's agreements are held to what a re-evaluation job (one DynamoDB item, which
carries them all before and after) and a delivery (one SQS message) can carry: a revision
taking them past ``REGION_AGREEMENTS_BYTES`` is a 400 that stores nothing, an end is never
refused, and a day whose date job cannot be stored (agreements stored before the limit) stops
no lifecycle work of the tick (review 159: each was a 500, the tick's every day)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from app_support import (
    HUBEI,
    HUNAN,
    agreement_terms,
    create_agreement,
    end_agreement,
    error_code,
    revise_agreement,
    signed_agreement,
)
from lifecycle_support import QINGCHENG, Lifecycle, pushed, qingcheng_entry

from chalicelib.bootstrap import container
from gateway.delivery import agreement_desk
from gateway_client.contract import china_date
from gateway_client.contract.clock import CHINA


@pytest.fixture(autouse=True)
def regions(gateway):  # type: ignore[no-untyped-def]
    gateway.put_region(HUBEI, name="湖北省")
    gateway.put_region(HUNAN, name="湖南省")


def measures(count: int, text: int = 200, department: int = 30, basis: int = 100) -> list[Any]:
    """Measures written out in the agreement (its own), each within the schema's lengths."""
    return [
        {
            "measure_id": f"agreed_{i:03d}",
            "text": "限" * text,
            "department": "部" * department,
            "mandatory": False,
            "kinds": ["black"],
            "legal_basis": "法" * basis,
        }
        for i in range(count)
    ]


def stored() -> list[Any]:
    return container().agreements.all()


def test_an_agreement_larger_than_a_region_may_hold_is_refused_and_nothing_is_stored(gateway):  # type: ignore[no-untyped-def]
    refused = create_agreement(
        gateway, agreement_terms(measures=measures(100, text=500, department=200, basis=300))
    )

    assert (refused.status_code, error_code(refused)) == (400, "agreements_too_large")
    assert refused.json_body["error"]["path"] == "measures"
    assert stored() == []
    assert container().reevaluations.unfinished() == []


def test_a_region_signs_up_to_its_limit_and_may_still_end_revise_and_replace(gateway):  # type: ignore[no-untyped-def]
    """Twenty-five measures written out in full are about 27 KB: five such agreements fit."""
    replies = [
        create_agreement(gateway, agreement_terms(title=f"备忘录{n}", measures=measures(25)))
        for n in range(7)
    ]
    codes = [r.status_code for r in replies]
    signed = [r.json_body["agreement"]["agreement_id"] for r in replies if r.status_code == 201]
    assert codes[: len(signed)] == [201] * len(signed), codes
    assert len(signed) >= 5, codes
    assert set(codes[len(signed) :]) == {400}, codes
    assert len(stored()) == len(signed)

    same = revise_agreement(
        gateway, signed[0], agreement_terms(title="备忘录0 修订", measures=measures(25))
    )
    ended = end_agreement(gateway, signed[1])
    early = create_agreement(gateway, agreement_terms(title="新备忘录", measures=measures(25)))
    reopened = revise_agreement(
        gateway, signed[1], agreement_terms(title="备忘录1", measures=measures(25))
    )

    assert same.status_code == 200, same.json_body  # grows nothing: never refused
    assert ended.status_code == 200, ended.json_body
    # the end's own job told it; every later job of the region starts from the day of that
    # revision (review 167 F1), so none carries its measures: the room is free at once…
    assert early.status_code == 201, early.json_body
    # …and putting it back in force counts them again (review 163)
    assert (reopened.status_code, error_code(reopened)) == (400, "agreements_too_large")


def test_an_ended_agreement_counts_without_its_measures_once_its_end_is_told(gateway):  # type: ignore[no-untyped-def]
    """The day after its end, the agreement is out of effect on both sides of every job: a
    new one takes its room, and putting the old one back in force counts its measures again
    (review 163: it was "growing nothing", and its job passed DynamoDB's item limit)."""
    signed = [
        create_agreement(gateway, agreement_terms(title=f"备忘录{n}", measures=measures(25)))
        for n in range(5)
    ]
    assert [r.status_code for r in signed] == [201] * 5
    first = signed[0].json_body["agreement"]["agreement_id"]
    assert end_agreement(gateway, first).status_code == 200
    tomorrow = china_date(datetime.now(UTC)) + timedelta(days=1)
    assert Lifecycle(gateway).tick(datetime.combine(tomorrow, time(2), CHINA)).status_code == 200

    with time_machine.travel(datetime.combine(tomorrow, time(3), CHINA), tick=True):
        replaced = create_agreement(gateway, agreement_terms(title="新", measures=measures(25)))
        reopened = revise_agreement(gateway, first, agreement_terms(measures=measures(25)))

    assert replaced.status_code == 201, replaced.json_body
    assert (reopened.status_code, error_code(reopened)) == (400, "agreements_too_large")


def test_a_day_whose_date_job_cannot_be_stored_stops_no_lifecycle_work(  # type: ignore[no-untyped-def]
    gateway, monkeypatch
):
    """A region holding agreements stored before the limit: the tick on the day one ends
    still expires what is due and publishes its checkpoint, stores the other regions' date
    jobs, and then fails (the day is tried again by the next tick)."""
    tomorrow = china_date(datetime.now(UTC)) + timedelta(days=1)
    monkeypatch.setattr(agreement_desk, "REGION_AGREEMENTS_BYTES", 10**9)  # stored before it
    big = measures(100, text=500, department=200, basis=300)
    signed_agreement(gateway, measures=big, effective_until=tomorrow.isoformat())
    monkeypatch.undo()
    gateway.put_region("440000", name="广东省")
    signed_agreement(
        gateway,
        title="粤湘互认",
        subscriber_region="440000",
        effective_until=tomorrow.isoformat(),
    )
    owner = gateway.register_platform(QINGCHENG)
    expiring = qingcheng_entry(valid_until=tomorrow.isoformat())
    listing_id = pushed(gateway, owner, QINGCHENG, expiring)
    life = Lifecycle(gateway)
    assert life.tick().status_code == 200

    failed = life.tick(datetime.combine(tomorrow, time(2), CHINA))

    assert failed.status_code == 500
    assert life.status(expiring["credit_code"], listing_id) == "expired"
    jobs = container().reevaluations
    assert jobs.get(f"440000#{tomorrow.isoformat()}") is not None
    assert jobs.get(f"{HUNAN}#{tomorrow.isoformat()}") is None
    # its region goes on from its last stored day; the others' day is done (review 163)
    assert jobs.held_back() == {HUNAN: tomorrow - timedelta(days=1)}
    assert jobs.dated_through() == tomorrow
    after = tomorrow + timedelta(days=1)
    assert life.tick(datetime.combine(after, time(2), CHINA)).status_code == 500
    assert jobs.get(f"440000#{after.isoformat()}") is None  # its end is told once, not daily
    assert jobs.held_back() == {HUNAN: tomorrow - timedelta(days=1)}


def test_reopening_a_large_ended_agreement_is_never_a_500(gateway):  # type: ignore[no-untyped-def]
    """Review 167: the revision putting it back in force carried the previous revision whole
    in its job, though it counted without its measures: a job over 400 KB, a 500."""
    big = create_agreement(gateway, agreement_terms(title="大", measures=measures(100, text=330)))
    assert big.status_code == 201, big.json_body
    big_id = big.json_body["agreement"]["agreement_id"]
    assert end_agreement(gateway, big_id).status_code == 200
    tomorrow = china_date(datetime.now(UTC)) + timedelta(days=1)
    assert Lifecycle(gateway).tick(datetime.combine(tomorrow, time(2), CHINA)).status_code == 200

    with time_machine.travel(datetime.combine(tomorrow, time(3), CHINA), tick=True):
        others = [
            create_agreement(gateway, agreement_terms(title=f"备忘录{n}", measures=measures(25)))
            for n in range(5)
        ]
        assert [r.status_code for r in others] == [201] * 5, [r.json_body for r in others]
        reopened = revise_agreement(gateway, big_id, agreement_terms(title="大 续签"))

    assert reopened.status_code in (200, 400), (reopened.status_code, reopened.json_body)
    if reopened.status_code == 200:
        assert container().reevaluations.get(f"{big_id}@3") is not None
