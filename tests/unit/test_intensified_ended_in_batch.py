"""When the flag drops, a listing counted before and ended in the same batch is carried as it
stands now, ended, and masked where the region no longer recognises it (review 37: it was
restated as it had been — in force, the person's ID number in full, recognised, with
measures — after the logged revocation had told the subscriber otherwise)."""

from __future__ import annotations

from builders import RESIDENT_ID, agreement, listing, subscription, with_status
from fakes import (
    InMemoryAgreements,
    InMemoryExchangeLog,
    InMemoryListingStore,
    InMemoryReceipts,
    InMemorySubscriptionStore,
)
from test_delivery_services import Queue

from gateway.delivery import FanOut
from gateway_client.contract import ListingStatus, change_between
from gateway_client.contract.filters import SubscriptionFilters

HUNAN = "430000"


def black(domain: str, number: int, sequence: int = 1):
    return listing(
        credit_code=RESIDENT_ID,
        subject_name="张三",
        domain=domain,
        decision_number=f"清信惩〔2025〕{number}号",
        source_sequence=sequence,
    )


COURT, FOOD = black("court_defaulter", 1), black("food_drug", 2)
COURT_REVOKED = with_status(black("court_defaulter", 1, 2), ListingStatus.REVOKED)
FOOD_REVOKED = with_status(black("food_drug", 2, 2), ListingStatus.REVOKED)


def test_a_dropped_flag_never_restates_a_listing_as_it_was_before_it_ended() -> None:
    court_only = subscription(
        "sub-hn-court", region=HUNAN, filters=SubscriptionFilters(domains=("court_defaulter",))
    )
    store, log, queue = InMemoryListingStore(), InMemoryExchangeLog(), Queue()
    store.write([(COURT, None), (FOOD, None)], "441800")
    store.write([(COURT_REVOKED, COURT.version), (FOOD_REVOKED, FOOD.version)], "441800")
    service = FanOut(
        store,
        InMemorySubscriptionStore(court_only),
        InMemoryAgreements(agreement()),
        log,
        queue,
        InMemoryReceipts(),
        lambda: None,
    )
    steps = [
        (change_between(COURT_REVOKED, COURT), COURT),
        (change_between(FOOD_REVOKED, FOOD), FOOD),
    ]
    service.run(steps)

    revoked = [d for d in queue.sent if d.type == "listing.changed"]
    assert [d.change.listing.status for d in revoked] == [ListingStatus.REVOKED]
    assert revoked[0].change.listing.credit_code != RESIDENT_ID  # masked: not in force

    [flag] = [d for d in queue.sent if d.type == "subject.intensified"]
    assert flag.intensified is not None
    assert not flag.intensified.intensified
    shown = flag.change.listing
    # it was: the court listing as it had been before the batch — active, recognised, in full
    assert (shown.status, shown.credit_code, flag.recognition.recognised) != (
        ListingStatus.ACTIVE,
        RESIDENT_ID,
        True,
    ), "a revoked listing restated as active, with the person's ID number in full"
