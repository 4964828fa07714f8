"""The owner's notice (核查通知) and the outcome's reach, through fan-out and sending.

Seed 001 湖南 §二(四)6: whoever finds the record wrong tells the provider (应及时告知信息提供
单位核实), whose 20 days run from receiving that notice; corrected or revoked records reach
every region that carries out measures on them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

import pytest
from builders import CITY, NOW, OTHER_COUNTY, gateway_signers, listing, subscription
from fakes import (
    InMemoryAgreements,
    InMemoryArchive,
    InMemoryDeliveryLog,
    InMemoryDeliveryQueue,
    InMemoryExchangeLog,
    InMemoryListingStore,
    InMemoryReceipts,
    InMemoryRegistry,
    InMemorySubscriptionStore,
    RecordingTransport,
)

from gateway.delivery import DeliveryService, FanOut, ObjectionNotices
from gateway.delivery.planning import Delivery
from gateway.delivery.records import DeliveryState
from gateway.lifecycle import LifecycleService, WorkdayCalendar, shipped_policies
from gateway.lifecycle.objection_steps import decide_objection, receive_notice
from gateway.lifecycle.requests import ObjectionDecision, ObjectionFiling, RepairRequest
from gateway.lifecycle.rules import file_objection, repair
from gateway_client.contract import (
    FixedClock,
    Listing,
    ListingStatus,
    SubscriptionFilters,
    change_between,
    masked,
)

HUNAN = "430000"
CALENDAR = WorkdayCalendar()
FILING = ObjectionFiling(objection_id="obj-1", reason="已履行完毕")
OTHER_DOMAIN = SubscriptionFilters(domains=("food_drug",))  # the listing is court_defaulter


def objected(held: Listing, by: str, noticed: bool) -> Listing:
    terms = shipped_policies().for_listing(held.origin_region, held.domain)
    return file_objection(held, FILING, by, NOW, terms, CALENDAR, noticed=noticed)


class CountingReceipts(InMemoryReceipts):
    asked = 0

    def subscriptions_that_received(
        self, listing_id: str, among: Collection[str] | None = None
    ) -> set[str]:
        self.asked += 1
        return super().subscriptions_that_received(listing_id, among)


def fan_out(
    held: Listing,
    moved: Listing,
    *subs: object,
    received: tuple[str, ...] = (),
    receipts: InMemoryReceipts | None = None,
) -> list:
    receipts = receipts or InMemoryReceipts()
    for sub_id in received:
        receipts.deliver(held.listing_id, sub_id, "unused")
    queue = InMemoryDeliveryQueue()
    service = FanOut(
        InMemoryListingStore(),
        InMemorySubscriptionStore(*subs),  # type: ignore[arg-type]
        InMemoryAgreements(),
        InMemoryExchangeLog(),
        queue,
        receipts,
        lambda: None,
    )
    change = change_between(moved, held)
    assert change is not None
    service.run([(change, held)])
    return queue.sent


OWNER = subscription("sub-city", region=CITY, filters=OTHER_DOMAIN)  # hears none of its domain
RECIPIENT = subscription("sub-hn", region=HUNAN)


# -- objection.filed goes to the owner --------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "noticed", "notices"),
    [
        pytest.param(HUNAN, False, ["sub-city"], id="a-recipient-files-the-owner-is-told"),
        pytest.param("operator", False, ["sub-city"], id="the-operator-files-the-owner-is-told"),
        pytest.param(CITY, True, [], id="the-owner-files-it-knows-already"),
    ],
)
def test_an_objection_filed_by_anyone_but_the_owner_is_sent_to_the_owner_s_subscriptions(
    by: str, noticed: bool, notices: list[str]
) -> None:
    held = listing()

    sent = fan_out(held, objected(held, by, noticed), OWNER, RECIPIENT)

    filed = [d for d in sent if d.type == "objection.filed"]
    assert [d.subscription_id for d in filed] == notices
    assert all(d.change.listing.credit_code == held.credit_code for d in filed)  # in full
    assert [d.subscription_id for d in sent if d.type == "listing.changed"] == ["sub-hn"]


def test_the_notice_is_planned_once_per_change_however_often_fan_out_runs() -> None:
    held = listing()
    moved = objected(held, HUNAN, noticed=False)

    first = fan_out(held, moved, OWNER, RECIPIENT)
    again = fan_out(held, moved, OWNER, RECIPIENT)

    assert [d.delivery_id for d in first] == [d.delivery_id for d in again]


def test_the_notice_s_own_step_sends_no_second_notice() -> None:
    held = objected(listing(), HUNAN, noticed=False)
    noticed = receive_notice(held, "obj-1", NOW + timedelta(hours=1), "gateway", CALENDAR)
    assert noticed is not None

    sent = fan_out(held, noticed, OWNER, RECIPIENT)

    assert [d.type for d in sent] == ["listing.changed"]
    # 清远's policy suspends: the verification period, and the suspension, begin with the notice
    assert sent[0].change.type == "suspended"


@pytest.mark.parametrize(
    ("origin", "suspended_at_notice"),
    [
        pytest.param(CITY, True, id="default-suspends"),  # seed 001 二(四)6: 核查期间暂停
        pytest.param("410184", False, id="xinzheng-does-not"),  # seed 002 六(三)
    ],
)
def test_another_regions_filing_changes_the_owners_listing_only_once_the_owner_has_the_notice(
    origin: str, suspended_at_notice: bool
) -> None:
    """Until the owner receives the notice its measures keep applying; a hostile recipient
    cannot suspend a listing behind its owner's back."""
    held = listing(region=origin)

    filed = objected(held, HUNAN, noticed=False)
    noticed = receive_notice(filed, "obj-1", NOW + timedelta(hours=1), "gateway", CALENDAR)

    assert filed.status is ListingStatus.ACTIVE
    assert noticed is not None
    expected = ListingStatus.SUSPENDED if suspended_at_notice else ListingStatus.ACTIVE
    assert noticed.status is expected
    assert objected(held, origin, noticed=True).status is expected  # the owner's own filing


# -- the acknowledgement is the notice ---------------------------------------------------------


class Owner:
    """The owner's lifecycle and its endpoint, with the notice wired to the acknowledgement."""

    def __init__(self, status: int = 200) -> None:
        self.store = InMemoryListingStore()
        self.clock = FixedClock(NOW + timedelta(days=1))
        registry = InMemoryRegistry()
        self.lifecycle = LifecycleService(
            self.store, InMemoryArchive(), self.clock, shipped_policies(), CALENDAR, 5, registry
        )
        self.log = InMemoryDeliveryLog()
        self.transport = RecordingTransport(status=status)
        self.acknowledgements: object = ObjectionNotices(self.lifecycle)
        held = listing()
        self.filed = objected(held, HUNAN, noticed=False)
        self.store.write([(self.filed, None)], CITY)
        [self.notice] = [
            d for d in fan_out(held, self.filed, OWNER, RECIPIENT) if d.type == "objection.filed"
        ]

    def deliver(self, at: datetime) -> DeliveryState | None:
        self.clock.set(at)
        service = DeliveryService(
            InMemorySubscriptionStore(OWNER),
            self.log,
            self.transport,
            gateway_signers("gw"),
            self.clock,
            acknowledgements=self.acknowledgements,  # type: ignore[arg-type]
        )
        return service.deliver(self.notice, 1).state

    def objection(self) -> object:
        return self.store.current([(self.filed.credit_code, self.filed.listing_id)])[
            self.filed.listing_id
        ].objection


def test_the_owner_s_acknowledgement_starts_its_deadline() -> None:
    owner = Owner()
    acknowledged = datetime.fromisoformat("2025-06-05T02:00:00+00:00")

    state = owner.deliver(acknowledged)

    objection = owner.objection()
    assert state is DeliveryState.DELIVERED
    # a court defaulter: 15 days from the notice (法释〔2017〕7号 第十二条)
    assert (objection.notified_at, str(objection.deadline)) == (acknowledged, "2025-06-20")  # type: ignore[attr-defined]


def test_an_unacknowledged_notice_leaves_the_objection_awaiting_it() -> None:
    owner = Owner(status=503)

    state = owner.deliver(NOW + timedelta(days=2))

    assert state is DeliveryState.RETRYING
    assert (owner.objection().awaiting_notice, owner.objection().deadline) == (True, None)  # type: ignore[attr-defined]


class Failing:
    def acknowledged(self, delivery: Delivery, at: datetime) -> None:
        raise RuntimeError("the listings table is unavailable")

    def acknowledged_lines(self, lines: Sequence[Delivery], at: datetime) -> None:
        raise RuntimeError("the listings table is unavailable")


def test_a_notice_that_could_not_be_recorded_is_sent_again_not_settled() -> None:
    owner = Owner()
    owner.acknowledgements = Failing()
    first = owner.deliver(NOW + timedelta(days=2))
    owner.acknowledgements = ObjectionNotices(owner.lifecycle)
    later = datetime.fromisoformat("2025-06-06T02:00:00+00:00")

    second = owner.deliver(later)

    assert (first, second) == (DeliveryState.RETRYING, DeliveryState.DELIVERED)
    assert len(owner.transport.posts) == 2
    assert owner.objection().notified_at == later  # type: ignore[attr-defined]


# -- outcomes reach every past recipient (closing a gap: filters are read at fan-out time) ----


def _revoked(held: Listing) -> Listing:
    made = ObjectionDecision(outcome="revoked", source_updated_at=NOW + timedelta(minutes=1))
    return decide_objection(held, made, CITY, NOW + timedelta(minutes=1), CALENDAR)


def _upheld(held: Listing) -> Listing:
    made = ObjectionDecision(outcome="upheld", source_updated_at=NOW + timedelta(minutes=1))
    return decide_objection(held, made, CITY, NOW + timedelta(minutes=1), CALENDAR)


def _repaired(held: Listing) -> Listing:
    later = NOW.replace(year=2027)
    return repair(held, RepairRequest(reason="已履行", source_updated_at=later), CITY, later)


@pytest.mark.parametrize(
    ("step", "reaches"),
    [
        pytest.param(_revoked, True, id="a-revocation-001"),
        pytest.param(_upheld, True, id="an-upheld-objection"),
        pytest.param(_repaired, True, id="a-repair-ends-the-measures-there-too"),
    ],
)
def test_a_decision_reaches_a_subscription_that_received_the_listing_whatever_its_filters_say_now(
    step: object, reaches: bool
) -> None:
    held = objected(listing(), HUNAN, noticed=True)
    narrowed = subscription("sub-hn", region=HUNAN, filters=OTHER_DOMAIN)  # since narrowed
    never = subscription("sub-other", region=OTHER_COUNTY, filters=OTHER_DOMAIN)

    sent = fan_out(held, step(held), narrowed, never, received=("sub-hn",))  # type: ignore[operator]

    assert [d.subscription_id for d in sent] == (["sub-hn"] if reaches else [])
    assert all(d.type == "listing.changed" for d in sent)


def test_the_delivery_log_is_asked_only_when_some_filter_leaves_the_listing_out() -> None:
    held = objected(listing(), HUNAN, noticed=True)
    everything, narrowed = CountingReceipts(), CountingReceipts()

    fan_out(held, _revoked(held), RECIPIENT, receipts=everything)
    fan_out(held, _revoked(held), RECIPIENT, OWNER, receipts=narrowed)

    assert (everything.asked, narrowed.asked) == (0, 1)


def test_a_region_shown_the_listing_masked_does_not_read_the_subjects_objection() -> None:
    """The reason is the subject's own account: the owner and the regions that recognise the
    listing read it; a masked copy (a region that does not recognise it, a masked view) keeps
    that an objection is open, not what it says."""
    held = objected(listing(), HUNAN, noticed=True)

    shown = masked(held)

    assert held.objection is not None
    assert shown.objection is not None
    assert held.objection.reason == FILING.reason
    assert (shown.objection.objection_id, shown.objection.open) == ("obj-1", True)
    assert FILING.reason not in shown.model_dump_json()
