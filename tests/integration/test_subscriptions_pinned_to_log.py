"""DynamoSubscriptions' writes pinned to the exchange log's size (``create``, ``update_at``):
an append between the size's read and the write makes the write fail and go again at the new
size, so ``log_start`` and ``terms_since`` are exact against every append."""

from __future__ import annotations

import pytest
from integration_support import listing

from chalicelib.dynamodb import subscriptions as pinned
from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.dynamodb.subscriptions import DynamoSubscriptions
from gateway.delivery.subscription import Subscription
from gateway.delivery.terms import with_terms_changed
from gateway_client.contract import Busy, ListKind, SubscriptionFilters, change_between
from gateway_client.contract.change import Change

RED_ONLY = SubscriptionFilters(kinds=(ListKind.RED,))


@pytest.fixture
def subscriptions(aws) -> DynamoSubscriptions:
    return DynamoSubscriptions(
        aws.dynamodb, aws.env["CG_SUBSCRIPTIONS_TABLE"], aws.env["CG_EXCHANGE_LOG_TABLE"]
    )


def a_change(number: str) -> Change:
    made = change_between(listing(decision_number=f"(2026)湘01执{number}号"), None)
    assert made is not None
    return made


class Racing:
    """The log's size, with an append landing right after the first read (as a fan-out
    committing between the read and the subscription's write)."""

    def __init__(self, log: DynamoExchangeLog) -> None:
        self.log = log
        self.reads: list[int] = []

    def __call__(self) -> int:
        size = self.log.size()
        self.reads.append(size)
        if len(self.reads) == 1:
            self.log.append([a_change("1")])
        return size


def new(head: int) -> Subscription:
    return Subscription.model_validate(
        {
            "subscription_id": "sub_hn",
            "region": "430000",
            "url": "https://credit.hunan.example.cn/hooks/gateway",
            "created_at": "2026-12-01T08:00:00+08:00",
            "log_start": head,
        }
    )


def test_a_subscription_made_while_the_log_moved_starts_at_the_size_it_was_stored_at(
    log, subscriptions
) -> None:
    log.append([a_change("0")])
    size = Racing(log)

    made = subscriptions.create(new, size)

    assert size.reads == [1, 2]  # the first write was refused: the log had moved on
    assert made.log_start == 2
    stored = subscriptions.get("sub_hn")
    assert stored is not None
    assert stored.log_start == 2


def test_a_change_of_terms_while_the_log_moved_is_pinned_to_the_size_it_was_stored_at(
    log, subscriptions
) -> None:
    subscriptions.create(new, log.size)
    size = Racing(log)

    changed = subscriptions.update_at(
        "sub_hn",
        lambda current, head: current.model_copy(
            update={"filters": RED_ONLY} | with_terms_changed(current, head)
        ),
        size,
    )

    assert size.reads == [0, 1]
    assert changed is not None
    stored = subscriptions.get("sub_hn")
    assert stored == changed
    assert (stored.terms_since, stored.filters) == (1, RED_ONLY)
    assert [(p.since, p.filters) for p in stored.terms_history] == [(0, SubscriptionFilters())]


def test_a_pinned_change_of_a_deleted_subscription_stores_nothing(log, subscriptions) -> None:
    assert subscriptions.update_at("sub_gone", lambda current, _: current, log.size) is None
    assert subscriptions.get("sub_gone") is None


def test_a_log_that_never_holds_still_answers_busy_and_nothing_is_written(
    log, subscriptions, monkeypatch
) -> None:
    monkeypatch.setattr(pinned, "_PINNED_SECONDS", 0.3)
    counter = iter(range(1000))

    def moving() -> int:  # an append after every read
        size = log.size()
        log.append([a_change(f"9{next(counter)}")])
        return size

    with pytest.raises(Busy) as refused:
        subscriptions.create(new, moving)

    assert refused.value.context["retry_after"] == 1
    assert subscriptions.get("sub_hn") is None
