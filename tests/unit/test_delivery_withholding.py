"""Content queued before its listing's purge is not posted after it (``gateway.delivery.
withholding``): settled dead, noted as not sent, never retried nor dead-lettered; the purge's
tombstone is posted as ever. One read of the listing's erasure per single delivery, at most."""

from __future__ import annotations

import json

import pytest
from builders import NOW, change, listing, subscription
from fakes import InMemoryDeliveryLog, InMemorySubscriptionStore, RecordingTransport
from test_delivery import GATEWAY

from gateway.delivery.planning import plan_deliveries
from gateway.delivery.records import DeliveryState, HttpResponse
from gateway.delivery.sending import DeliveryService
from gateway.delivery.withholding import WITHHELD
from gateway_client.contract import purged
from gateway_client.contract.clock import FixedClock


class Erasures:
    """The exchange log's answer, counting the reads."""

    def __init__(self, *erased: str) -> None:
        self.erased = set(erased)
        self.reads: list[str] = []

    def __call__(self, listing_id: str) -> bool:
        self.reads.append(listing_id)
        return listing_id in self.erased


def service(
    erasures: Erasures, transport: RecordingTransport | None = None
) -> tuple[DeliveryService, InMemoryDeliveryLog, RecordingTransport]:
    log, transport = InMemoryDeliveryLog(), transport or RecordingTransport()
    sent = DeliveryService(
        InMemorySubscriptionStore(subscription("s-1")),
        log,
        transport,
        GATEWAY,
        FixedClock(NOW),
        erased=erasures,
    )
    return sent, log, transport


@pytest.mark.parametrize(("received", "replay"), [(1, False), (3, False), (1, True)])
def test_content_of_a_listing_purged_since_it_was_queued_is_not_posted(
    received: int, replay: bool
) -> None:
    listed = listing()
    erasures = Erasures(listed.listing_id)
    sending, log, transport = service(erasures)
    [delivery] = plan_deliveries(change(listed), [subscription("s-1")], [])
    delivery = delivery.model_copy(update={"replay": replay})

    outcome = sending.deliver(delivery, received)

    assert transport.posts == []
    assert (outcome.state, outcome.parked) == (DeliveryState.DEAD, True)  # no dead letter
    recorded = delivery.recorded_apart().record_key  # a replay's: a record of its own
    [attempt] = log.attempts[recorded]
    assert (attempt.status, attempt.not_sent, attempt.response_excerpt) == (0, "erased", WITHHELD)
    assert log.state(recorded) is DeliveryState.DEAD
    assert erasures.reads == [listed.listing_id]


def test_the_purges_tombstone_is_posted_without_asking() -> None:
    listed = listing()
    erasures = Erasures(listed.listing_id)
    sending, _, transport = service(erasures)
    [tombstone] = plan_deliveries(purged(listed, NOW), [subscription("s-1")], [])

    outcome = sending.deliver(tombstone, 1)

    assert outcome.state is DeliveryState.DELIVERED
    [post] = transport.posts
    assert json.loads(post.body)["data"]["type"] == "purged"
    assert erasures.reads == []


def test_content_of_a_listing_not_erased_is_posted_after_one_read() -> None:
    listed = listing()
    erasures = Erasures()
    sending, log, transport = service(erasures)
    [delivery] = plan_deliveries(change(listed), [subscription("s-1")], [])

    outcome = sending.deliver(delivery, 1)

    assert outcome.state is DeliveryState.DELIVERED
    assert len(transport.posts) == 1
    assert log.attempts[delivery.delivery_id][0].response_excerpt == ""  # an acceptance
    assert erasures.reads == [listed.listing_id]


class PurgedWhileAnswering(RecordingTransport):
    """An endpoint that echoes a name in its refusal while the listing's purge begins."""

    def __init__(self, erasures: Erasures, listing_id: str | None) -> None:
        super().__init__(status=500, excerpt="黄某某 rejected")
        self._erasures, self._listing_id = erasures, listing_id

    def post(self, url: str, headers: dict[str, str], body: bytes, timeout: float) -> HttpResponse:
        if self._listing_id is not None:
            self._erasures.erased.add(self._listing_id)  # the purge's mark, during the POST
        return super().post(url, headers, body, timeout)


@pytest.mark.parametrize("purged_meanwhile", [True, False])
def test_an_answer_recorded_after_the_purge_began_is_blanked(purged_meanwhile: bool) -> None:
    """The purge blanks its listing's records after marking it erased; an attempt recorded
    after that blanking read them finds the mark, and blanks its own answer."""
    listed = listing()
    erasures = Erasures()
    transport = PurgedWhileAnswering(erasures, listed.listing_id if purged_meanwhile else None)
    sending, log, _ = service(erasures, transport)
    [delivery] = plan_deliveries(change(listed), [subscription("s-1")], [])

    outcome = sending.deliver(delivery, 1)

    assert outcome.state is DeliveryState.RETRYING
    [attempt] = log.attempts[delivery.delivery_id]
    assert attempt.status == 500
    assert attempt.response_excerpt == ("" if purged_meanwhile else "黄某某 rejected")
