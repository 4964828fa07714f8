"""In a fan-out batch the change named as tipping the flag is the subject's last black step; it
is carried only where it counts in the flag (review 37): a dishonesty record or a listing the
region does not recognise, listed in the same batch, tipped nothing, yet it told subscriptions
whose filters take no counted listing, and was carried instead of the listing that tipped it."""

from __future__ import annotations

from builders import agreement, listing, subscription
from fakes import (
    InMemoryAgreements,
    InMemoryExchangeLog,
    InMemoryListingStore,
    InMemoryReceipts,
    InMemorySubscriptionStore,
)
from test_delivery_services import Queue

from gateway.delivery import FanOut
from gateway.recognition.matching import punishes
from gateway_client.contract import change_between
from gateway_client.contract.filters import SubscriptionFilters

HUNAN = "430000"


def black(domain: str, number: int, **fields):
    return listing(domain=domain, decision_number=f"清信惩〔2025〕{number}号", **fields)


COURT = black("court_defaulter", 1)  # held already: the subject's first counted domain
FOOD = black("food_drug", 2)  # listed in the batch: tips the flag for 湖南
RECORD = black("major_tax_violation", 3, severity="general")  # a dishonesty record, same batch


def run(*subs):
    store, log, queue = InMemoryListingStore(), InMemoryExchangeLog(), Queue()
    store.write([(COURT, None)], "441800")
    store.write([(FOOD, None), (RECORD, None)], "441800")
    service = FanOut(
        store,
        InMemorySubscriptionStore(*subs),
        InMemoryAgreements(agreement()),
        log,
        queue,
        InMemoryReceipts(),
        lambda: None,
    )
    steps = [(change_between(FOOD, None), None), (change_between(RECORD, None), None)]
    service.run(steps)
    return [d for d in queue.sent if d.type == "subject.intensified"]


def test_preconditions() -> None:
    assert punishes(COURT)
    assert punishes(FOOD)
    assert not punishes(RECORD)


def test_a_subscription_taking_no_counted_listing_is_not_told() -> None:
    tax_only = subscription(
        "sub-hn-tax", region=HUNAN, filters=SubscriptionFilters(domains=("major_tax_violation",))
    )
    told = run(tax_only)
    # Its filters take only the dishonesty record, which does not count toward the flag.
    assert told == [], [(d.subscription_id, d.change.listing.domain) for d in told]


def test_an_unfiltered_subscription_is_told_with_a_counted_listing_not_the_record() -> None:
    everything = subscription("sub-hn-all", region=HUNAN)
    [told] = run(everything)
    assert told.intensified is not None
    assert told.intensified.intensified
    # the flag lists court_defaulter + food_drug; the carried listing must be one of them
    assert told.change.listing.domain in told.intensified.domains, told.change.listing.domain
    assert punishes(told.change.listing)


HUBEI_LISTING = black("major_tax_violation", 4, origin_region="420100", region="420100")


def test_a_recognised_only_subscription_gets_no_listing_its_region_does_not_recognise() -> None:
    """The same batch shape with an unrecognised listing (湖北's, no agreement) last: the
    recognised_only subscription filtered to 湖北's sources takes no counted listing, yet it is
    told, with a masked listing it does not recognise (a 'listed' change it skipped in fan-out)."""
    sub = subscription(
        "sub-hn-hubei", region=HUNAN, filters=SubscriptionFilters(source_regions=("420000",))
    ).model_copy(update={"recognised_only": True})
    store, log, queue = InMemoryListingStore(), InMemoryExchangeLog(), Queue()
    store.write([(COURT, None)], "441800")
    store.write([(FOOD, None)], "441800")
    store.write([(HUBEI_LISTING, None)], "420100")
    service = FanOut(
        store,
        InMemorySubscriptionStore(sub),
        InMemoryAgreements(agreement()),
        log,
        queue,
        InMemoryReceipts(),
        lambda: None,
    )
    service.run([(change_between(FOOD, None), None), (change_between(HUBEI_LISTING, None), None)])
    assert [d.type for d in queue.sent] == [], [
        (d.type, d.change.listing.origin_region, d.recognition.recognised) for d in queue.sent
    ]
