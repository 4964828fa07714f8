"""Deliveries built when they are numbered equal the deliveries built when they were planned.

A fan-out plans ``Planned`` deliveries and builds each ``Delivery`` once, numbered, in
``stamped``; before, planning built every delivery and ``stamped`` copied it with its numbers.
Here both ways run on generated listings, subscriptions and agreements — the former one through
``direct_plan`` (planning as it was before the memos) and ``model_copy`` — and what a subscriber
receives must not change: the same models, the same fields set, the same queued JSON and the
same webhook payload, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from builders import change
from hypothesis import given
from hypothesis import strategies as st
from plan_strategies import agreements, listings, subscriptions
from test_recognition_memo import SETTINGS, direct_plan, same

from gateway.delivery.planning import Delivery, Planned, payload_for, planned_deliveries, stamped
from gateway.delivery.subscription import Subscription
from gateway.recognition.agreement import Agreement
from gateway_client.contract import EventType, Listing


def former_stamped(
    deliveries: Sequence[Delivery],
    log_sequences: Mapping[str, int],
    allocate: Callable[[str, int], int],
) -> list[Delivery]:
    """``stamped`` as it was: every delivery built first, then copied with its numbers."""
    counts: dict[str, int] = {}
    for delivery in deliveries:
        counts[delivery.subscription_id] = counts.get(delivery.subscription_id, 0) + 1
    next_of = {sub: allocate(sub, count) for sub, count in counts.items()}
    out: list[Delivery] = []
    for delivery in deliveries:
        sequence = next_of[delivery.subscription_id]
        next_of[delivery.subscription_id] = sequence + 1
        log_sequence = log_sequences.get(delivery.change.change_id)
        out.append(delivery.model_copy(update={"log_sequence": log_sequence, "sequence": sequence}))
    return out


def first_at(subscription_id: str, count: int) -> int:
    """A block of sequence numbers that differs by subscription."""
    return len(subscription_id) * 100 + count


@SETTINGS
@given(
    st.lists(listings(), min_size=1, max_size=8),
    subscriptions(),
    agreements(),
    st.sampled_from(["listing.changed", "recognition.changed"]),
    st.booleans(),
    st.booleans(),
)
def test_deliveries_built_when_numbered_are_those_built_when_planned(
    batch: list[Listing],
    subs: list[Subscription],
    agreed: list[Agreement],
    event: EventType,
    with_received: bool,
    some_built: bool,
) -> None:
    subject = tuple(batch)
    decided: list[Planned] = []
    direct: list[Delivery] = []
    logged: dict[str, int] = {}
    for n, listing in enumerate(batch):
        step = change(listing)
        received = {s.subscription_id for s in subs[n % 2 :: 2]} if with_received else set()
        made = planned_deliveries(step, subs, agreed, event, subject, received)
        assert [x.built() for x in made] == direct_plan(
            step, subs, agreed, event, subject, received
        )
        decided += made
        direct += direct_plan(step, subs, agreed, event, subject, received)
        if n % 3:  # some changes are not in the log's answer: their log sequence stays None
            logged[step.change_id] = 10 * n
    # a fan-out stamps planned deliveries together with built ones (objection notices, flags)
    mixed: list[Delivery | Planned] = [
        x.built() if some_built and i % 2 else x for i, x in enumerate(decided)
    ]
    numbered = stamped(mixed, logged, first_at)
    expected = former_stamped(direct, logged, first_at)
    same(numbered, expected)
    for made, was in zip(numbered, expected, strict=True):
        region = "440000"
        assert (
            payload_for(made, subscriber_region=region).model_dump_json()
            == payload_for(was, subscriber_region=region).model_dump_json()
        )


def test_an_unnumbered_delivery_is_the_planned_one() -> None:
    """``built()`` leaves the numbers unset, as planning always did."""
    from builders import subscription

    [made] = planned_deliveries(change(), [subscription(region="430000")], [])
    delivery = made.built()
    assert delivery.log_sequence is None
    assert delivery.sequence is None
    assert "sequence" not in delivery.model_fields_set
    assert made.numbered(3, 4).model_fields_set == delivery.model_fields_set | {
        "log_sequence",
        "sequence",
    }
