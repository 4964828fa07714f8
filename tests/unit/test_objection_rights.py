"""Objections (异议): who may file, whose policy applies, deadlines from the notice, 新郑's steps.

Seeds: 001 湖南 §二(四)6 — the regions carrying out the measures (执行联合惩戒措施时主动发现) or
the subject (经市场主体提出异议申请) raise it; the provider verifies within 20 days of
receiving the verification notice (收到核查通知之日起20日内), measures suspended meanwhile.
002 新郑 §六(三) — the subject files (在线异议提交); forwarded within 5 working days, verified
within 5 of receipt, replied within 2 of the result, 12 in all; not suspended.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from builders import CITY, FOOD_DRUG, NOW, OTHER_COUNTY, listing
from builders import region as region_of
from fakes import InMemoryArchive, InMemoryListingStore, InMemoryReceipts, InMemoryRegistry
from test_broken_commitment_policy import rehoming

from gateway.lifecycle import LifecycleService, OverdueLists, WorkdayCalendar, shipped_policies
from gateway.lifecycle.history_reading import objection_decisions
from gateway.lifecycle.objection_policies import RegionPolicy
from gateway.lifecycle.objection_steps import DecidedRecently
from gateway.lifecycle.requests import ObjectionDecision, ObjectionFiling, VerificationReport
from gateway.lifecycle.rules import NotInForce
from gateway.ownership import NotListingOwner
from gateway_client.contract import (
    NATION,
    BadRequest,
    FixedClock,
    Listing,
    ListingStatus,
    NotFound,
    ObjectionTerms,
)
from gateway_client.contract.clock import CHINA

HUNAN = "430000"  # 001: 20 calendar days from the notice; court defaulters 15
XINZHENG = "410184"  # 002: 5 + 5 + 2 working days, 12 from the filing
SUBSCRIBER = HUNAN  # a region whose subscription was delivered the listing
CALENDAR = WorkdayCalendar()


def filing(on_behalf: str = "subject", objection_id: str = "obj-1") -> ObjectionFiling:
    return ObjectionFiling.model_validate(
        {"objection_id": objection_id, "reason": "已履行完毕", "on_behalf": on_behalf}
    )


def beijing(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=CHINA)


class Rig:
    def __init__(self, at: datetime = NOW) -> None:
        self.clock = FixedClock(at)
        self.store = InMemoryListingStore()
        self.receipts = InMemoryReceipts()
        registry = InMemoryRegistry()
        for code in (CITY, OTHER_COUNTY, HUNAN, XINZHENG, "440000"):
            registry.put_region(region_of(code))
        self.service = LifecycleService(
            self.store,
            InMemoryArchive(),
            self.clock,
            shipped_policies(),
            CALENDAR,
            5,
            registry,
            receipts=self.receipts,
        )

    def seed(self, held: Listing, delivered_to: tuple[str, ...] = (SUBSCRIBER,)) -> Listing:
        assert self.store.write([(held, None)], held.origin_region) == {held.listing_id}
        for region in delivered_to:
            self.receipts.deliver(held.listing_id, f"sub-{region}", region)
        return held

    def file(
        self, held: Listing, region: str | None, made: ObjectionFiling | None = None
    ) -> Listing:
        moved, _ = self.service.file_objection(
            held.credit_code, held.listing_id, made or filing(), region
        )
        return moved

    def stored(self, held: Listing) -> Listing:
        return self.store.current([(held.credit_code, held.listing_id)])[held.listing_id]

    def notice(self, held: Listing, at: datetime, objection_id: str = "obj-1") -> bool:
        return self.service.notice_received(held.credit_code, held.listing_id, objection_id, at)

    def verify(self, held: Listing, region: str | None, at: datetime) -> tuple[Listing, bool]:
        self.clock.set(at)
        report = VerificationReport(source_updated_at=at, note="已核实")
        return self.service.report_verified(
            held.credit_code, held.listing_id, "obj-1", report, region
        )

    def decide(self, held: Listing, region: str | None, at: datetime) -> Listing:
        self.clock.set(at)
        made = ObjectionDecision(outcome="revoked", source_updated_at=at)
        moved, _ = self.service.decide_objection(
            held.credit_code, held.listing_id, "obj-1", made, region
        )
        return moved


# -- who may file (001 §二(四)6; 002 §六(三)) --------------------------------------------------


@pytest.mark.parametrize(
    ("filer", "on_behalf", "awaiting"),
    [
        pytest.param(CITY, "subject", False, id="the-owner-has-the-notice-by-filing"),
        pytest.param(SUBSCRIBER, "subject", True, id="a-recipient-for-the-subject-001"),
        pytest.param(SUBSCRIBER, "own_verification", True, id="a-recipient-own-check-001"),
        pytest.param(None, "subject", True, id="the-operator-on-the-subject-s-request-002"),
    ],
)
def test_the_owner_a_region_that_received_the_listing_and_the_operator_may_file(
    filer: str | None, on_behalf: str, awaiting: bool
) -> None:
    rig = Rig()
    held = rig.seed(listing())

    rig.file(held, filer, filing(on_behalf))

    objection = rig.stored(held).objection
    assert objection is not None
    assert (objection.filed_by, objection.on_behalf, objection.awaiting_notice) == (
        filer or "operator",
        on_behalf,
        awaiting,
    )
    assert objection.notified_at == (None if awaiting else NOW)


@pytest.mark.parametrize(
    ("filer", "delivered_to", "error", "code", "path"),
    [
        pytest.param(
            OTHER_COUNTY, (SUBSCRIBER,), NotListingOwner, "listing_not_received", "listing_id",
            id="a-region-that-was-never-delivered-it",
        ),
        pytest.param(
            SUBSCRIBER, (), NotListingOwner, "listing_not_received", "listing_id",
            id="a-region-that-could-have-subscribed-but-received-nothing",
        ),
        pytest.param(
            None, (), BadRequest, "bad_request", "on_behalf",
            id="the-operator-files-only-for-the-subject",
        ),
    ],
)  # fmt: skip
def test_anyone_else_is_refused_and_nothing_is_written(
    filer: str | None, delivered_to: tuple[str, ...], error: type, code: str, path: str
) -> None:
    rig = Rig()
    held = rig.seed(listing(), delivered_to)
    before = rig.store.versions()
    made = filing("own_verification" if filer is None else "subject")

    with pytest.raises(error) as raised:
        rig.file(held, filer, made)

    assert (raised.value.code, raised.value.context["path"]) == (code, path)
    assert rig.store.versions() == before


def test_a_listing_received_by_another_listing_s_subscription_gives_no_right() -> None:
    rig = Rig()
    held = rig.seed(listing(), delivered_to=())
    rig.receipts.deliver("lst_some_other_listing", "sub-hn", SUBSCRIBER)

    with pytest.raises(NotListingOwner):
        rig.file(held, SUBSCRIBER)


def test_an_unknown_listing_is_not_found_and_one_not_in_force_cannot_be_objected_to() -> None:
    rig = Rig()
    ended = rig.seed(listing().model_copy(update={"status": ListingStatus.REVOKED}))
    before = rig.store.versions()

    with pytest.raises(NotFound):
        rig.service.file_objection(ended.credit_code, "lst_unknown", filing(), SUBSCRIBER)
    with pytest.raises(NotInForce):
        rig.file(ended, SUBSCRIBER)
    assert rig.store.versions() == before


@pytest.mark.parametrize("step", ["verify", "decide"])
def test_filing_gives_a_recipient_no_other_right_the_decision_stays_the_owner_s(step: str) -> None:
    rig = Rig()
    held = rig.seed(listing())
    rig.file(held, SUBSCRIBER)
    before = rig.store.versions()
    at = NOW + timedelta(minutes=1)

    act = rig.verify if step == "verify" else rig.decide

    with pytest.raises(NotListingOwner) as raised:
        act(held, SUBSCRIBER, at)

    assert raised.value.code == "not_listing_owner"
    assert rig.store.versions() == before


# -- whose policy: the owner's, per domain --------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "domain", "suspends", "days", "unit", "steps"),
    [
        pytest.param(HUNAN, "food_drug", True, 20, "calendar_days", 0, id="hunan-001"),
        pytest.param(HUNAN, "court_defaulter", True, 15, "calendar_days", 0, id="hunan-courts"),
        pytest.param("430102", "court_defaulter", True, 15, "calendar_days", 0, id="hn-county"),
        pytest.param(XINZHENG, "court_defaulter", False, 12, "working_days", 3, id="xz-002"),
        pytest.param("441802", "food_drug", True, 20, "calendar_days", 0, id="qingcheng-003"),
        # 003 sets no deadline of its own: the court's 15 days, not the 20 filled in from 001
        pytest.param("441802", "court_defaulter", True, 15, "calendar_days", 0, id="qc-courts"),
        pytest.param("110105", "food_drug", True, 20, "calendar_days", 0, id="default"),
        # national law where the owner's region has no policy (review 333)
        pytest.param("110105", "court_defaulter", True, 15, "calendar_days", 0, id="national"),
    ],
)
def test_the_policy_is_the_nearest_owner_region_s_for_the_listing_s_domain(
    origin: str, domain: str, suspends: bool, days: int, unit: str, steps: int
) -> None:
    terms = shipped_policies().for_listing(origin, domain)

    assert (terms.suspends, terms.deadline, terms.unit, len(terms.steps)) == (
        suspends,
        days,
        unit,
        steps,
    )


def test_a_policy_for_the_nation_keeps_the_domains_national_rules_set_apart() -> None:
    """An operator who sets the nation's general terms does not drop the court's 15 days
    (法释〔2017〕7号 第十二条), unless the nation's policy names court defaulters itself."""
    shipped = shipped_policies()
    general = ObjectionTerms(suspends=False, deadline=30, unit="calendar_days", source="国家")
    national = RegionPolicy.model_validate(general.model_dump())
    book = shipped.model_copy(update={"regions": {**shipped.regions, NATION: national}})

    courts = book.for_listing("110105", "court_defaulter")
    others = book.for_listing("110105", "food_drug")

    assert (courts.suspends, courts.deadline) == (False, 15)  # the nation's word on suspending
    assert (others.suspends, others.deadline) == (False, 30)
    named = national.model_copy(update={"domains": {"court_defaulter": general}})
    book = shipped.model_copy(update={"regions": {**shipped.regions, NATION: named}})
    assert book.for_listing("110105", "court_defaulter").deadline == 30


@pytest.mark.parametrize(
    ("origin", "filer", "steps"),
    [
        pytest.param(XINZHENG, HUNAN, 3, id="hunan-objects-to-xinzheng"),
        pytest.param(HUNAN, XINZHENG, 0, id="xinzheng-objects-to-hn"),
    ],
)
def test_the_filer_s_own_policy_does_not_count(origin: str, filer: str, steps: int) -> None:
    rig = Rig()
    held = rig.seed(listing(region=origin), delivered_to=(filer,))

    rig.file(held, filer)

    stored = rig.stored(held)
    assert stored.objection is not None
    assert (stored.objection.terms.deadline, len(stored.objection.steps)) == (
        shipped_policies().for_listing(origin, held.domain).deadline,
        steps,
    )
    assert stored.status is ListingStatus.ACTIVE  # a recipient's filing suspends nothing


@pytest.mark.parametrize(
    ("filer", "at_filing", "at_notice"),
    [
        pytest.param(CITY, ListingStatus.SUSPENDED, ListingStatus.SUSPENDED, id="owner-at-once"),
        pytest.param(None, ListingStatus.ACTIVE, ListingStatus.SUSPENDED, id="operator-at-notice"),
        pytest.param(SUBSCRIBER, ListingStatus.ACTIVE, ListingStatus.ACTIVE, id="recipient-never"),
    ],
)
def test_who_files_decides_whether_the_owners_suspending_policy_suspends(
    filer: str | None, at_filing: ListingStatus, at_notice: ListingStatus
) -> None:
    """001 二(四)6 suspends during verification; a recipient region may object, but only the
    owner (at once) and the operator for the subject (once the owner has the notice) suspend:
    a subscriber filing after filing must not keep a listing suspended everywhere."""
    rig = Rig()
    held = rig.seed(listing())  # 清远: the default policy, which suspends

    assert rig.file(held, filer).status is at_filing
    rig.notice(held, NOW + timedelta(hours=1))
    assert rig.stored(held).status is at_notice


# -- the deadline counts from the notice (001 §二(四)6: 收到核查通知之日起20日内) -------------


@pytest.mark.parametrize(
    ("acknowledged", "deadline"),
    [
        pytest.param(beijing("2025-06-03"), date(2025, 6, 23), id="the-next-day"),
        pytest.param(beijing("2025-06-10", 23), date(2025, 6, 30), id="late-evening-beijing"),
        # 17:00 UTC is 01:00 the next day in Beijing: the Beijing day counts
        pytest.param(
            datetime(2025, 6, 10, 17, 0, tzinfo=UTC), date(2025, 7, 1), id="after-midnight"
        ),
    ],
)
def test_the_owner_s_deadline_runs_from_the_day_it_received_the_notice(
    acknowledged: datetime, deadline: date
) -> None:
    rig = Rig()
    held = rig.seed(listing(**FOOD_DRUG))  # 清远 (441800): the default, 20 calendar days
    rig.file(held, SUBSCRIBER)
    waiting = rig.stored(held).objection

    assert rig.notice(held, acknowledged)

    noticed = rig.stored(held).objection
    assert waiting is not None
    assert noticed is not None
    assert (waiting.deadline, waiting.awaiting_notice) == (None, True)
    assert "awaiting the owner's notice" in waiting.deadline_basis
    assert (noticed.deadline, noticed.notified_at, noticed.awaiting_notice) == (
        deadline,
        acknowledged,
        False,
    )
    assert noticed.deadline_basis.startswith("20 calendar days from the notice")


def test_a_notice_acknowledged_again_moves_nothing() -> None:
    rig = Rig()
    held = rig.seed(listing())
    rig.file(held, SUBSCRIBER)
    rig.notice(held, beijing("2025-06-03"))
    first = rig.stored(held)

    again = (rig.notice(held, beijing("2025-06-05")), rig.notice(held, beijing("2025-06-04")))

    assert again == (False, False)
    assert rig.stored(held) == first


def test_a_notice_for_another_or_a_decided_objection_records_nothing() -> None:
    rig = Rig()
    held = rig.seed(listing())
    rig.file(held, SUBSCRIBER)
    rig.decide(held, CITY, NOW + timedelta(minutes=1))
    decided = rig.stored(held)

    assert rig.notice(held, beijing("2025-06-05"), "obj-other") is False
    assert rig.notice(held, beijing("2025-06-05")) is False
    assert rig.stored(held) == decided


def test_deciding_before_the_acknowledgement_counts_as_the_notice() -> None:
    rig = Rig()
    held = rig.seed(listing())
    rig.file(held, SUBSCRIBER)
    at = NOW + timedelta(minutes=1)

    decided = rig.decide(held, CITY, at).objection

    assert decided is not None
    assert (decided.notified_at, decided.awaiting_notice, decided.outcome) == (
        at,
        False,
        "revoked",
    )


# -- 新郑's three steps (002 §六(三)): forward 5, verify 5, reply 2 working days ---------------
# Filed Monday 2 June 2025 (端午 day off); working days 3–6, 9–13, 16–18 June.

XZ_FILED = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)


def xinzheng_objection(rig: Rig) -> Listing:
    held = rig.seed(listing(region=XINZHENG))
    rig.file(held, SUBSCRIBER)
    return held


def steps_of(rig: Rig, held: Listing) -> list[tuple[str, date | None, bool]]:
    objection = rig.stored(held).objection
    assert objection is not None
    return [(s.name, s.deadline, s.done_at is not None) for s in objection.steps]


def test_a_xinzheng_objection_tracks_each_step_s_deadline_from_the_end_of_the_one_before() -> None:
    rig = Rig(at=XZ_FILED)
    held = xinzheng_objection(rig)
    filed = steps_of(rig, held)
    rig.notice(held, beijing("2025-06-05"))  # forwarded on day 3
    noticed = steps_of(rig, held)
    rig.verify(held, XINZHENG, beijing("2025-06-10"))
    verified = steps_of(rig, held)
    rig.decide(held, XINZHENG, beijing("2025-06-11"))

    assert filed == [
        ("forwarded", date(2025, 6, 9), False),
        ("verified", None, False),
        ("replied", None, False),
    ]
    assert noticed[:2] == [
        ("forwarded", date(2025, 6, 9), True),
        ("verified", date(2025, 6, 12), False),
    ]
    assert verified[1:] == [
        ("verified", date(2025, 6, 12), True),
        ("replied", date(2025, 6, 12), False),
    ]
    assert steps_of(rig, held)[2] == ("replied", date(2025, 6, 12), True)
    objection = rig.stored(held).objection
    assert objection is not None
    assert objection.deadline == date(2025, 6, 18)


@pytest.mark.parametrize(
    ("notice", "verified", "today", "late"),
    [
        pytest.param(None, None, "2025-06-09", [], id="forwarding-due-today"),
        pytest.param(
            None,
            None,
            "2025-06-10",
            [("notice", "2025-06-09"), ("forwarded", "2025-06-09")],
            id="not-forwarded",
        ),
        pytest.param("2025-06-05", None, "2025-06-12", [], id="verification-due-today"),
        pytest.param(
            "2025-06-05", None, "2025-06-13", [("verified", "2025-06-12")], id="not-verified"
        ),
        pytest.param(
            "2025-06-05", "2025-06-10", "2025-06-13", [("replied", "2025-06-12")], id="no-reply"
        ),
        pytest.param(
            "2025-06-05",
            "2025-06-10",
            "2025-06-19",
            [("replied", "2025-06-12"), ("decision", "2025-06-18")],
            id="past-the-12-working-days-too",
        ),
    ],
)
def test_overdue_is_reported_per_step(
    notice: str | None, verified: str | None, today: str, late: list[tuple[str, str]]
) -> None:
    rig = Rig(at=XZ_FILED)
    held = xinzheng_objection(rig)
    if notice:
        rig.notice(held, beijing(notice))
    if verified:
        rig.verify(held, XINZHENG, beijing(verified))
    rig.clock.set(beijing(today, 12))

    overdue = OverdueLists(rig.store, rig.clock).objections()[0]

    assert [(x["step"], x["deadline"]) for x in overdue] == late
    assert rig.service.tick().overdue_objections == overdue


@pytest.mark.parametrize(("today", "late"), [("2025-06-09", []), ("2025-06-10", ["notice"])])
def test_a_notice_the_owner_never_acknowledged_is_reported_after_a_week(
    today: str, late: list[str]
) -> None:
    """湖南 counts from the notice, so without one no deadline would ever pass: an owner with no
    working endpoint must still be found (001 二(四)6)."""
    rig = Rig(at=XZ_FILED)
    held = rig.seed(listing(region=HUNAN), delivered_to=(XINZHENG,))
    rig.file(held, XINZHENG)
    rig.clock.set(beijing(today, 12))

    assert [x["step"] for x in OverdueLists(rig.store, rig.clock).objections()[0]] == late


def test_reporting_the_verification_twice_is_a_replay() -> None:
    rig = Rig(at=XZ_FILED)
    held = xinzheng_objection(rig)
    rig.verify(held, XINZHENG, beijing("2025-06-04"))
    first = rig.stored(held)

    _, changed = rig.verify(held, XINZHENG, beijing("2025-06-05"))

    assert changed is False
    assert rig.stored(held) == first
    assert first.objection is not None
    assert first.objection.notified_at == beijing("2025-06-04")


@pytest.mark.parametrize(
    ("days_later", "filer", "refused"),
    [
        pytest.param(29, SUBSCRIBER, True, id="the-same-region-within-30-days"),
        pytest.param(30, SUBSCRIBER, False, id="the-same-region-after-30-days"),
        pytest.param(1, None, False, id="the-operator-for-the-subject-any-time"),
        pytest.param(1, CITY, False, id="the-owner-any-time"),
    ],
)
def test_a_region_objects_again_to_the_same_listing_only_30_days_after_its_last_was_decided(
    days_later: int, filer: str | None, refused: bool
) -> None:
    """One objection is open at a time: a region refiling the moment each is decided would hold
    off the subject's own, through the operator (001 二(四)6)."""
    rig = Rig()
    held = rig.seed(listing())
    rig.file(held, SUBSCRIBER)
    rig.notice(held, NOW + timedelta(hours=1))
    decided_at = NOW + timedelta(days=1)
    made = ObjectionDecision(outcome="upheld", source_updated_at=decided_at)
    rig.clock.set(decided_at)
    rig.service.decide_objection(held.credit_code, held.listing_id, "obj-1", made, CITY)
    before = rig.stored(held)
    rig.clock.set(decided_at + timedelta(days=days_later))

    again = filing(objection_id="obj-2")
    if refused:
        with pytest.raises(DecidedRecently) as raised:
            rig.file(held, filer, again)
        assert (raised.value.code, raised.value.context["path"]) == (
            "objection_decided_recently",
            "objection_id",
        )
        assert rig.stored(held) == before
    else:
        filed = rig.file(held, filer, again).objection
        assert filed is not None
        assert filed.objection_id == "obj-2"


def test_a_decision_with_a_re_homing_note_still_names_its_objection() -> None:
    """Review 47b F5: the operator's re-homing adds ``; origin A → B`` to the decided step's
    reason, and the id read back was ``obj-1 corrected; origin …``: the 30-day pause lapsed."""
    held = listing().model_copy(update={"history": (rehoming(CITY, OTHER_COUNTY),)})

    assert list(objection_decisions(held)) == [("obj-1", NOW)]
