"""LifecycleService against an in-memory listing store: who may act, replays, races, the tick."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from builders import (
    CITY,
    COUNTY,
    FOOD_DRUG,
    NOW,
    OTHER_COUNTY,
    RESIDENT_ID,
    entry,
    listing,
    make_resident_id,
    make_uscc,
    person,
)
from builders import region as region_of
from fakes import InMemoryArchive, InMemoryListingStore, InMemoryRegistry, RecordingErasure

from gateway.lifecycle.freshness import FutureDate, FutureVersion
from gateway.lifecycle.objection_policies import shipped_policies
from gateway.lifecycle.overdue_lists import OverdueLists
from gateway.lifecycle.requests import (
    ObjectionDecision,
    ObjectionFiling,
    Removal,
    RemovalReason,
    RepairRequest,
)
from gateway.lifecycle.retention import RETENTION_YEARS
from gateway.lifecycle.rules import (
    GATEWAY,
    NotInForce,
    ObjectionOpen,
    RepairTooEarly,
    StaleAction,
    next_version,
    remove,
)
from gateway.lifecycle.service import LifecycleService, ListingChanged
from gateway.lifecycle.workdays import WorkdayCalendar
from gateway.ownership import NotListingOwner
from gateway_client.contract.change import purge_id
from gateway_client.contract.clock import CHINA, FixedClock
from gateway_client.contract.errors import NotFound
from gateway_client.contract.listing import IN_FORCE, Listing, ListingStatus
from gateway_client.contract.moves import OPERATOR

HUNAN = "430000"
XINZHENG = "410184"
GUANGDONG = "440000"
FILING = ObjectionFiling(objection_id="obj-1", reason="已履行完毕")
REPAIR_DAY = datetime(2026, 3, 2, 9, 0, tzinfo=CHINA)  # serious, valid from 2025-03-02: +12 months


def stamp(minutes: int) -> datetime:
    """A source platform's stamp, ``minutes`` after the gateway's NOW (within the 5-minute
    skew a signature is allowed: versions from further ahead are refused)."""
    return NOW + timedelta(minutes=minutes)


def decision(outcome: str = "upheld", minutes: int = 1, **fields: Any) -> ObjectionDecision:
    return ObjectionDecision.model_validate(
        {"outcome": outcome, "source_updated_at": stamp(minutes), **fields}
    )


def repair_request(minutes: int = 1) -> RepairRequest:
    return RepairRequest(reason="已履行全部义务", source_updated_at=stamp(minutes))


@dataclass
class Rig:
    """A lifecycle service wired to fakes, at a hand-moved clock."""

    at: datetime = NOW
    retention_years: int = RETENTION_YEARS
    store: InMemoryListingStore = field(default_factory=InMemoryListingStore)

    def __post_init__(self) -> None:
        self.clock = FixedClock(self.at)
        self.archive = InMemoryArchive()
        self.registry = InMemoryRegistry()
        for code in (CITY, COUNTY, OTHER_COUNTY, GUANGDONG, HUNAN, XINZHENG):
            self.registry.put_region(region_of(code))
        self.erasure = RecordingErasure(self.store)
        self.service = LifecycleService(
            self.store,
            self.archive,
            self.clock,
            shipped_policies(),
            WorkdayCalendar(),
            self.retention_years,
            self.registry,
            erasure=self.erasure,
        )

    def seed(self, *held: Listing) -> Listing:
        for item in held:
            first, *more = item.provenances
            assert self.store.write([(item, None)], first) == {item.listing_id}
            for region in more:
                self.store.add_provenance(
                    [(item.credit_code, item.listing_id, item.origin_region)], region
                )
        return held[0]

    def stored(self, held: Listing) -> Listing:
        return self.store.current([(held.credit_code, held.listing_id)])[held.listing_id]

    def file(self, held: Listing, region: str | None = None) -> tuple[Listing, bool]:
        return self.service.file_objection(held.credit_code, held.listing_id, FILING, region)

    def decide(
        self, held: Listing, region: str = CITY, made: ObjectionDecision | None = None
    ) -> tuple[Listing, bool]:
        return self.service.decide_objection(
            held.credit_code, held.listing_id, "obj-1", made or decision(), region
        )

    def repair(
        self, held: Listing, region: str = CITY, request: RepairRequest | None = None
    ) -> tuple[Listing, bool]:
        return self.service.repair(
            held.credit_code, held.listing_id, request or repair_request(), region
        )


@pytest.fixture
def rig() -> Rig:
    return Rig()


# -- filing objections --


def test_the_operator_may_file_an_objection_in_its_own_name(rig: Rig) -> None:
    held = rig.seed(listing())

    moved, changed = rig.file(held, region=None)

    assert changed
    assert moved.objection is not None
    assert (moved.objection.filed_by, moved.history[-1].by) == (OPERATOR, OPERATOR)
    assert rig.stored(held) == moved


def test_the_source_platform_may_file_an_objection_it_received(rig: Rig) -> None:
    held = rig.seed(listing())

    moved, _ = rig.file(held, region=CITY)

    assert moved.objection is not None
    assert moved.objection.filed_by == CITY


@pytest.mark.parametrize(
    ("origin", "status", "deadline"),
    [
        # court defaulters: Hunan's own 15 days (法释〔2017〕7号 第十二条)
        pytest.param(HUNAN, ListingStatus.SUSPENDED, date(2025, 6, 17), id="hunan"),
        pytest.param("430102", ListingStatus.SUSPENDED, date(2025, 6, 17), id="county-in-hunan"),
        pytest.param(XINZHENG, ListingStatus.ACTIVE, date(2025, 6, 18), id="xinzheng"),
    ],
)
def test_the_policy_of_the_listing_s_origin_decides_suspension_and_deadline(
    rig: Rig, origin: str, status: ListingStatus, deadline: date
) -> None:
    held = rig.seed(listing(region=origin))

    rig.file(held, region=origin)  # the owner files: the notice is the filing day

    stored = rig.stored(held)
    assert stored.objection is not None
    assert (stored.status, stored.objection.deadline) == (status, deadline)


def test_filing_advances_the_stored_version(rig: Rig) -> None:
    held = rig.seed(listing())

    moved, _ = rig.file(held)

    assert moved.version > held.version
    assert rig.store.written_versions[held.listing_id] == [held.version, moved.version]


def test_filing_the_same_objection_again_is_a_no_op(rig: Rig) -> None:
    held = rig.seed(listing())
    first, _ = rig.file(held)
    rig.clock.advance(timedelta(hours=1))

    again, changed = rig.file(held)

    assert (changed, again, len(rig.stored(held).history)) == (False, first, 1)


def test_another_objection_while_one_is_open_is_refused(rig: Rig) -> None:
    held = rig.seed(listing())
    rig.file(held)
    other = ObjectionFiling(objection_id="obj-2", reason="另一异议")

    with pytest.raises(ObjectionOpen) as raised:
        rig.service.file_objection(held.credit_code, held.listing_id, other, None)

    assert raised.value.code == "objection_open"


def test_an_objection_to_an_unknown_listing_is_not_found(rig: Rig) -> None:
    held = listing()

    with pytest.raises(NotFound):
        rig.file(held)


# -- only the source platform decides and repairs --


Act = Callable[[str], tuple[Listing, bool]]
Prepare = Callable[[Rig, Listing], Act]


def _decide(rig: Rig, held: Listing) -> Act:
    rig.file(held)
    return lambda region: rig.decide(held, region=region)


def _repair(rig: Rig, held: Listing) -> Act:
    rig.clock.set(REPAIR_DAY)
    return lambda region: rig.repair(held, region=region)


def _file(rig: Rig, held: Listing) -> Act:
    return lambda region: rig.file(held, region=region)


ACTIONS = [
    pytest.param(_decide, id="decide"),
    pytest.param(_repair, id="repair"),
    pytest.param(_file, id="file"),
]


@pytest.mark.parametrize("prepare", ACTIONS)
@pytest.mark.parametrize(
    "region",
    [
        pytest.param(COUNTY, id="a-county-below-the-origin"),
        pytest.param(OTHER_COUNTY, id="an-unrelated-region"),
        pytest.param(HUNAN, id="another-province"),
    ],
)
def test_a_region_that_neither_published_nor_relayed_the_listing_may_not_act(
    rig: Rig, prepare: Prepare, region: str
) -> None:
    held = rig.seed(listing())  # origin and provenance: the city
    act = prepare(rig, held)
    before = rig.store.versions()

    with pytest.raises(NotListingOwner) as raised:
        act(region)

    # filing is open to past recipients too, so its refusal says the region received nothing
    code = "listing_not_received" if prepare is _file else "not_listing_owner"
    assert (raised.value.code, rig.store.versions()) == (code, before)


@pytest.mark.parametrize("prepare", ACTIONS)
@pytest.mark.parametrize(
    ("provenances", "origin", "region"),
    [
        pytest.param([CITY], CITY, CITY, id="the-publisher"),
        pytest.param([CITY], CITY, GUANGDONG, id="the-province-above-the-origin"),
        pytest.param([COUNTY, CITY], COUNTY, CITY, id="the-relaying-city"),
        pytest.param([COUNTY], COUNTY, COUNTY, id="the-county-of-origin"),
    ],
)
def test_the_source_platform_may_act(
    rig: Rig, prepare: Prepare, provenances: list[str], origin: str, region: str
) -> None:
    held = rig.seed(listing(origin_region=origin, provenances=provenances))
    act = prepare(rig, held)

    moved, changed = act(region)

    assert changed
    assert moved.history[-1].by == region
    assert rig.stored(held).version == moved.version


def test_an_unknown_objection_id_is_not_found(rig: Rig) -> None:
    held = rig.seed(listing())
    rig.file(held)

    with pytest.raises(NotFound):
        rig.service.decide_objection(
            held.credit_code, held.listing_id, "obj-unknown", decision(), CITY
        )


def test_a_decision_with_no_objection_filed_is_not_found(rig: Rig) -> None:
    held = rig.seed(listing())

    with pytest.raises(NotFound):
        rig.decide(held)


def test_repair_before_the_minimum_period_is_refused_and_stores_nothing(rig: Rig) -> None:
    held = rig.seed(listing(domain="food_drug"))  # serious: repair from 2026-03-02

    with pytest.raises(RepairTooEarly) as raised:
        rig.repair(held)

    assert raised.value.context["earliest"] == "2026-03-02"
    assert rig.stored(held) == held


# -- replays and out-of-order messages --


def test_a_replayed_decision_is_a_no_op(rig: Rig) -> None:
    held = rig.seed(listing())
    rig.file(held)
    decided, _ = rig.decide(held, made=decision("upheld", minutes=2))

    replayed, changed = rig.decide(held, made=decision("upheld", minutes=2))

    assert (changed, replayed, rig.stored(held)) == (False, decided, decided)


def test_an_older_decision_arriving_late_is_a_no_op(rig: Rig) -> None:
    held = rig.seed(listing())
    rig.file(held)
    decided, _ = rig.decide(held, made=decision("upheld", minutes=3))

    late, changed = rig.decide(held, made=decision("revoked", minutes=2))

    assert (changed, late.status, rig.stored(held)) == (False, ListingStatus.ACTIVE, decided)


def test_a_decision_stamped_before_the_filing_still_decides_the_objection(rig: Rig) -> None:
    """The filing takes the gateway's time; a source clock behind it must not lose the verdict."""
    held = rig.seed(listing())
    filed, _ = rig.file(held)

    decided, changed = rig.decide(held, made=decision("revoked", minutes=-1))

    assert (changed, rig.stored(held).status) == (True, ListingStatus.REVOKED)
    assert decided.version > filed.version


@pytest.mark.parametrize(
    "minutes", [pytest.param(1, id="same-version"), pytest.param(0, id="older")]
)
def test_a_replayed_or_older_repair_is_a_no_op(rig: Rig, minutes: int) -> None:
    held = rig.seed(listing())
    rig.clock.set(REPAIR_DAY)
    repaired, _ = rig.repair(held, request=repair_request(minutes=1))

    replayed, changed = rig.repair(held, request=repair_request(minutes=minutes))

    assert (changed, replayed, rig.stored(held)) == (False, repaired, repaired)


# -- lost compare-and-set races --


class RacingListingStore(InMemoryListingStore):
    """Once ``racing``, another writer moves every listing read here forward at once."""

    racing = False

    def current(self, keys: Sequence[tuple[str, str]]) -> dict[str, Listing]:
        seen = super().current(keys)
        for held in seen.values():
            if self.racing:
                ahead = held.model_copy(update={"version": next_version(held.version)})
                self.write([(ahead, held.version)], None)
        return seen


@pytest.mark.parametrize("prepare", ACTIONS)
def test_a_write_that_loses_a_race_is_reported_as_listing_changed(prepare: Prepare) -> None:
    store = RacingListingStore()
    rig = Rig(store=store)
    held = rig.seed(listing())
    act = prepare(rig, held)
    store.racing = True

    with pytest.raises(ListingChanged) as raised:
        act(CITY)

    assert raised.value.code == "listing_changed"


# -- the tick: expiry --

EXPIRY_DAY = datetime(2027, 3, 2, 0, 30, tzinfo=CHINA)  # the default listing's valid_until


def test_the_tick_expires_listings_whose_end_has_come_and_leaves_the_others() -> None:
    rig = Rig(at=EXPIRY_DAY)
    due = rig.seed(listing())
    later = rig.seed(
        listing(credit_code=make_uscc(2), valid_from="2025-03-03", valid_until="2027-03-03")
    )
    red = rig.seed(
        listing(
            credit_code=make_uscc(3),
            kind="red",
            domain="a_grade_taxpayer",
            severity=None,
            legal_basis=None,
            valid_until=None,
        )
    )

    report = rig.service.tick()

    expired = rig.stored(due)
    assert (report.expired, report.purged, report.overdue_objections) == (1, 0, [])
    assert (expired.status, expired.history[-1].event, expired.history[-1].by) == (
        ListingStatus.EXPIRED,
        "expired",
        GATEWAY,
    )
    assert expired.version > due.version
    assert (rig.stored(later), rig.stored(red)) == (later, red)


def test_the_tick_expires_a_suspended_listing_too() -> None:
    rig = Rig()
    held = rig.seed(listing())
    rig.file(held)
    rig.clock.set(EXPIRY_DAY)

    report = rig.service.tick()

    assert (report.expired, rig.stored(held).status) == (1, ListingStatus.EXPIRED)


def test_a_second_tick_expires_nothing_more() -> None:
    rig = Rig(at=EXPIRY_DAY)
    held = rig.seed(listing())
    rig.service.tick()
    once = rig.stored(held)

    report = rig.service.tick()

    assert (report.expired, rig.stored(held)) == (0, once)


def test_the_tick_expires_by_the_day_in_beijing() -> None:
    rig = Rig(at=datetime(2027, 3, 1, 15, 59, tzinfo=UTC))  # 23:59 on 1 March in Beijing
    held = rig.seed(listing())

    before = rig.service.tick().expired
    rig.clock.advance(timedelta(minutes=1))
    after = rig.service.tick().expired

    assert (before, after, rig.stored(held).status) == (0, 1, ListingStatus.EXPIRED)


# -- the tick: retention --

ENDED = datetime(2020, 3, 10, 10, 0, tzinfo=CHINA)
FIVE_YEARS_ON = datetime(2025, 3, 10, 10, 0, tzinfo=CHINA)
PERSON_NAME = "李某某"


def ended(held: Listing, when: datetime = ENDED) -> Listing:
    gone = Removal(
        credit_code=held.credit_code,
        kind=held.kind,
        domain=held.domain,
        deciding_authority=held.deciding_authority,
        decision_number=held.decision_number,
        reason=RemovalReason.REPAIRED,
        source_updated_at=when,
    )
    return remove(held, gone, held.origin_region, when)


def person_listing(credit_code: str = RESIDENT_ID, **overrides: Any) -> Listing:
    """A natural person's black listing published in 2019, before it ``ended``."""
    fields: dict[str, Any] = {
        "decided_on": "2019-05-01",
        "valid_from": "2019-05-02",
        "valid_until": "2021-05-02",
        "source_updated_at": "2019-05-02T08:00:00+08:00",
        **overrides,
    }
    return listing(
        credit_code=credit_code,
        subject_name=PERSON_NAME,
        responsible_persons=[person(PERSON_NAME, "principal", credit_code)],
        **fields,
    )


def test_the_tick_purges_a_person_s_ended_black_listing_five_years_on() -> None:
    rig = Rig(at=FIVE_YEARS_ON)
    gone = rig.seed(ended(person_listing()))

    report = rig.service.tick()

    assert (report.purged, report.purged_by_region) == (1, {CITY: 1})
    assert rig.store.current([(gone.credit_code, gone.listing_id)]) == {}


def test_a_purge_erases_the_listings_other_copies_first_naming_its_tombstone() -> None:
    rig = Rig(at=FIVE_YEARS_ON)
    gone = rig.seed(ended(person_listing()))

    rig.service.tick()

    assert rig.erasure.erased == [(gone.listing_id, purge_id(gone), True)]


def test_the_purge_is_recorded_in_the_archive_with_counts_per_region_only() -> None:
    rig = Rig(at=FIVE_YEARS_ON)
    rig.seed(
        ended(person_listing()),
        ended(person_listing(make_resident_id(sequence=7), region=COUNTY)),
        ended(person_listing(make_resident_id(sequence=8), decision_number="(2019)粤1802执9号")),
    )

    rig.service.tick()

    [record] = rig.archive.objects
    assert record.key.startswith("purges/2025/03/10/")
    assert record.metadata == {"kind": "purge"}
    assert json.loads(record.body) == {
        "at": FIVE_YEARS_ON.isoformat(),
        "purged": 3,
        "by_region": {CITY: 2, COUNTY: 1},
    }


def test_the_purge_record_holds_no_personal_data() -> None:
    rig = Rig(at=FIVE_YEARS_ON)
    rig.seed(ended(person_listing()))

    rig.service.tick()

    body = rig.archive.objects[0].body
    escaped = json.dumps(PERSON_NAME).strip('"').encode()
    for secret in (RESIDENT_ID.encode(), PERSON_NAME.encode(), escaped):
        assert secret not in body


def test_the_retention_period_is_configurable() -> None:
    rig = Rig(at=datetime(2022, 3, 10, 10, 0, tzinfo=CHINA), retention_years=2)
    gone = rig.seed(ended(person_listing()))

    report = rig.service.tick()

    assert (report.purged, rig.store.current([(gone.credit_code, gone.listing_id)])) == (1, {})


@pytest.mark.parametrize(
    "kept",
    [
        pytest.param(lambda: ended(listing()), id="a-legal-person-s"),
        pytest.param(  # listed until deleted (第一条第一项): still in force
            lambda: person_listing(valid_until=None, open_ended=True), id="still-active"
        ),
        pytest.param(
            lambda: ended(person_listing(), datetime(2020, 3, 11, 10, 0, tzinfo=CHINA)),
            id="ended-a-day-less-than-five-years-ago",
        ),
    ],
)
def test_the_tick_never_purges_other_listings(kept: Callable[[], Listing]) -> None:
    rig = Rig(at=FIVE_YEARS_ON)
    held = rig.seed(kept())

    report = rig.service.tick()

    assert (report.purged, rig.stored(held), rig.archive.objects) == (0, held, [])
    assert rig.erasure.erased == []


# -- the tick: overdue objections --


def test_an_objection_past_its_deadline_is_reported_overdue() -> None:
    rig = Rig()
    held = rig.seed(listing(**FOOD_DRUG))
    rig.file(held, region=CITY)  # the owner files: 20 days on is Sunday 22 June, so the 23rd
    on_deadline = datetime(2025, 6, 23, 12, 0, tzinfo=CHINA)
    rig.clock.set(on_deadline)
    not_yet = (
        rig.service.tick().overdue_objections,
        OverdueLists(rig.store, rig.clock).objections()[0],
    )
    rig.clock.advance(timedelta(days=1))

    overdue = rig.service.tick().overdue_objections

    assert not_yet == ([], [])
    assert (
        overdue
        == OverdueLists(rig.store, rig.clock).objections()[0]
        == [
            {
                "listing_id": held.listing_id,
                "origin_region": CITY,
                "objection_id": "obj-1",
                "step": "decision",
                "deadline": "2025-06-23",
                "filed_at": NOW.isoformat(),
            }
        ]
    )


def test_a_decided_objection_is_never_overdue() -> None:
    rig = Rig()
    held = rig.seed(listing())
    rig.file(held)
    rig.decide(held)
    rig.clock.set(datetime(2025, 12, 1, tzinfo=UTC))

    assert rig.service.tick().overdue_objections == []


# -- a decided objection never puts an ended listing back in force --


def _removed_by_the_source(rig: Rig, held: Listing) -> None:
    current = rig.stored(held)
    gone = Removal(
        credit_code=held.credit_code,
        kind=held.kind,
        domain=held.domain,
        deciding_authority=held.deciding_authority,
        decision_number=held.decision_number,
        reason=RemovalReason.REVOKED,
        source_updated_at=stamp(1),
    )
    assert rig.store.write([(remove(current, gone, CITY, NOW), current.version)], None)


def _repaired_by_the_source(rig: Rig, held: Listing) -> None:
    rig.clock.set(REPAIR_DAY)
    made = RepairRequest(reason="已履行全部义务", source_updated_at=REPAIR_DAY)
    rig.repair(held, region=held.origin_region, request=made)


def _expired_by_the_tick(rig: Rig, held: Listing) -> None:
    rig.clock.set(EXPIRY_DAY)
    assert rig.service.tick().expired == 1


@pytest.mark.parametrize(
    "end",
    [
        pytest.param(_removed_by_the_source, id="removed"),
        pytest.param(_repaired_by_the_source, id="repaired"),
        pytest.param(_expired_by_the_tick, id="expired"),
    ],
)
@pytest.mark.parametrize(
    "origin", [pytest.param(HUNAN, id="suspended"), pytest.param(XINZHENG, id="not-suspended")]
)
def test_an_upheld_objection_does_not_put_an_ended_listing_back_in_force(
    rig: Rig, end: Callable[[Rig, Listing], None], origin: str
) -> None:
    # DESIGN §3: suspended → active | corrected | revoked; repaired/expired/revoked are final.
    held = rig.seed(listing(region=origin, provenances=[origin, CITY]))
    rig.file(held)
    end(rig, held)
    ended_as = rig.stored(held).status

    with contextlib.suppress(NotInForce, StaleAction):  # refused either way, as ended or stale
        late = ObjectionDecision(outcome="upheld", source_updated_at=rig.clock.now())
        rig.decide(held, region=origin, made=late)

    assert ended_as not in IN_FORCE
    assert rig.stored(held).status is ended_as


# -- retention never erases a listing under objection --


def test_a_listing_with_an_objection_named_is_not_purged() -> None:
    # DESIGN §4b: an objected listing is never deleted; it is held until the outcome.
    rig = Rig(at=ENDED - timedelta(days=1))
    held = rig.seed(person_listing(region=XINZHENG))  # 新郑: the listing stays active meanwhile
    rig.file(held)
    current = rig.stored(held)
    removed = ended(current)  # the source removes it the next day, objection still open
    assert removed.version > current.version
    assert rig.store.write([(removed, current.version)], None)
    rig.clock.set(FIVE_YEARS_ON + timedelta(days=1))

    report = rig.service.tick()

    assert report.purged == 0
    assert rig.stored(held).objection is not None


# -- ownership and the clock: a foreign provenance grants nothing; no version from the future --


@pytest.mark.parametrize("prepare", ACTIONS)
def test_a_region_in_the_provenances_but_outside_the_owners_chain_may_not_act(
    rig: Rig, prepare: Prepare
) -> None:
    held = rig.seed(listing(origin_region=COUNTY, provenances=[COUNTY, OTHER_COUNTY]))
    act = prepare(rig, held)
    before = rig.store.versions()

    with pytest.raises(NotListingOwner):
        act(OTHER_COUNTY)

    assert rig.store.versions() == before


@pytest.mark.parametrize("prepare", ACTIONS)
def test_an_ancestor_that_does_not_relay_may_not_act_for_its_sub_region(
    rig: Rig, prepare: Prepare
) -> None:
    rig.registry.put_region(region_of(CITY).model_copy(update={"relays_subregions": False}))
    held = rig.seed(listing(origin_region=COUNTY, provenances=[COUNTY]))
    act = prepare(rig, held)
    before = rig.store.versions()

    with pytest.raises(NotListingOwner):
        act(CITY)

    assert rig.store.versions() == before


def test_a_decision_stamped_beyond_the_clock_skew_is_refused_and_stores_nothing(rig: Rig) -> None:
    held = rig.seed(listing())
    rig.file(held)
    before = rig.store.versions()

    with pytest.raises(FutureVersion) as raised:
        rig.decide(held, made=decision("revoked", minutes=6))

    assert (raised.value.code, raised.value.context["path"]) == (
        "future_version",
        "source_updated_at",
    )
    assert rig.store.versions() == before


def test_a_decision_within_the_clock_skew_applies(rig: Rig) -> None:
    held = rig.seed(listing())
    rig.file(held)

    decided, changed = rig.decide(held, made=decision("revoked", minutes=5))

    assert (changed, decided.status) == (True, ListingStatus.REVOKED)


def test_a_repair_stamped_in_the_future_is_refused(rig: Rig) -> None:
    held = rig.seed(listing())
    rig.clock.set(REPAIR_DAY)
    before = rig.store.versions()
    ahead = RepairRequest(reason="已履行", source_updated_at=REPAIR_DAY + timedelta(days=365))

    with pytest.raises(FutureVersion):
        rig.repair(held, request=ahead)

    assert rig.store.versions() == before


def test_a_correction_decided_after_today_is_refused(rig: Rig) -> None:
    held = rig.seed(listing())
    rig.file(held)
    before = rig.store.versions()
    tomorrow = (NOW + timedelta(days=2)).date().isoformat()
    corrected = {**entry(), "decided_on": tomorrow, "valid_from": tomorrow}

    with pytest.raises(FutureDate) as raised:
        rig.decide(held, made=decision("corrected", corrected_entry=corrected))

    assert raised.value.context["path"] == "corrected_entry.decided_on"
    assert rig.store.versions() == before
