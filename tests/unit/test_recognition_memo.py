"""The memoised recognition and fan-out planning equal the direct computation.

``gateway.recognition.memo`` remembers ``recognise`` per (listing facts × subscriber region ×
day), ``gateway.delivery.audience`` the matching subscriptions per (listing facts × day), and
``plan_deliveries`` builds its deliveries without validating them again. Here every memoised
answer is compared with ``recognise`` itself, and every plan with the plan as it was made
before the memos (``direct_plan``, the former implementation, kept as the oracle), on generated
listings, agreements and subscriptions — each batch planned change after change with the same
objects, as a fan-out does, so later changes meet what earlier ones left in the memos.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import timedelta

from builders import NOW, change
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plan_strategies import SUBSCRIBERS, agreements, listings, subscriptions

from gateway.delivery.planning import Delivery, delivery_id, for_subscriber, plan_deliveries
from gateway.delivery.subscription import Subscription
from gateway.recognition import Recognitions, SeverityPolicy, remembered, use_severity_policy
from gateway.recognition.agreement import Agreement
from gateway.recognition.matching import counted, recognise
from gateway.recognition.standing import yielded
from gateway_client.contract import (
    Change,
    EventType,
    Listing,
    ListingStatus,
    Severity,
    china_date,
)

DAYS = st.sampled_from([NOW.date() + timedelta(days=d) for d in (-400, 0, 29, 400)])
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def direct_plan(
    change: Change,
    subscriptions: Sequence[Subscription],
    agreements: Sequence[Agreement],
    event: EventType = "listing.changed",
    subject: Sequence[Listing] = (),
    received: Collection[str] = frozenset(),
) -> list[Delivery]:
    """``plan_deliveries`` as it was: recognition per subscriber, each delivery validated."""
    on = china_date(change.occurred_at)
    deliveries: list[Delivery] = []
    unrecognised: Change | None = None
    for sub in subscriptions:
        if not sub.filters.matches(change.listing) and sub.subscription_id not in received:
            continue
        recognition = yielded(
            recognise(change.listing, sub.region, agreements, on), change.listing, subject
        )
        if sub.recognised_only and not recognition.recognised and change.type == "listed":
            continue
        if not recognition.recognised and unrecognised is None:
            unrecognised = for_subscriber(change, recognition)
        deliveries.append(
            Delivery(
                delivery_id=delivery_id(change.change_id, sub.subscription_id, event),
                subscription_id=sub.subscription_id,
                type=event,
                change=change if recognition.recognised else unrecognised,
                recognition=recognition,
            )
        )
    return deliveries


def twins(listing: Listing) -> list[Listing]:
    """``listing`` with one recognition fact changed at a time (the rest shared): each must be
    answered for itself, not from its twin's memo entry."""
    made = [listing.model_copy(update={"status": s}) for s in ListingStatus]
    if listing.severity is not None:
        made += [listing.model_copy(update={"severity": s}) for s in Severity]
    graded = listing.evaluation
    if graded is not None:
        made += [
            listing.model_copy(update={"evaluation": graded.model_copy(update={"grade": g})})
            for g in ("A", "B", "D")
        ]
    return made


def same(planned: list[Delivery], expected: list[Delivery]) -> None:
    """Equal as models, with the same fields set and the same JSON, field for field."""
    assert planned == expected
    assert [d.model_fields_set for d in planned] == [d.model_fields_set for d in expected]
    assert [list(d.__dict__) for d in planned] == [list(d.__dict__) for d in expected]
    assert [d.model_dump_json() for d in planned] == [d.model_dump_json() for d in expected]


@SETTINGS
@given(
    st.lists(listings(), min_size=1, max_size=8),
    agreements(),
    st.lists(st.tuples(st.sampled_from(SUBSCRIBERS), DAYS), min_size=1, max_size=6),
)
def test_remembered_recognition_is_recognise(
    batch: list[Listing], agreed: list[Agreement], asks: list[tuple[str, object]]
) -> None:
    memo = Recognitions(agreed)
    for listing in [*batch, *(twin for x in batch for twin in twins(x))]:
        for region, on in asks:
            assert memo.of(listing, region, on) == recognise(listing, region, agreed, on)  # type: ignore[arg-type]
    held = [*batch, *(twin for x in batch for twin in twins(x))]
    for region, on in asks:  # and what the intensified flag counts (fan-out asks the memo)
        assert memo.counted(held, region, on) == counted(held, region, agreed, on)  # type: ignore[arg-type]


@SETTINGS
@given(
    st.lists(listings(), min_size=1, max_size=8),
    subscriptions(),
    agreements(),
    st.sampled_from(["listing.changed", "recognition.changed"]),
    st.booleans(),
)
def test_planning_through_the_memos_is_planning_directly(
    batch: list[Listing],
    subs: list[Subscription],
    agreed: list[Agreement],
    event: EventType,
    with_received: bool,
) -> None:
    subject = tuple(batch)  # red listings yield while a black one of the subject is in force
    for n, listing in enumerate(batch):
        step = change(listing)
        received = {s.subscription_id for s in subs[n % 2 :: 2]} if with_received else set()
        planned = plan_deliveries(step, subs, agreed, event, subject, received)
        same(planned, direct_plan(step, subs, agreed, event, subject, received))


@SETTINGS
@given(listings(), subscriptions(), agreements())
def test_a_new_severity_policy_is_not_answered_from_the_old_memo(
    listing: Listing, subs: list[Subscription], agreed: list[Agreement]
) -> None:
    step = change(listing)
    before = plan_deliveries(step, subs, agreed)
    same(before, direct_plan(step, subs, agreed))
    use_severity_policy(SeverityPolicy(black_list=frozenset(Severity)))
    try:
        same(plan_deliveries(step, subs, agreed), direct_plan(step, subs, agreed))
    finally:
        use_severity_policy(SeverityPolicy())


def test_other_agreements_get_a_memo_of_their_own() -> None:
    """The same listing planned under another list of agreements (an agreement revised between
    two fan-outs) is recognised under the new ones, not remembered from the old."""
    from builders import agreement, subscription

    step = change()
    subs = [subscription(region="430000")]
    before = plan_deliveries(step, subs, [])
    after = plan_deliveries(step, subs, [agreement(sources=[{"region": "441800"}])])
    assert not before[0].recognition.recognised
    assert after[0].recognition.recognised


@SETTINGS
@given(listings(), subscriptions(), agreements())
def test_one_off_iterables_are_planned_like_lists(
    listing: Listing, subs: list[Subscription], agreed: list[Agreement]
) -> None:
    """A generator of subscriptions (or of agreements, for the memo) gets a memo of its own."""
    step = change(listing)
    same(plan_deliveries(step, iter(subs), agreed), direct_plan(step, subs, agreed))
    memo = remembered(iter(agreed))
    assert memo.of(listing, "440000", NOW.date()) == recognise(
        listing, "440000", agreed, NOW.date()
    )
