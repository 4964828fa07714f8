"""The first morning of an agreement, before that day's tick. A listing fanned out that morning
was told with the agreement in effect, and is compared with it so (reviews 271, 273): the
revision job compared the previous revision as it stood the day before (not in effect), so

* an agreement ended that morning told nothing: the listing stayed `recognised: true` — a
  person's ID number in full, measures to apply — with no agreement at all;
* the intensified flag the fan-out raised that morning was never lowered;
* a revision dropping a measure that morning told nothing (the before side had trimmed the
  measures of an agreement it held as out of effect)."""

from __future__ import annotations

from typing import Any

from app_support import DAYE, daye_black_entry, end_agreement, queued_messages, revise_agreement
from first_morning_support import FirstMorning, first_morning

import app as gateway_app


def _listed(world: FirstMorning, gateway: Any, aws: Any, stream: Any, *extra: Any) -> list[Any]:
    recent = world.today.isoformat()
    entries = [daye_black_entry(decided_on=recent, valid_from=recent), *extra]
    pushed = gateway.push(world.daye, DAYE, entries)
    assert pushed.json_body["accepted"] == len(entries), pushed.json_body
    gateway_app.fan_out_changes(stream.event(), None)
    return queued_messages(aws.sqs, world.queue_url)


def test_an_agreement_ended_on_its_first_morning_tells_what_its_fan_out_recognised(
    gateway, aws, stream, receiver
):
    world = first_morning(gateway, aws, receiver)
    with world.at_dawn():
        [listed] = _listed(world, gateway, aws, stream)
        assert listed.subscription_id == world.subscription_id
        assert listed.recognition.recognised  # told: recognised, in full, with measures

        told = world.told_after(gateway, aws, lambda: end_agreement(gateway, world.agreement_id))

    last = [
        d.recognition.recognised
        for d in told
        if d.change.listing.listing_id == listed.change.listing.listing_id
    ]
    assert last, told
    assert last[-1] is False


def test_flag_raised_on_first_morning_is_lowered_when_the_agreement_ends(
    gateway, aws, stream, receiver
):
    world = first_morning(gateway, aws, receiver)
    recent = world.today.isoformat()
    food = daye_black_entry(
        domain="food_drug",
        deciding_authority="大冶市市场监督管理局",
        decision_number="大市监罚〔2024〕1号",
        decided_on=recent,
        valid_from=recent,
    )
    with world.at_dawn():
        first = _listed(world, gateway, aws, stream, food)
        flags = [d.intensified.intensified for d in first if d.intensified is not None]
        assert flags == [True], [(d.type, d.intensified) for d in first]

        told = world.told_after(gateway, aws, lambda: end_agreement(gateway, world.agreement_id))

    assert [d.recognition.recognised for d in told if d.intensified is None] == [False, False]
    lowered = [d.intensified.intensified for d in told if d.intensified is not None]
    assert lowered == [False], "the flag raised that morning was never lowered"


def test_revision_on_first_day_dropping_a_measure_is_told(gateway, aws, stream, receiver):
    world = first_morning(gateway, aws, receiver)
    terms = world.terms
    with world.at_dawn():
        [listed] = _listed(world, gateway, aws, stream)
        told_ids = {m.measure_id for m in listed.recognition.measures}
        assert told_ids == {"restrict_franchise", "strict_licensing_review"}, told_ids

        narrowed = {**terms, "measures": [terms["measures"][0]]}
        told = world.told_after(
            gateway, aws, lambda: revise_agreement(gateway, world.agreement_id, narrowed)
        )

    mine = [d for d in told if d.change.listing.listing_id == listed.change.listing.listing_id]
    assert mine, "the listing told two measures was not told it now carries only one"
    assert {m.measure_id for m in mine[-1].recognition.measures} == {"restrict_franchise"}
