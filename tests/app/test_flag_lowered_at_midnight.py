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


def _flagged(gateway, aws, receiver, stream, **terms) -> str:  # type: ignore[no-untyped-def]
    """湖南 subscribed, an agreement on ``terms`` (its id), and the subject flagged there over
    two domains, the tax one's period ending tomorrow."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    made = create_agreement(gateway, agreement_terms(**terms))
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    recent = (china_today() - timedelta(days=1)).isoformat()
    pushed(gateway, daye, DAYE, daye_black_entry(decided_on=recent, valid_from=recent))
    tax = daye_black_entry(
        domain="major_tax_violation",
        deciding_authority="国家税务总局大冶市税务局",
        decision_number="大税稽罚〔2024〕9号",
        decided_on=recent,
        valid_from=recent,
        valid_until=(china_today() + timedelta(days=1)).isoformat(),
    )
    pushed(gateway, daye, DAYE, tax)
    gateway_app.fan_out_changes(stream.event(), None)
    assert _flags(aws) == [True]  # 湖南 told: two domains recognised
    return str(made.json_body["agreement"]["agreement_id"])


def _ticked_and_fanned_out(gateway, aws, stream, at) -> list[bool]:  # type: ignore[no-untyped-def]
    """The tick at ``at`` (the expiry) and its own fan-out: the flags it told."""
    bootstrap.override_clock(FixedClock(at))
    assert Lifecycle(gateway).tick(at).status_code == 200
    gateway_app.fan_out_changes(stream.event(), None)
    return _flags(aws)


def _not_intensified(gateway) -> bool:  # type: ignore[no-untyped-def]
    view = gateway.client.http.get(
        f"/v1/subjects/{CREDIT_CODE}?as={HUNAN}", headers=gateway.operator()
    ).json_body
    return view["intensified"] is False


def test_the_flag_lowered_is_told_when_an_agreement_ends_the_day_a_listing_does(
    gateway, aws, receiver, stream
):
    agreement_id = _flagged(gateway, aws, receiver, stream)
    midnight = datetime.combine(china_today() + timedelta(days=1), time(), CHINA)
    bootstrap.override_clock(FixedClock(midnight + timedelta(minutes=10)))  # before the tick
    ended = end_agreement(gateway, agreement_id)
    assert ended.status_code in (200, 204), ended.json_body
    reevaluate(aws)
    told = _flags(aws)
    told += _ticked_and_fanned_out(gateway, aws, stream, midnight + timedelta(minutes=60))

    assert _not_intensified(gateway)  # the gateway's own answer
    assert False in told, f"湖南's last word on the flag stays raised: told {told}"


def test_the_same_end_a_day_earlier_is_told(gateway, aws, receiver, stream):
    agreement_id = _flagged(gateway, aws, receiver, stream)
    assert end_agreement(gateway, agreement_id).status_code in (200, 204)
    reevaluate(aws)
    assert _flags(aws) == [False]


def test_the_flag_lowered_is_told_when_an_agreement_runs_out_the_day_a_listing_does(
    gateway, aws, receiver, stream
):
    """The agreement was signed to end (``effective_until``) the very day the tax listing's
    period ends; the tick's date job runs before the tick expires anything."""
    from chalicelib.reevaluations import isolated_tick

    ends = china_today() + timedelta(days=1)
    _flagged(gateway, aws, receiver, stream, effective_until=ends.isoformat())
    at = datetime.combine(ends, time(), CHINA) + timedelta(minutes=5)
    bootstrap.override_clock(FixedClock(at))
    started, failed = isolated_tick(bootstrap.container(), at)  # the date jobs, first
    assert failed is None
    assert started["reevaluations_started"] == 1
    reevaluate(aws)
    told = _flags(aws)
    told += _ticked_and_fanned_out(gateway, aws, stream, at + timedelta(minutes=55))

    assert _not_intensified(gateway)
    assert False in told, f"湖南's last word on the flag stays raised: told {told}"
