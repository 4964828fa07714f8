"""A subject raised in a region over two domains, one of whose black listings ended at midnight
before the tick wrote it, and the region's agreement ending that day (the date job, or a
DELETE before the tick): the re-evaluation compares the flag on the listings as stored, as
fan-out told them, and tells the region the flag is down (review 297: judged as the tick will
have them, the ended listing counted on neither side — no flip — and the tick's expiry
fan-out, under agreements recognising nothing, saw none either: the region's last word stayed
`intensified: true`). The same end a day earlier is told too."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from app_support import (
    CREDIT_CODE,
    DAYE,
    HUNAN,
    agreement_terms,
    create_agreement,
    daye_black_entry,
    end_agreement,
    queued_messages,
    reevaluate,
)
from lifecycle_support import Lifecycle, china_today, pushed

import app as gateway_app
from chalicelib import bootstrap
from gateway_client.contract.clock import CHINA, FixedClock


@pytest.fixture(autouse=True)
def _clock_reset():
    yield
    bootstrap.override_clock(None)


def _flags(aws):
    return [
        d.intensified.intensified
        for d in queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
        if d.type == "subject.intensified" and d.change.listing.credit_code == CREDIT_CODE
    ]


def test_the_flag_lowered_is_told_when_an_agreement_ends_the_day_a_listing_does(
    gateway, aws, receiver, stream
):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    made = create_agreement(gateway, agreement_terms())
    assert made.status_code == 201, made.json_body
    agreement_id = made.json_body["agreement"]["agreement_id"]
    reevaluate(aws)
    recent = (china_today() - timedelta(days=1)).isoformat()
    ends = china_today() + timedelta(days=1)
    pushed(gateway, daye, DAYE, daye_black_entry(decided_on=recent, valid_from=recent))
    pushed(
        gateway,
        daye,
        DAYE,
        daye_black_entry(
            domain="major_tax_violation",
            deciding_authority="国家税务总局大冶市税务局",
            decision_number="大税稽罚〔2024〕9号",
            decided_on=recent,
            valid_from=recent,
            valid_until=ends.isoformat(),
        ),
    )
    gateway_app.fan_out_changes(stream.event(), None)
    assert _flags(aws) == [True]  # 湖南 told: two domains recognised

    midnight = datetime.combine(ends, time(), CHINA)
    bootstrap.override_clock(FixedClock(midnight + timedelta(minutes=10)))  # before the tick
    ended = end_agreement(gateway, agreement_id)
    assert ended.status_code in (200, 204), ended.json_body
    reevaluate(aws)
    told = _flags(aws)

    at = midnight + timedelta(minutes=60)
    bootstrap.override_clock(FixedClock(at))
    ticked = Lifecycle(gateway).tick(at)
    assert ticked.status_code == 200, ticked.json_body
    gateway_app.fan_out_changes(stream.event(), None)  # the expiry's own fan-out
    told += _flags(aws)
    view = gateway.client.http.get(
        f"/v1/subjects/{CREDIT_CODE}?as={HUNAN}", headers=gateway.operator()
    ).json_body
    assert view["intensified"] is False, view  # the gateway's own answer: not intensified

    assert False in told, f"湖南's last word on the flag stays raised: told {told}"


def test_the_same_end_a_day_earlier_is_told(gateway, aws, receiver, stream):
    """Control (passes): the agreement ended while both listings are in force is told."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    made = create_agreement(gateway, agreement_terms())
    agreement_id = made.json_body["agreement"]["agreement_id"]
    reevaluate(aws)
    recent = (china_today() - timedelta(days=1)).isoformat()
    pushed(gateway, daye, DAYE, daye_black_entry(decided_on=recent, valid_from=recent))
    pushed(
        gateway,
        daye,
        DAYE,
        daye_black_entry(
            domain="major_tax_violation",
            deciding_authority="国家税务总局大冶市税务局",
            decision_number="大税稽罚〔2024〕9号",
            decided_on=recent,
            valid_from=recent,
            valid_until=(china_today() + timedelta(days=1)).isoformat(),
        ),
    )
    gateway_app.fan_out_changes(stream.event(), None)
    assert _flags(aws) == [True]
    assert end_agreement(gateway, agreement_id).status_code in (200, 204)
    reevaluate(aws)
    assert _flags(aws) == [False]


def test_the_flag_lowered_is_told_when_an_agreement_runs_out_the_day_a_listing_does(
    gateway, aws, receiver, stream
):
    """The same with no one acting at midnight: the agreement was signed to run until the day
    the listing's period ends; the tick's date job runs before the tick expires anything."""
    from chalicelib.reevaluations import isolated_tick

    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    ends = china_today() + timedelta(days=1)
    made = create_agreement(gateway, agreement_terms(effective_until=ends.isoformat()))
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    recent = (china_today() - timedelta(days=1)).isoformat()
    pushed(gateway, daye, DAYE, daye_black_entry(decided_on=recent, valid_from=recent))
    pushed(
        gateway,
        daye,
        DAYE,
        daye_black_entry(
            domain="major_tax_violation",
            deciding_authority="国家税务总局大冶市税务局",
            decision_number="大税稽罚〔2024〕9号",
            decided_on=recent,
            valid_from=recent,
            valid_until=ends.isoformat(),
        ),
    )
    gateway_app.fan_out_changes(stream.event(), None)
    assert _flags(aws) == [True]

    at = datetime.combine(ends, time(), CHINA) + timedelta(minutes=5)
    bootstrap.override_clock(FixedClock(at))
    started, failed = isolated_tick(bootstrap.container(), at)  # the date jobs, first
    assert failed is None
    assert started["reevaluations_started"] == 1
    reevaluate(aws)
    told = _flags(aws)
    later = at + timedelta(minutes=55)
    bootstrap.override_clock(FixedClock(later))
    assert Lifecycle(gateway).tick(later).status_code == 200
    gateway_app.fan_out_changes(stream.event(), None)
    told += _flags(aws)
    view = gateway.client.http.get(
        f"/v1/subjects/{CREDIT_CODE}?as={HUNAN}", headers=gateway.operator()
    ).json_body
    assert view["intensified"] is False, view  # the gateway's own answer: not intensified

    assert False in told, f"湖南's last word on the flag stays raised: told {told}"
