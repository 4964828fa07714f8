"""The delivery wing's application services on in-memory ports: fan-out of a stream batch,
agreement revision with its re-evaluation, subscription creation. Each refusal leaves the
stores and the queue as they were."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from builders import (
    NOW,
    RESIDENT_ID,
    agreement,
    agreement_terms,
    listing,
    make_signer,
    make_uscc,
    platform_key,
    red_entry,
    region,
    subscription,
    with_status,
)
from fakes import InMemoryAgreements as Agreements
from fakes import InMemoryExchangeLog as Log
from fakes import (
    InMemoryListingStore,
    InMemoryReceipts,
    InMemoryReevaluations,
    InMemoryRegistry,
    InMemorySubscriptionStore,
)

from gateway.authentication import Authenticated
from gateway.delivery import (
    AgreementDesk,
    FanOut,
    ReevaluationRunner,
    Resending,
    SubscriptionDesk,
    redriving,
)
from gateway.delivery.fan_out import black_steps_by_subject, first_previous
from gateway.delivery.intensified import plan_intensified
from gateway.delivery.planning import Delivery, payload_for, plan_deliveries, stamped
from gateway.delivery.records import DeliveryState
from gateway.delivery.redelivery import Resend, resend_of
from gateway.delivery.resending import StartPastHead
from gateway.delivery.subscription import Subscription, SubscriptionRequest
from gateway.recognition import Agreement, AgreementTerms
from gateway_client.contract import (
    BadRequest,
    Conflict,
    FixedClock,
    Listing,
    ListingStatus,
    NotFound,
    Recognition,
    RegionMismatch,
    RequestReplayed,
    SubscriptionPending,
    UnknownRegion,
    change_between,
    purged,
)
from gateway_client.contract.signing import SignedHeaders

HUNAN, GUANGDONG, GUANGDONG_CITY = "430000", "440000", "441800"
HOOK = "https://credit.hunan.example.cn/hooks/gateway"


class Records:
    """The delivery log: deliveries by id, each in a state; the dead ones parked (their last
    attempt not sent) for ``not_sent``, else dead after failed attempts."""

    def __init__(self, *dead: Delivery, not_sent: str | None = "pending") -> None:
        self.held = {d.delivery_id: d for d in dead}
        self.states = {d.delivery_id: DeliveryState.DEAD for d in dead}
        self.not_sent = not_sent

    def dead(
        self,
        subscription_id: str,
        out_of_time: Callable[[], bool],
        declinable_after: datetime | bool = True,
    ) -> Iterator[dict[str, Any]]:
        for i, d in self.held.items():
            if out_of_time():
                return
            if d.subscription_id == subscription_id and self.states[i] is DeliveryState.DEAD:
                yield {"delivery_id": i, "attempts": [{"status": 0, "not_sent": self.not_sent}]}

    def kept(self, delivery_id: str) -> Resend | None:
        held = self.held.get(delivery_id)
        return None if held is None else resend_of(held)

    def kept_many(self, delivery_ids: Sequence[str]) -> dict[str, Resend]:
        return {i: kept for i in delivery_ids if (kept := self.kept(i)) is not None}

    def lines_sent(self, subscription_id: str, first: int, last: int) -> dict[str, Recognition]:
        return {}  # no batches here

    def reopen(self, delivery_id: str) -> bool:
        if self.states.get(delivery_id) is not DeliveryState.DEAD:
            return False
        self.states[delivery_id] = DeliveryState.RETRYING
        return True

    def set_aside(self, delivery_id: str, subscription_id: str) -> None:
        self.set_apart = [*getattr(self, "set_apart", []), delivery_id]

    def reclose(self, delivery_id: str) -> bool:
        if self.states.get(delivery_id) is not DeliveryState.RETRYING:
            return False
        self.states[delivery_id] = DeliveryState.DEAD
        return True


class Queue:
    def __init__(self) -> None:
        self.sent: list[Delivery] = []

    def enqueue(
        self, deliveries: Iterable[Delivery], dedup_suffix: str = "", batched: object = None
    ) -> None:
        self.sent += list(deliveries)
        self.batched = batched  # the modes fan-out planned with


@dataclass
class Verifier:
    answers: bool = True
    asked: int = 0

    def verify(self, subscription: Subscription) -> Subscription:
        self.asked += 1
        return subscription.model_copy(update={"state": "verified" if self.answers else "pending"})


def black(serial: int, origin: str = GUANGDONG_CITY, **fields: object) -> Listing:
    return listing(credit_code=make_uscc(serial), origin_region=origin, region=origin, **fields)


# --- fan-out -------------------------------------------------------------------------------


def fan_out(*subscriptions: Subscription, agreements: Sequence[Agreement] = ()) -> tuple:
    store, log, queue = InMemoryListingStore(), Log(), Queue()
    subs = InMemorySubscriptionStore(*subscriptions)

    def publish() -> None:  # what was logged and queued when the log was published
        log.published.append((len(log.changes), len(queue.sent)))

    service = FanOut(store, subs, Agreements(*agreements), log, queue, InMemoryReceipts(), publish)
    return service, store, log, queue


def test_a_batch_is_logged_in_order_and_each_subscription_numbers_its_deliveries() -> None:
    service, _, log, queue = fan_out(subscription("sub-hn", region=HUNAN), agreements=[agreement()])
    steps = [(change_between(black(n), None), None) for n in (1, 2, 3)]
    assert service.run(steps) == 3
    assert [c.change_id for c in log.changes] == [c.change_id for c, _ in steps]
    assert [(d.log_sequence, d.sequence) for d in queue.sent] == [(1, 1), (2, 2), (3, 3)]
    assert all(d.recognition.recognised for d in queue.sent)
    # Published once, after logging all three and before queuing any: every delivery is
    # under a signed checkpoint by the time it is sent.
    assert log.published == [(3, 0)]


def test_a_batch_its_caller_logged_is_numbered_by_those_sequences_without_reading_the_log() -> None:
    """The stream handler logs a batch with its statistics first: fan-out takes the
    sequences it was given rather than looking every change up again."""
    service, _, log, queue = fan_out(subscription("sub-hn", region=HUNAN), agreements=[agreement()])
    steps = [(change_between(black(n), None), None) for n in (1, 2)]
    given = {change.change_id: 40 + n for n, (change, _) in enumerate(steps)}

    assert service.run(steps, lambda: given) == 2
    assert log.changes == []  # no second append
    assert [d.log_sequence for d in queue.sent] == [40, 41]


def test_a_batch_with_no_changes_is_still_logged_by_its_caller_and_queues_nothing() -> None:
    """The stream handler's ``log`` also counts records that log no change."""
    service, _, _, queue = fan_out(subscription("sub-hn", region=HUNAN))
    calls: list[str] = []

    assert service.run([], lambda: calls.append("logged") or {}) == 0
    assert calls == ["logged"]
    assert queue.sent == []


def test_deliveries_are_queued_by_the_delivery_modes_fan_out_planned_with() -> None:
    """The queue is told which subscriptions are batched as fan-out read them, so it does not
    read every subscription again on the way to the webhook."""
    single = subscription("sub-hn", region=HUNAN)
    batched = subscription("sub-hn-b", region=HUNAN).model_copy(update={"delivery_mode": "batched"})
    service, _, _, queue = fan_out(single, batched, agreements=[agreement()])

    assert service.run([(change_between(black(1), None), None)]) == 2
    assert queue.batched == {"sub-hn-b"}


def test_without_subscriptions_the_changes_are_still_logged_and_nothing_is_queued() -> None:
    service, _, log, queue = fan_out()
    assert service.run([(change_between(black(1), None), None)]) == 0
    assert len(log.changes) == 1
    assert queue.sent == []


def test_an_empty_batch_touches_nothing() -> None:
    service, _, log, queue = fan_out(subscription("sub-hn", region=HUNAN))
    assert service.run([]) == 0
    assert (log.changes, queue.sent) == ([], [])


def test_only_black_steps_that_are_not_purges_can_flip_a_flag_and_the_first_before_counts() -> None:
    first = black(1)
    later = black(1, source_sequence=2, reason="补充说明")
    red = listing(red_entry(credit_code=make_uscc(2)))
    steps = [
        (change_between(first, None), None),
        (change_between(later, first), first),
        (change_between(red, None), None),
        (purged(black(3), NOW), black(3)),
    ]
    grouped = black_steps_by_subject(steps)
    assert list(grouped) == [first.credit_code]
    assert first_previous(grouped[first.credit_code]) == {first.listing_id: None}


def test_red_listings_yield_to_a_black_listing_in_fan_out_and_are_restored_when_it_ends() -> None:
    """Seed 001 二(四)3: the subject's red listing, fanned out earlier, is re-sent with its
    incentives held back when a black listing comes into force in a later batch, and again
    restored when that ends; a red listing in the same batch as the black one carries it."""
    service, store, _, queue = fan_out(subscription("sub-gd", region=GUANGDONG))
    red = listing(red_entry(credit_code=make_uscc(7)))
    store.write([(red, None)], GUANGDONG_CITY)
    service.run([(change_between(red, None), None)])
    assert queue.sent[-1].recognition.measures

    court = black(7)
    store.write([(court, None)], GUANGDONG_CITY)
    service.run([(change_between(court, None), None)])
    held_back = [d for d in queue.sent if d.type == "recognition.changed"]
    assert [d.change.listing.listing_id for d in held_back] == [red.listing_id]
    assert held_back[0].recognition.measures == ()
    assert held_back[0].recognition.suspended_measures == queue.sent[0].recognition.measures

    ended = court.model_copy(
        update={"status": ListingStatus.EXPIRED, "version": court.version + "#1"}
    )
    store.write([(ended, court.version)], GUANGDONG_CITY)
    queue.sent.clear()
    service.run([(change_between(ended, court), court)])
    restored = [d for d in queue.sent if d.type == "recognition.changed"]
    assert [d.recognition.measures for d in restored] == [
        held_back[0].recognition.suspended_measures
    ]

    other = listing(red_entry(credit_code=make_uscc(8)))
    second = black(8)
    store.write([(other, None), (second, None)], GUANGDONG_CITY)
    queue.sent.clear()
    service.run([(change_between(other, None), None), (change_between(second, None), None)])
    assert [d.type for d in queue.sent] == ["listing.changed", "listing.changed"]
    assert queue.sent[0].recognition.measures == ()
    assert queue.sent[0].recognition.suspended_measures


# --- agreements ----------------------------------------------------------------------------


def desk(
    *held: Agreement, regions: Sequence[str] = (HUNAN, GUANGDONG), accepted_at: datetime = NOW
) -> tuple:
    """The desk, its job run at once by a runner over the same stores (as its trigger would),
    holding two listings accepted (and fanned out) at ``accepted_at``."""
    registry = InMemoryRegistry()
    for code in regions:
        registry.put_region(region(code))
    store = InMemoryListingStore()
    for serial in (1, 2):
        store.write([(black(serial, accepted_at=accepted_at), None)], GUANGDONG_CITY)
    agreements, queue = Agreements(*held), Queue()
    jobs = InMemoryReevaluations(agreements, store, page_size=1)
    subscriptions = InMemorySubscriptionStore(subscription("sub-hn", region=HUNAN))
    runner = ReevaluationRunner(jobs, jobs, subscriptions, queue, agreements, FixedClock(NOW))
    service = AgreementDesk(
        agreements,
        registry,
        jobs,
        RunAtOnce(runner),
        FixedClock(NOW),
        new_id=lambda: "agr_00000000000000aa",
    )
    return service, agreements, queue


@dataclass
class RunAtOnce:
    runner: ReevaluationRunner

    def start(self, job_id: str) -> None:
        self.runner.run(job_id, lambda: False)


def terms(**overrides: object) -> AgreementTerms:
    return AgreementTerms.model_validate(agreement_terms(**overrides))


def test_signing_stores_revision_one_and_queues_what_it_changes_for_the_subscriber() -> None:
    service, agreements, queue = desk()
    saved = service.sign(terms())
    assert saved.agreement.agreement_id == "agr_00000000000000aa"
    assert saved.agreement.revision == 1
    assert agreements.get("agr_00000000000000aa") == saved.agreement
    assert saved.reevaluation == "agr_00000000000000aa@1"
    assert len(queue.sent) == 2
    assert {d.type for d in queue.sent} == {"recognition.changed"}
    assert {d.subscription_id for d in queue.sent} == {"sub-hn"}


def test_an_unregistered_subscriber_region_is_refused_and_nothing_is_saved() -> None:
    service, agreements, queue = desk(regions=(GUANGDONG,))
    with pytest.raises(UnknownRegion) as refused:
        service.sign(terms())
    assert refused.value.context["path"] == "subscriber_region"
    assert (agreements.all(), queue.sent) == ([], [])


def test_a_revision_may_not_move_the_agreement_to_another_region() -> None:
    held = agreement()
    service, agreements, queue = desk(held)
    with pytest.raises(BadRequest) as refused:
        service.revise(held.agreement_id, terms(subscriber_region=GUANGDONG))
    assert refused.value.context["path"] == "subscriber_region"
    assert agreements.all() == [held]
    assert queue.sent == []


def test_revising_an_unknown_agreement_is_not_found() -> None:
    service, agreements, queue = desk()
    with pytest.raises(NotFound):
        service.revise("agr_ffffffffffffffff", terms())
    assert (agreements.all(), queue.sent) == ([], [])


def test_a_revision_records_when_it_moved_the_start_and_later_ones_keep_that() -> None:
    """Feedback waives a moved start only until the revision that moved it (review 190 F5); an
    agreement stored before that was kept counts its latest revision as the one."""
    legacy = agreement(revision=2, updated_at=NOW - timedelta(days=9))
    service, agreements, _ = desk(legacy)
    start = date.fromisoformat(str(agreement_terms()["effective_from"]))

    kept = service.revise(legacy.agreement_id, terms(title="改题")).agreement
    moved = service.revise(
        legacy.agreement_id, terms(effective_from=(start + timedelta(days=1)).isoformat())
    ).agreement
    retitled = service.revise(legacy.agreement_id, terms(title="再改题")).agreement
    ended = service.end(legacy.agreement_id).agreement

    assert (legacy.start_revised_at, kept.start_moved_at) == (legacy.updated_at,) * 2
    assert [x.start_moved_at for x in (moved, retitled, ended)] == [NOW] * 3
    assert agreements.get(legacy.agreement_id) == ended
    fresh = service.sign(terms()).agreement  # signing sets its start: never "stored before"
    retitled_fresh = service.revise(fresh.agreement_id, terms(title="改题")).agreement
    assert (fresh.start_moved_at, retitled_fresh.start_revised_at) == (NOW, NOW)


def test_a_revision_records_when_it_changed_what_the_agreement_covers() -> None:
    """Feedback is judged by the terms as stored from the revision that set what they cover;
    a title or an end after it does not move that day (review 400)."""
    legacy = agreement(revision=2, updated_at=NOW - timedelta(days=9))
    service, _, _ = desk(legacy)

    retitled = service.revise(legacy.agreement_id, terms(title="改题")).agreement
    narrowed = service.revise(
        legacy.agreement_id, terms(title="改题", domains=["major_tax_violation"])
    ).agreement
    ended = service.end(legacy.agreement_id).agreement

    assert retitled.coverage_revised_at == legacy.updated_at
    assert [x.coverage_changed_at for x in (narrowed, ended)] == [NOW] * 2
    assert service.sign(terms()).agreement.coverage_changed_at == NOW


def test_ending_withdraws_recognition_once_and_ending_again_changes_nothing() -> None:
    service, agreements, queue = desk()
    signed = service.sign(terms()).agreement
    queue.sent.clear()
    ended = service.end(signed.agreement_id)
    assert ended.agreement.revision == 2
    assert ended.reevaluation == "agr_00000000000000aa@2"
    assert len(queue.sent) == 2
    assert not any(d.recognition.recognised for d in queue.sent)
    again = service.end(signed.agreement_id)
    assert (again.agreement, again.reevaluation) == (ended.agreement, None)
    assert agreements.get(signed.agreement_id) == ended.agreement


# --- subscriptions -------------------------------------------------------------------------


def subscribing(answers: bool = True) -> tuple:
    registry = InMemoryRegistry()
    for code in (HUNAN, GUANGDONG):
        registry.put_region(region(code))
    store, log, verifier = InMemorySubscriptionStore(), Log(), Verifier(answers)
    log.changes = [change_between(black(9), None)]
    resending = Resending(
        store,
        Records(),
        log,
        Agreements(),
        Queue(),
        verifier,
        listings=InMemoryListingStore(),
        clock=FixedClock(NOW),
        sm2_signing=False,
    )
    service = SubscriptionDesk(
        store, registry, log, resending, FixedClock(NOW), allow_loopback_http=False
    )
    return service, store, verifier


def signed_by(code: str, request_id: str = "req_1", repeated: bool = False) -> Authenticated:
    signer = make_signer(f"{code}-key")
    return Authenticated(
        key=platform_key(signer, code),
        region=region(code),
        signed=SignedHeaders(msg_id=request_id, timestamp=int(NOW.timestamp()), signature="x"),
        repeated=repeated,
    )


def wanted(code: str = HUNAN, url: str = HOOK) -> SubscriptionRequest:
    return SubscriptionRequest.model_validate({"region": code, "url": url})


def test_the_operator_subscribes_a_region_challenged_once_from_the_log_head() -> None:
    service, store, verifier = subscribing()
    created = service.create(wanted(), None)
    assert created.new
    assert created.subscription.state == "verified"
    assert created.subscription.log_start == 1
    assert store.get(created.subscription.subscription_id) == created.subscription
    assert verifier.asked == 1


def test_an_endpoint_that_does_not_answer_leaves_the_subscription_pending() -> None:
    service, store, _ = subscribing(answers=False)
    created = service.create(wanted(), None)
    assert store.get(created.subscription.subscription_id).state == "pending"


def test_a_platform_subscribes_only_its_own_region() -> None:
    service, store, verifier = subscribing()
    with pytest.raises(RegionMismatch) as refused:
        service.create(wanted(GUANGDONG), signed_by(HUNAN))
    assert refused.value.context["path"] == "region"
    assert (store.all(), verifier.asked) == ([], 0)


def test_an_unregistered_region_is_refused() -> None:
    service, store, _ = subscribing()
    with pytest.raises(UnknownRegion):
        service.create(wanted("450000"), None)
    assert store.all() == []


def test_a_retried_request_finds_what_it_created_and_a_different_body_conflicts() -> None:
    service, store, verifier = subscribing()
    first = service.create(wanted(), signed_by(HUNAN))
    again = service.create(wanted(), signed_by(HUNAN, repeated=True))
    assert not again.new
    assert again.subscription.subscription_id == first.subscription.subscription_id
    assert verifier.asked == 1
    with pytest.raises(Conflict):
        service.create(wanted(url=HOOK + "/other"), signed_by(HUNAN, repeated=True))
    assert store.all() == [first.subscription]


def test_a_used_request_id_that_created_nothing_is_a_replay() -> None:
    service, store, verifier = subscribing()
    with pytest.raises(RequestReplayed):
        service.create(wanted(), signed_by(HUNAN, request_id="req_2", repeated=True))
    assert (store.all(), verifier.asked) == ([], 0)


# --- sending again ---------------------------------------------------------------------------


def resending(*subscriptions: Subscription, dead: Sequence[Delivery] = ()) -> tuple:
    store, log, queue = InMemorySubscriptionStore(*subscriptions), Log(), Queue()
    log.changes = [change_between(black(n), None) for n in (1, 2, 3)]
    records = Records(*dead)
    listings = InMemoryListingStore()
    service = Resending(
        store,
        records,
        log,
        Agreements(agreement()),
        queue,
        Verifier(),
        listings=listings,
        clock=FixedClock(NOW),
        sm2_signing=False,
    )
    return service, store, records, log, queue


def delivered(log: Log, to: Subscription) -> list[Delivery]:
    """What fan-out planned for ``to`` from everything in ``log``, numbered as it would be."""
    planned = [d for c in log.changes for d in plan_deliveries(c, [to], [agreement()])]
    sequences = {c.change_id: n for n, c in enumerate(log.changes, start=1)}
    return stamped(planned, sequences, lambda _sub, _count: 1)


HUNAN_SUB = subscription("sub-hn", region=HUNAN).model_copy(update={"state": "verified"})


def test_a_replay_starts_after_the_subscription_began_and_keeps_the_webhook_ids() -> None:
    joined_late = HUNAN_SUB.model_copy(update={"log_start": 1})
    service, _, _, log, queue = resending(joined_late)
    replayed = service.replay(joined_late, 0, None)
    assert (replayed.from_sequence, replayed.to_sequence, replayed.queued) == (2, 3, 2)
    first_time = {d.delivery_id for d in delivered(log, joined_late)[1:]}
    assert {d.delivery_id for d in queue.sent} == first_time
    assert all(d.replay for d in queue.sent)
    assert [d.log_sequence for d in queue.sent] == [2, 3]


PERSON_LISTED = listing(credit_code=RESIDENT_ID, subject_name="张某某", region=GUANGDONG_CITY)


@pytest.mark.parametrize(
    ("days_on", "held", "shown"),
    [
        pytest.param(0, PERSON_LISTED, "full", id="still-recognised"),
        pytest.param(60, PERSON_LISTED, "masked", id="agreement-ended-since"),
        pytest.param(
            0, with_status(PERSON_LISTED, ListingStatus.REVOKED), "masked", id="listing-ended-since"
        ),
        pytest.param(0, None, "masked", id="no-longer-held"),
    ],
)
def test_what_is_sent_again_shows_a_person_in_full_only_while_recognised_as_it_stands(
    days_on: int, held: Listing | None, shown: str
) -> None:
    """Replayed or re-driven, a delivery keeps the recognition it was first sent with, but the
    person's number only where the region recognises the listing as it stands today (reviews
    36, 37: an agreement ended since, or the listing ended, and a subscription whose filters
    were widened since got a number it was never sent — by replay, then still by re-drive)."""
    log = Log()
    log.changes = [change_between(PERSON_LISTED, None)]
    ended = agreement(effective_until=(NOW + timedelta(days=30)).date())
    [first] = stamped(
        plan_deliveries(log.changes[0], [HUNAN_SUB], [ended]),
        {log.changes[0].change_id: 1},
        lambda _s, _n: 1,
    )
    store = InMemoryListingStore()
    if held is not None:
        store.write([(held, None)], GUANGDONG_CITY)
    queue = Queue()
    again = Resending(
        InMemorySubscriptionStore(HUNAN_SUB),
        Records(first),  # dead, never delivered
        log,
        Agreements(ended),
        queue,
        Verifier(),
        listings=store,
        clock=FixedClock(NOW + timedelta(days=days_on)),
        sm2_signing=False,
    )

    again.replay(HUNAN_SUB, 1, None)
    assert again.redrive(HUNAN_SUB.subscription_id) == 1

    [replayed, redriven] = queue.sent
    for sent in (replayed, redriven):
        code = sent.change.listing.credit_code
        assert ("full" if code == RESIDENT_ID else "masked") == shown
        assert sent.recognition.recognised  # as first sent: the change's day's recognition


def test_a_replayed_red_listing_keeps_its_incentives_held_back_while_the_subject_is_black() -> None:
    """A replay plans as fan-out does: with the subject's listings (review 16, F1: it planned
    without them, so a replay granted the incentives the live delivery had held back)."""
    guangdong = subscription("sub-gd", region=GUANGDONG)
    service, store, _, queue = fan_out(guangdong)
    red, court = listing(red_entry(credit_code=make_uscc(7))), black(7)
    store.write([(red, None), (court, None)], GUANGDONG_CITY)
    service.run([(change_between(court, None), None), (change_between(red, None), None)])
    [live] = [d for d in queue.sent if d.change.listing.listing_id == red.listing_id]
    log = Log()
    log.changes = [change_between(court, None), change_between(red, None)]
    replaying = Resending(
        InMemorySubscriptionStore(guangdong),
        Records(),
        log,
        Agreements(),
        Queue(),
        Verifier(),
        listings=store,
        clock=FixedClock(NOW),
        sm2_signing=False,
    )

    replaying.replay(guangdong, 2, None)

    [replayed] = replaying.queue.sent  # type: ignore[attr-defined]
    assert live.recognition.measures == replayed.recognition.measures == ()
    assert replayed.recognition.suspended_measures == live.recognition.suspended_measures != ()
    assert replayed.recognition.suspended_because == "black_listing_in_force"


@pytest.mark.parametrize(("start", "end"), [(1, None), (1, 3), (2, 3)])
def test_a_replay_of_nothing_the_subscription_is_owed_is_refused(
    start: int, end: int | None
) -> None:
    """Review 16, F5: a subscription newer than everything logged replayed "from 1" and got
    202 with from 9 to 8, queued 0: a reversed, empty range reported as a replay done."""
    joined_after_all = HUNAN_SUB.model_copy(update={"log_start": 3})
    service, _, _, _, queue = resending(joined_after_all)

    with pytest.raises(StartPastHead) as refused:
        service.replay(joined_after_all, start, end)

    assert refused.value.to_dict()["path"] == "from_sequence"
    assert queue.sent == []


def test_a_replay_stops_at_what_a_signed_checkpoint_covers() -> None:
    service, _, _, log, queue = resending(HUNAN_SUB)
    log.published_size = lambda: 2  # type: ignore[method-assign]  # entry 3: not yet published

    replayed = service.replay(HUNAN_SUB, 1, None)

    assert (replayed.from_sequence, replayed.to_sequence) == (1, 2)
    assert [d.log_sequence for d in queue.sent] == [1, 2]


def test_a_pending_subscription_gets_no_replay() -> None:
    pending = HUNAN_SUB.model_copy(update={"state": "pending"})
    service, _, _, _, queue = resending(pending)
    with pytest.raises(SubscriptionPending):
        service.replay(pending, 1, None)
    assert queue.sent == []


def test_a_redrive_reopens_only_this_subscriptions_dead_deliveries_oldest_first_and_once() -> None:
    other = subscription("sub-gd", region=GUANGDONG).model_copy(update={"state": "verified"})
    service, _, records, log, queue = resending(HUNAN_SUB, other)
    ours = delivered(log, HUNAN_SUB)
    records.__init__(*reversed(ours), *delivered(log, other))
    assert service.redrive(HUNAN_SUB.subscription_id) == 3
    assert [d.delivery_id for d in queue.sent] == [d.delivery_id for d in ours]
    assert records.states[delivered(log, other)[0].delivery_id] is DeliveryState.DEAD
    assert service.redrive(HUNAN_SUB.subscription_id) == 0
    named_elsewhere = delivered(log, other)[0].delivery_id
    with pytest.raises(NotFound):  # another subscription's: named, refused (review 177)
        service.redrive(HUNAN_SUB.subscription_id, [named_elsewhere])
    assert records.states[named_elsewhere] is DeliveryState.DEAD


class Slow:
    """A clock that moves only when the work it times takes time."""

    def __init__(self) -> None:
        self.at = NOW

    def now(self) -> datetime:
        return self.at

    def takes(self, seconds: float, step: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any) -> Any:
            self.at += timedelta(seconds=seconds)
            return step(*args)

        return timed


def test_a_redrive_stops_between_chunks_past_its_time_and_the_next_call_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Within an API request's time: each chunk reopened and queued, the rest left dead for
    the next call, which starts where this one stopped (the longest dead first)."""
    service, _, records, log, queue = resending(HUNAN_SUB)
    ours = delivered(log, HUNAN_SUB)
    records.__init__(*ours)
    monkeypatch.setattr(redriving, "REDRIVE_CHUNK", 1)
    service.clock = clock = Slow()
    monkeypatch.setattr(records, "reopen", clock.takes(10, records.reopen))  # 10 s a chunk

    assert service.redrive(HUNAN_SUB.subscription_id) == 2  # 10 s, then 20 s: past 15 s
    assert [records.states[d.delivery_id] for d in ours] == [
        DeliveryState.RETRYING,
        DeliveryState.RETRYING,
        DeliveryState.DEAD,
    ]
    assert service.redrive(HUNAN_SUB.subscription_id) == 1
    assert [d.delivery_id for d in queue.sent] == [d.delivery_id for d in ours]


def test_a_read_of_what_is_dead_cut_short_by_time_takes_the_oldest_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """However far the read reaches in its time, it goes oldest first: never a newer parked
    delivery before an older one (review 98 F5); the next call goes on from there."""
    service, _, records, log, queue = resending(HUNAN_SUB)
    ours = delivered(log, HUNAN_SUB)
    records.__init__(*ours)
    service.clock = clock = Slow()
    dead = records.dead

    def slow_dead(
        subscription_id: str, out_of_time: Callable[[], bool], declinable_after: Any
    ) -> Iterator[Any]:
        for view in dead(subscription_id, out_of_time, declinable_after):
            yield view
            clock.at += timedelta(seconds=5)  # 5 s a record: the read stops after two

    monkeypatch.setattr(records, "dead", slow_dead)

    assert service.redrive_parked(HUNAN_SUB) == 2
    assert service.redrive_parked(HUNAN_SUB) == 1
    assert [d.delivery_id for d in queue.sent] == [d.delivery_id for d in ours]


def test_enabling_an_endpoint_sends_what_it_missed_and_again_what_a_last_call_left() -> None:
    off = HUNAN_SUB.model_copy(update={"enabled": False, "disabled_reason": "failing"})
    service, store, records, log, queue = resending(off)
    records.__init__(*delivered(log, off), not_sent="disabled")  # held back while it was off
    assert service.enable(off) == 3
    assert store.get(off.subscription_id).enabled
    assert store.get(off.subscription_id).disabled_reason is None
    queue.sent.clear()
    # still dead as held back: what a call cut short left (review 132), sent by the next one
    records.__init__(*delivered(log, off), not_sent="disabled")
    assert service.enable(HUNAN_SUB) == 3
    assert len(queue.sent) == 3


def test_enabling_leaves_the_dead_letters_of_failed_attempts_to_the_operator() -> None:
    off = HUNAN_SUB.model_copy(update={"enabled": False, "disabled_reason": "failing"})
    service, _, records, log, queue = resending(off)
    records.__init__(*delivered(log, off), not_sent=None)  # dead after failed attempts

    assert service.enable(off) == 0
    assert queue.sent == []


def test_deliveries_parked_while_a_new_subscription_is_challenged_go_out_once_it_verifies() -> None:
    service, _, _ = subscribing()
    sub_id = "sub_" + hashlib.sha256(b"seed-1").hexdigest()[:24]
    parked = subscription(sub_id, region=HUNAN)
    records = Records(*delivered(service.log, parked))
    service.resending.deliveries = records
    service.seed = lambda: "seed-1"
    created = service.create(wanted(), None)
    assert created.subscription.subscription_id == sub_id
    assert set(records.states.values()) == {DeliveryState.RETRYING}
    assert len(service.resending.queue.sent) == 1


def _intensified_world(*, lowered: bool) -> tuple[Resending, Queue]:
    """A flag of 张三's flipped for 湖南 (raised by a second domain listed, or lowered by it
    revoked) under an agreement that ends 30 days on, dead: re-driven 60 days on, and where."""
    court, food = (
        listing(credit_code=RESIDENT_ID, subject_name="张三", domain=d, decision_number=n)
        for d, n in (("court_defaulter", "清信惩〔2025〕1号"), ("food_drug", "清信惩〔2025〕2号"))
    )
    ended = agreement(effective_until=(NOW + timedelta(days=30)).date())
    revoked = with_status(food, ListingStatus.REVOKED)
    held = revoked.model_copy(update={"version": revoked.version + "1"}) if lowered else food
    trigger = change_between(held, food if lowered else None)
    assert trigger is not None
    log = Log()
    log.changes = [trigger]
    was, now = ([court, food], [court]) if lowered else ([court], [court, food])
    [flag] = plan_intensified(trigger, was, now, [HUNAN_SUB], [ended], NOW.date())
    [first] = stamped([flag], {trigger.change_id: 1}, lambda _s, _n: 1)
    store = InMemoryListingStore()
    store.write([(court, None), (held, None)], GUANGDONG_CITY)
    queue = Queue()
    again = Resending(
        InMemorySubscriptionStore(HUNAN_SUB),
        Records(first),
        log,
        Agreements(ended),
        queue,
        Verifier(),
        listings=store,
        clock=FixedClock(NOW + timedelta(days=60)),
        sm2_signing=False,
    )
    return again, queue


def test_a_re_driven_raised_flag_the_subject_no_longer_holds_stays_dead() -> None:
    """Review 281: sent after its lowering (here: the agreement ended since, so 湖南 counts no
    listing of the subject), it told the subject was under intensified punishment again."""
    again, queue = _intensified_world(lowered=False)

    assert again.redrive(HUNAN_SUB.subscription_id) == 0
    assert queue.sent == []


def test_a_re_driven_intensified_event_masks_the_subjects_code_in_its_flag_too() -> None:
    """Review 38: the listing was masked and the flag kept the number in full."""
    again, queue = _intensified_world(lowered=True)

    assert again.redrive(HUNAN_SUB.subscription_id) == 1

    [sent] = queue.sent
    assert RESIDENT_ID not in payload_for(sent, subscriber_region=HUNAN).model_dump_json()
    assert sent.intensified is not None
    assert sent.intensified.credit_code == sent.change.listing.credit_code
