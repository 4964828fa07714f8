"""Fan-out plans each change by the terms its subscription had when the change was logged
(``gateway.delivery.terms``): a change of terms committed before the append applies to the
batch, one after it does not, a retried batch keeps the terms it was logged under, and a
subscription made after the append is not owed it."""

from __future__ import annotations

from builders import listing, make_uscc, subscription
from fakes import (
    InMemoryAgreements,
    InMemoryDeliveryQueue,
    InMemoryExchangeLog,
    InMemoryListingStore,
    InMemoryReceipts,
)
from fakes import InMemorySubscriptionStore as Subscriptions
from hypothesis import given
from hypothesis import strategies as st

from gateway.delivery import FanOut
from gateway.delivery.subscription import Subscription
from gateway.delivery.terms import TERMS_KEPT, terms_at, with_terms_changed
from gateway_client.contract import ListKind, SubscriptionFilters, change_between

RED_ONLY = SubscriptionFilters(kinds=(ListKind.RED,))
DOMAINS = ("major_tax_violation", "court_defaulter", "food_drug", "licensing_commitment")


def world(
    *subscriptions: Subscription,
) -> tuple[FanOut, Subscriptions, InMemoryExchangeLog, InMemoryDeliveryQueue]:
    subs, log, queue = Subscriptions(*subscriptions), InMemoryExchangeLog(), InMemoryDeliveryQueue()
    service = FanOut(
        InMemoryListingStore(),
        subs,
        InMemoryAgreements(),
        log,
        queue,
        InMemoryReceipts(),
        lambda: None,
    )
    return service, subs, log, queue


def black_steps(*serials: int) -> list:
    return [(change_between(listing(credit_code=make_uscc(n)), None), None) for n in serials]


def narrow(subs: Subscriptions, log: InMemoryExchangeLog, subscription_id: str) -> None:
    """What a PATCH of the filters does: the new terms, pinned to the log's size."""
    subs.update_at(
        subscription_id,
        lambda current, head: current.model_copy(
            update={"filters": RED_ONLY} | with_terms_changed(current, head)
        ),
        log.size,
    )


def made_at(subs: Subscriptions, log: InMemoryExchangeLog, subscription_id: str) -> None:
    subs.create(
        lambda head: subscription(subscription_id).model_copy(update={"log_start": head}),
        log.size,
    )


def test_terms_changed_before_the_append_plan_the_batch() -> None:
    service, subs, log, queue = world(subscription("sub-hn"))
    steps = black_steps(1, 2)

    def logged() -> dict[str, int]:
        narrow(subs, log, "sub-hn")  # committed while fan-out was reading ahead
        return log.append([c for c, _ in steps])

    assert service.run(steps, logged) == 0
    assert queue.sent == []


def test_terms_changed_after_the_append_leave_the_batch_to_the_old_ones() -> None:
    service, subs, log, _ = world(subscription("sub-hn"))
    steps = black_steps(1, 2)

    def logged() -> dict[str, int]:
        sequences = log.append([c for c, _ in steps])
        narrow(subs, log, "sub-hn")  # committed before fan-out read the subscriptions
        return sequences

    assert service.run(steps, logged) == 2
    stored = subs.get("sub-hn")
    assert stored is not None
    assert (stored.terms_since, stored.filters) == (2, RED_ONLY)
    assert [(p.since, p.filters) for p in stored.terms_history] == [(0, SubscriptionFilters())]


def test_a_batch_retried_after_a_narrowing_is_planned_by_the_terms_it_was_logged_under() -> None:
    """Review 42 V2: logged, not queued (the queue failed), then the filters narrowed; the
    stream hands the batch again. It is owed under the old terms, which verify-log judges it
    by; a black change logged after the narrowing is not owed."""
    service, subs, log, queue = world(subscription("sub-hn"))
    steps = black_steps(1, 2)
    log.append([c for c, _ in steps])  # the first try: logged, then the queue failed
    narrow(subs, log, "sub-hn")

    assert service.run(steps) == 2
    assert [d.log_sequence for d in queue.sent] == [1, 2]
    assert service.run(black_steps(3)) == 0


def test_a_subscription_made_before_the_append_is_owed_it_one_made_after_is_not() -> None:
    service, subs, log, queue = world()  # none when fan-out reads ahead
    steps = black_steps(1, 2)

    def logged() -> dict[str, int]:
        made_at(subs, log, "sub-early")
        sequences = log.append([c for c, _ in steps])
        made_at(subs, log, "sub-late")
        return sequences

    assert service.run(steps, logged) == 2
    assert {d.subscription_id for d in queue.sent} == {"sub-early"}


@given(
    changes=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(DOMAINS)), max_size=TERMS_KEPT),
    start=st.integers(0, 5),
    probe=st.integers(1, 40),
)
def test_the_terms_at_an_entry_are_the_last_set_before_it_was_logged(
    changes: list[tuple[int, str]], start: int, probe: int
) -> None:
    """A history of changes of terms, each at the log's size then (never shrinking): an entry
    is owed under the terms set last at a size below its sequence, and not owed at all up to
    ``log_start``."""
    sub = subscription("sub-hn").model_copy(update={"log_start": start})
    timeline: list[tuple[int, SubscriptionFilters]] = [(0, sub.filters)]
    head = start
    for grow, domain in changes:
        head += grow
        filters = SubscriptionFilters(domains=(domain,))
        sub = sub.model_copy(update={"filters": filters} | with_terms_changed(sub, head))
        timeline.append((head, filters))

    found = terms_at(sub, probe)
    if probe <= start:
        assert found is None
    else:
        expected = [f for since, f in timeline if since < probe][-1]
        assert found is not None
        assert found.filters == expected


def test_an_entry_older_than_the_history_reaches_takes_the_oldest_terms_kept() -> None:
    sub = subscription("sub-hn")
    for head in range(1, TERMS_KEPT + 6):
        filters = SubscriptionFilters(domains=(DOMAINS[head % len(DOMAINS)],))
        sub = sub.model_copy(update={"filters": filters} | with_terms_changed(sub, head))
    assert len(sub.terms_history) == TERMS_KEPT
    found = terms_at(sub, 1)
    assert found is not None
    assert found.filters == sub.terms_history[-1].filters
