"""Pure lifecycle transitions: objections, decisions, repair, expiry, removal, retention."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from builders import (
    ABSENT,
    CITY,
    COUNTY,
    NOW,
    RESIDENT_ID,
    entry,
    evolved,
    listing,
    make_uscc,
    red_entry,
    with_status,
)
from hypothesis import given
from hypothesis import strategies as st

from gateway.lifecycle.objection_policies import ObjectionPolicy, shipped_policies
from gateway.lifecycle.objection_steps import decide_objection
from gateway.lifecycle.requests import (
    ObjectionDecision,
    ObjectionFiling,
    Removal,
    RemovalReason,
    RepairRequest,
)
from gateway.lifecycle.retention import purge_due
from gateway.lifecycle.rules import (
    NotInForce,
    ObjectionOpen,
    RepairTooEarly,
    earliest_repair,
    effective_valid_until,
    expire,
    expiry_due,
    file_objection,
    next_version,
    remove,
    repair,
    repaired_as,
)
from gateway.lifecycle.workdays import WorkdayCalendar
from gateway.ownership import GATEWAY
from gateway.recognition.matching import intensified_domains, recognise
from gateway_client.contract.change import ChangeType, change_between, classify_change, purged
from gateway_client.contract.clock import CHINA
from gateway_client.contract.errors import BadRequest
from gateway_client.contract.listing import (
    Listing,
    ListingEntry,
    ListingStatus,
    Transition,
    version_of,
)

HUNAN = "430000"  # 湖南省: 20 calendar days, measures suspended
XINZHENG = "410184"  # 新郑市: 12 working days, not suspended
CALENDAR = WorkdayCalendar()
FILING = ObjectionFiling(objection_id="obj-1", reason="当事人已履行完毕")
FILED_AT = NOW  # 2025-06-02 (a Monday, the Dragon Boat Festival day off)


def at(hours: int) -> datetime:
    """A source platform's stamp ``hours`` after the filing."""
    return FILED_AT + timedelta(hours=hours)


def policy(region: str) -> ObjectionPolicy:
    return shipped_policies().for_listing(region, listing().domain)


def held_in(region: str, **overrides: Any) -> Listing:
    return listing(region=region, **overrides)


def filed(region: str) -> Listing:
    return file_objection(held_in(region), FILING, "operator", FILED_AT, policy(region), CALENDAR)


def decision(outcome: str, hours: int = 1, **fields: Any) -> ObjectionDecision:
    return ObjectionDecision.model_validate(
        {"outcome": outcome, "source_updated_at": at(hours), "source_sequence": 0, **fields}
    )


def corrected_entry(**overrides: Any) -> ListingEntry:
    raw = entry(
        reason="更正: 被执行人已部分履行",
        severity="general",
        valid_until="2026-03-02",
        source_updated_at="2025-06-02T20:00:00+08:00",
        source_sequence=9,
        **overrides,
    )
    return ListingEntry.model_validate(raw)


def removal_of(held: Listing, reason: RemovalReason, hours: int = 1) -> Removal:
    return Removal(
        credit_code=held.credit_code,
        kind=held.kind,
        domain=held.domain,
        deciding_authority=held.deciding_authority,
        decision_number=held.decision_number,
        reason=reason,
        note="依法移出",
        source_updated_at=at(hours),
        performed_on=date(2025, 6, 1) if reason is RemovalReason.PERFORMED else None,
    )


REPAIR = RepairRequest(reason="已履行全部义务", source_updated_at=at(1))

# -- every transition, its status, its history event and the change subscribers hear --

Step = Callable[[], tuple[Listing, Listing]]


def _objection_suspending() -> tuple[Listing, Listing]:
    return held_in(HUNAN), filed(HUNAN)


def _objection_not_suspending() -> tuple[Listing, Listing]:
    return held_in(XINZHENG), filed(XINZHENG)


def _decided(region: str, outcome: str, **fields: Any) -> Step:
    def step() -> tuple[Listing, Listing]:
        old = filed(region)
        return old, decide_objection(old, decision(outcome, **fields), CITY, at(2), CALENDAR)

    return step


def _repaired() -> tuple[Listing, Listing]:
    old = listing()
    return old, repair(old, REPAIR, CITY, datetime(2026, 3, 2, tzinfo=CHINA))


def _expired() -> tuple[Listing, Listing]:
    old = listing()
    return old, expire(old, datetime(2027, 3, 2, 1, 0, tzinfo=CHINA))


def _removed(reason: RemovalReason) -> Step:
    def step() -> tuple[Listing, Listing]:
        old = listing()
        return old, remove(old, removal_of(old, reason), CITY, at(2))

    return step


TRANSITIONS = [
    pytest.param(
        _objection_suspending,
        ChangeType.SUSPENDED,
        ListingStatus.SUSPENDED,
        "objection_filed",
        id="objection-filed-where-the-policy-suspends",
    ),
    pytest.param(
        _objection_not_suspending,
        ChangeType.OBJECTION_FILED,
        ListingStatus.ACTIVE,
        "objection_filed",
        id="objection-filed-where-the-policy-does-not-suspend",
    ),
    pytest.param(
        _decided(HUNAN, "upheld"),
        ChangeType.REINSTATED,
        ListingStatus.ACTIVE,
        "objection_decided",
        id="upheld-after-suspension",
    ),
    pytest.param(
        _decided(XINZHENG, "upheld"),
        ChangeType.OBJECTION_DECIDED,
        ListingStatus.ACTIVE,
        "objection_decided",
        id="upheld-without-suspension",
    ),
    pytest.param(
        _decided(HUNAN, "corrected", corrected_entry=corrected_entry()),
        ChangeType.CORRECTED,
        ListingStatus.ACTIVE,
        "objection_decided",
        id="corrected-after-suspension",
    ),
    pytest.param(
        _decided(XINZHENG, "corrected", corrected_entry=corrected_entry()),
        ChangeType.CORRECTED,
        ListingStatus.ACTIVE,
        "objection_decided",
        id="corrected-without-suspension",
    ),
    pytest.param(
        _decided(HUNAN, "revoked"),
        ChangeType.REVOKED,
        ListingStatus.REVOKED,
        "objection_decided",
        id="revoked-after-suspension",
    ),
    pytest.param(
        _decided(XINZHENG, "revoked"),
        ChangeType.REVOKED,
        ListingStatus.REVOKED,
        "objection_decided",
        id="revoked-without-suspension",
    ),
    pytest.param(
        _repaired, ChangeType.REPAIRED, ListingStatus.REPAIRED, "repaired", id="credit-repair"
    ),
    pytest.param(_expired, ChangeType.EXPIRED, ListingStatus.EXPIRED, "expired", id="expiry"),
    *[
        pytest.param(
            _removed(reason),
            ChangeType(reason.value),
            ListingStatus(reason.value),
            "removed",
            id=f"removed-as-{reason.value}",
        )
        for reason in RemovalReason
    ],
]


@pytest.mark.parametrize(("step", "change_type", "status", "event"), TRANSITIONS)
def test_each_transition_is_named_for_subscribers_by_its_change_type(
    step: Step, change_type: ChangeType, status: ListingStatus, event: str
) -> None:
    old, new = step()

    made = change_between(new, old)

    assert made is not None
    assert (classify_change(new, old), made.type) == (change_type, change_type)
    assert (made.previous_version, made.previous_status) == (old.version, old.status)


@pytest.mark.parametrize(("step", "change_type", "status", "event"), TRANSITIONS)
def test_each_transition_moves_the_status_and_appends_one_history_step(
    step: Step, change_type: ChangeType, status: ListingStatus, event: str
) -> None:
    old, new = step()

    assert new.status is status
    assert new.history[: len(old.history)] == old.history
    assert len(new.history) == len(old.history) + 1
    assert (new.history[-1].event, new.history[-1].status) == (event, status)


@pytest.mark.parametrize(("step", "change_type", "status", "event"), TRANSITIONS)
def test_each_transition_strictly_increases_the_version(
    step: Step, change_type: ChangeType, status: ListingStatus, event: str
) -> None:
    old, new = step()

    assert new.version > old.version


def test_a_purge_is_announced_as_purged_with_the_last_version_it_had() -> None:
    gone = with_status(listing(credit_code=RESIDENT_ID), ListingStatus.REPAIRED)

    made = purged(gone, NOW)

    assert (made.type, made.previous_version, made.previous_status, made.occurred_at) == (
        ChangeType.PURGED,
        gone.version,
        ListingStatus.REPAIRED,
        NOW,
    )


def test_the_same_listing_at_the_same_version_is_not_a_change() -> None:
    held = listing()

    assert change_between(held, held) is None


# -- objections --


def test_an_objection_under_a_suspending_policy_has_a_calendar_day_deadline() -> None:
    # Hunan sets court defaulters apart: 15 days (法释〔2017〕7号 第十二条), from the notice;
    # filed by the owner itself here, so the notice is the filing day.
    objection = filed(HUNAN).objection

    assert objection is not None
    assert (objection.deadline, objection.deadline_basis, objection.suspends) == (
        date(2025, 6, 17),
        "15 calendar days from the notice (收到核查通知之日 2025-06-02)",
        True,
    )


def test_an_objection_under_xinzheng_policy_counts_twelve_working_days() -> None:
    # Filed on 2 June 2025 (端午 day off): working days 3–6, 9–13, 16–18 June.
    objection = filed(XINZHENG).objection

    assert objection is not None
    assert (objection.deadline, objection.deadline_basis, objection.suspends) == (
        date(2025, 6, 18),
        "12 working days (chinese-calendar) from the filing (2025-06-02)",
        False,
    )


def test_the_objection_records_who_filed_it_when_and_why() -> None:
    objection = filed(HUNAN).objection

    assert objection is not None
    assert (objection.objection_id, objection.filed_by, objection.filed_at, objection.reason) == (
        "obj-1",
        "operator",
        FILED_AT,
        FILING.reason,
    )
    assert objection.open


def test_a_second_objection_while_one_is_open_is_refused() -> None:
    other = ObjectionFiling(objection_id="obj-2", reason="另一异议")

    with pytest.raises(ObjectionOpen) as raised:
        file_objection(filed(XINZHENG), other, "operator", at(1), policy(XINZHENG), CALENDAR)

    assert raised.value.code == "objection_open"


@pytest.mark.parametrize(
    "status",
    [ListingStatus.REPAIRED, ListingStatus.EXPIRED, ListingStatus.REVOKED],
)
def test_no_objection_can_be_filed_against_a_listing_no_longer_in_force(
    status: ListingStatus,
) -> None:
    ended = with_status(listing(), status)

    with pytest.raises(NotInForce):
        file_objection(ended, FILING, "operator", NOW, policy(CITY), CALENDAR)


def test_a_new_objection_may_be_filed_once_the_previous_one_is_decided() -> None:
    decided = decide_objection(filed(HUNAN), decision("upheld"), CITY, at(2), CALENDAR)
    again = ObjectionFiling(objection_id="obj-2", reason="新的异议")

    refiled = file_objection(decided, again, "operator", at(3), policy(HUNAN), CALENDAR)

    assert refiled.objection is not None
    assert (refiled.objection.objection_id, refiled.status) == ("obj-2", ListingStatus.SUSPENDED)


def test_a_decision_closes_the_objection_with_its_outcome_and_note() -> None:
    decided = decide_objection(filed(HUNAN), decision("upheld", note="维持"), CITY, at(2), CALENDAR)

    assert decided.objection is not None
    assert (decided.objection.outcome, decided.objection.decision_note) == ("upheld", "维持")
    assert (decided.objection.decided_at, decided.objection.open) == (at(2), False)


def test_a_decision_takes_the_version_the_source_stamped_it_with() -> None:
    decided = decide_objection(filed(HUNAN), decision("upheld", hours=3), CITY, at(4), CALENDAR)

    assert decided.version == version_of(at(3), 0)


def test_a_correction_replaces_the_content_but_keeps_identity_and_origin() -> None:
    old = filed(HUNAN)
    fixed = corrected_entry()

    new = decide_objection(old, decision("corrected", corrected_entry=fixed), CITY, at(2), CALENDAR)

    assert (new.reason, new.severity, new.valid_until) == (
        fixed.reason,
        fixed.severity,
        fixed.valid_until,
    )
    assert (new.listing_id, new.origin_region, new.version) == (
        old.listing_id,
        HUNAN,
        version_of(at(1), 0),
    )


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        pytest.param({"corrected_entry": None}, "corrected_entry", id="missing-corrected-entry"),
        pytest.param(
            {"corrected_entry": corrected_entry(decision_number="(2025)粤1802执999号")},
            "corrected_entry.decision_number",
            id="another-decision-number",
        ),
        pytest.param(
            {"corrected_entry": corrected_entry(deciding_authority="清远市中级人民法院")},
            "corrected_entry.deciding_authority",
            id="another-authority",
        ),
        pytest.param(
            {"corrected_entry": corrected_entry(credit_code=make_uscc(7))},
            "corrected_entry.credit_code",
            id="another-code",
        ),
        pytest.param(  # the same authority spelt with a space (review 53): the number differs
            {
                "corrected_entry": corrected_entry(
                    decision_number="(2025)粤1802执999号",
                    deciding_authority=entry()["deciding_authority"] + "\u3000",
                )
            },
            "corrected_entry.decision_number",
            id="same-authority-spelt-otherwise",
        ),
        pytest.param(  # another listing is named before a platform's moving it (review 60 F10)
            {
                "corrected_entry": corrected_entry(
                    decision_number="(2025)粤1802执999号", origin_region=XINZHENG
                )
            },
            "corrected_entry.decision_number",
            id="another-number-given-elsewhere",
        ),
    ],
)
def test_a_correction_must_carry_an_entry_for_the_same_listing(
    fields: dict[str, Any], path: str
) -> None:
    """Review 48: the field that makes it another listing is named, not the whole entry."""
    with pytest.raises(BadRequest) as raised:
        decide_objection(filed(HUNAN), decision("corrected", **fields), CITY, at(2), CALENDAR)

    assert raised.value.context["path"] == path


def test_a_decision_without_an_objection_named_is_refused() -> None:
    with pytest.raises(NotInForce):
        decide_objection(listing(), decision("upheld"), CITY, at(2), CALENDAR)


# -- the objection policy of the nearest region that has one --


@pytest.mark.parametrize(
    ("region", "policy_of"),
    [
        pytest.param(HUNAN, HUNAN, id="hunan-itself"),
        pytest.param("430102", HUNAN, id="a-county-under-hunan"),
        pytest.param("430100", HUNAN, id="a-city-under-hunan"),
        pytest.param(COUNTY, COUNTY, id="qingcheng-itself"),
        pytest.param(XINZHENG, XINZHENG, id="xinzheng-itself"),
    ],
)
def test_the_policy_of_the_nearest_enclosing_region_applies(region: str, policy_of: str) -> None:
    book = shipped_policies()

    assert book.for_listing(region, "food_drug") == book.regions[policy_of].for_domain("food_drug")


@pytest.mark.parametrize(
    "region",
    [
        pytest.param("110105", id="unknown-region"),
        pytest.param(CITY, id="qingcheng-s-city-is-not-under-qingcheng"),
        pytest.param("410100", id="xinzheng-s-city-is-not-under-xinzheng"),
    ],
)
def test_a_region_without_a_policy_above_it_gets_the_default(region: str) -> None:
    book = shipped_policies()

    assert book.for_listing(region, "food_drug") == book.default.for_domain("food_drug")


def test_the_shipped_policies_match_the_seeds() -> None:
    book = shipped_policies()

    assert [
        (book.regions[r].suspends, book.regions[r].deadline, book.regions[r].unit)
        for r in (HUNAN, XINZHENG, COUNTY)
    ] == [
        (True, 20, "calendar_days"),
        (False, 12, "working_days"),
        (True, 20, "calendar_days"),
    ]


# -- credit repair --


@pytest.mark.parametrize(
    ("domain", "severity", "valid_from", "earliest"),
    [
        # court defaulters have no waiting period (法释〔2017〕7号: test_court_defaulters.py)
        pytest.param("food_drug", "general", "2025-01-31", "2025-05-01", id="general-3m"),
        pytest.param(
            "food_drug", "relatively_serious", "2025-01-10", "2025-07-10", id="serious-6m"
        ),
        pytest.param("food_drug", "serious", "2024-06-15", "2025-06-15", id="serious-12m"),
        pytest.param("work_safety", "serious", "2025-01-10", "2026-01-10", id="work-safety-1y"),
        # 安全生产's year is 严重失信's (DESIGN §4b): a general listing waits its severity's
        pytest.param("work_safety", "general", "2025-01-31", "2025-05-01", id="work-safety-3m"),
        pytest.param(
            "market_regulation", "serious", "2024-02-29", "2025-03-01", id="market-reg-1y"
        ),
    ],
)
def test_repair_is_possible_after_the_minimum_publicity_period(
    domain: str, severity: str, valid_from: str, earliest: str
) -> None:
    held = listing(domain=domain, severity=severity, decided_on=valid_from, valid_from=valid_from)
    first_day = date.fromisoformat(earliest)
    day_before = datetime.combine(first_day, datetime.min.time(), CHINA) - timedelta(minutes=1)

    with pytest.raises(RepairTooEarly) as raised:
        repair(held, REPAIR, CITY, day_before)
    repaired = repair(held, REPAIR, CITY, day_before + timedelta(minutes=2))

    assert earliest_repair(held) == first_day
    assert (raised.value.code, raised.value.context["earliest"]) == ("repair_too_early", earliest)
    assert repaired.status is ListingStatus.REPAIRED


def test_the_repair_day_is_the_day_in_beijing() -> None:
    # valid from 2025-01-31 (general): three months to 30 April (民法典 202), repair from 1 May,
    # which begins 16:00 UTC the day before
    held = listing(
        domain="food_drug", severity="general", decided_on="2025-01-31", valid_from="2025-01-31"
    )

    with pytest.raises(RepairTooEarly):
        repair(held, REPAIR, CITY, datetime(2025, 4, 30, 15, 59, tzinfo=UTC))
    repaired = repair(held, REPAIR, CITY, datetime(2025, 4, 30, 16, 0, tzinfo=UTC))

    assert repaired.status is ListingStatus.REPAIRED


def test_a_repair_records_who_repaired_it_and_the_reason() -> None:
    repaired = repair(listing(), REPAIR, COUNTY, datetime(2026, 3, 2, tzinfo=CHINA))

    step = repaired.history[-1]
    assert (step.by, step.reason, step.note, repaired.version) == (
        COUNTY,
        "credit repair",
        "已履行全部义务",  # the subject's account: withheld where shown masked (review 244)
        REPAIR.version,
    )


def test_a_repair_stored_with_its_reason_in_the_step_is_still_the_same_repair() -> None:
    """Repairs made before the reason moved to the step's ``note`` said it in the reason: the
    same repair sent again is still a replay, another one still refused."""
    repaired = repair(listing(), REPAIR, COUNTY, datetime(2026, 3, 2, tzinfo=CHINA))
    step = repaired.history[-1]
    old = step.model_copy(update={"reason": f"credit repair: {REPAIR.reason}", "note": None})
    stored = repaired.model_copy(update={"history": (*repaired.history[:-1], old)})

    assert repaired_as(stored, REPAIR)
    assert not repaired_as(stored, REPAIR.model_copy(update={"reason": "另一理由"}))


def test_a_red_listing_cannot_be_repaired() -> None:
    with pytest.raises(BadRequest):
        repair(listing(red_entry()), REPAIR, CITY, datetime(2030, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    "status",
    [
        ListingStatus.REPAIRED,
        ListingStatus.EXPIRED,
        ListingStatus.REVOKED,
        ListingStatus.CORRECTED,
    ],
)
def test_a_listing_no_longer_in_force_cannot_be_repaired(status: ListingStatus) -> None:
    with pytest.raises(NotInForce) as raised:
        repair(with_status(listing(), status), REPAIR, CITY, datetime(2030, 1, 1, tzinfo=UTC))

    assert raised.value.code == "listing_not_in_force"


# -- expiry --


@pytest.mark.parametrize(
    ("overrides", "until"),
    [
        pytest.param({"valid_until": "2025-09-30"}, "2025-09-30", id="as-pushed"),
        pytest.param(
            {"valid_until": ABSENT, "domain": "court_defaulter"}, "2027-03-02", id="court-2y"
        ),
        pytest.param(
            {"valid_until": ABSENT, "domain": "major_tax_violation"}, "2028-03-02", id="tax-3y"
        ),
        pytest.param(
            {"valid_until": ABSENT, "domain": "work_safety", "severity": "serious"},
            "2028-03-02",
            id="work-safety-3y-when-serious",
        ),
        pytest.param(
            {"valid_until": ABSENT, "domain": "work_safety", "severity": "general"},
            "2026-03-02",
            id="work-safety-general-12-months",
        ),
        pytest.param(
            {"valid_until": ABSENT, "domain": "ecology_environment", "severity": "general"},
            "2026-03-02",
            id="general-12-months",
        ),
        pytest.param(
            {"valid_until": ABSENT, "domain": "ecology_environment", "severity": "serious"},
            "2028-03-02",
            id="serious-36-months",
        ),
    ],
)
def test_the_effective_end_is_as_pushed_else_the_domain_else_the_severity_maximum(
    overrides: dict[str, Any], until: str
) -> None:
    held = listing(**overrides)  # valid from 2025-03-02

    assert effective_valid_until(held) == date.fromisoformat(until)


def test_a_red_listing_without_an_end_never_expires() -> None:
    held = listing(red_entry(valid_until=ABSENT))

    assert (effective_valid_until(held), expiry_due(held, date(2099, 1, 1))) == (None, False)


@pytest.mark.parametrize(
    ("status", "today", "due"),
    [
        pytest.param(ListingStatus.ACTIVE, "2027-03-01", False, id="the-day-before"),
        pytest.param(ListingStatus.ACTIVE, "2027-03-02", True, id="on-valid-until"),
        pytest.param(ListingStatus.ACTIVE, "2027-06-01", True, id="after"),
        pytest.param(ListingStatus.SUSPENDED, "2027-03-02", True, id="suspended"),
        pytest.param(ListingStatus.REPAIRED, "2027-06-01", False, id="repaired"),
        pytest.param(ListingStatus.EXPIRED, "2027-06-01", False, id="already-expired"),
        pytest.param(ListingStatus.REVOKED, "2027-06-01", False, id="revoked"),
    ],
)
def test_expiry_is_due_for_a_listing_in_force_once_its_end_is_reached(
    status: ListingStatus, today: str, due: bool
) -> None:
    held = with_status(listing(), status)  # valid until 2027-03-02

    assert expiry_due(held, date.fromisoformat(today)) is due


def test_the_gateway_expires_a_listing_in_its_own_name() -> None:
    expired = expire(listing(), datetime(2027, 3, 2, 1, 0, tzinfo=CHINA))

    step = expired.history[-1]
    assert (step.by, step.reason, expired.accepted_at) == (
        GATEWAY,
        "publicity period over",
        datetime(2027, 3, 2, 1, 0, tzinfo=CHINA),
    )


SOURCE_V7 = version_of(datetime(2025, 6, 1, tzinfo=UTC), 7)


def test_the_gateway_revises_the_sources_version_never_its_stamp() -> None:
    """A step the gateway takes itself keeps the owner's version and adds a revision: later
    than it, earlier than anything the owner stamps after it (even a moment after)."""
    first = next_version(SOURCE_V7)
    second = next_version(first)

    assert (first, second) == (f"{SOURCE_V7}.g000001", f"{SOURCE_V7}.g000002")
    assert SOURCE_V7 < first < second < version_of(datetime(2025, 6, 1, tzinfo=UTC), 8)
    assert second < version_of(datetime(2025, 6, 1, 0, 0, 0, 1, tzinfo=UTC), 0)


@given(
    st.datetimes(
        min_value=datetime(1950, 1, 1), max_value=datetime(2190, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(min_value=0, max_value=10**12 - 1),
    st.integers(min_value=0, max_value=50),
    st.datetimes(
        min_value=datetime(1950, 1, 1), max_value=datetime(2190, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(min_value=0, max_value=10**12),
)
def test_revisions_sort_between_a_version_and_every_later_source_version(
    at: datetime, sequence: int, steps: int, later_at: datetime, later_sequence: int
) -> None:
    base = version_of(at, sequence)
    revised = base
    for _ in range(steps):
        revised = next_version(revised)
    later = version_of(later_at, later_sequence)

    assert base <= revised
    if (later_at, later_sequence) > (at, sequence):
        assert revised < later


# -- removals --


@pytest.mark.parametrize("reason", list(RemovalReason))
def test_a_removal_keeps_the_listing_with_the_reason_as_its_status(reason: RemovalReason) -> None:
    old = listing()

    new = remove(old, removal_of(old, reason, hours=5), COUNTY, at(6))

    assert (new.status, new.version, new.listing_id) == (
        ListingStatus(reason.value),
        version_of(at(5), 0),
        old.listing_id,
    )
    assert new.history[-1] == Transition(
        event="removed",
        status=ListingStatus(reason.value),
        at=at(6),
        by=COUNTY,
        reason=f"removed: {reason.value}",
        note="依法移出",  # withheld where the listing is shown masked (review 244)
    )


def test_a_removal_names_the_listing_by_its_identity() -> None:
    held = listing()

    assert removal_of(held, RemovalReason.REVOKED).listing_id == held.listing_id


# -- retention --

ENDED = datetime(2020, 3, 10, 2, 0, tzinfo=UTC)


def ended_listing(credit_code: str = RESIDENT_ID, **overrides: Any) -> Listing:
    held = listing(credit_code=credit_code, **overrides)
    return remove(held, removal_of(held, RemovalReason.REPAIRED), CITY, ENDED)


@pytest.mark.parametrize(
    ("today", "years", "due"),
    [
        pytest.param(date(2025, 3, 9), 5, False, id="a-day-short-of-five-years"),
        pytest.param(date(2025, 3, 10), 5, True, id="five-years-on"),
        pytest.param(date(2022, 3, 10), 2, True, id="configured-two-years"),
        pytest.param(date(2022, 3, 9), 2, False, id="a-day-short-of-two-years"),
    ],
)
def test_a_person_s_ended_black_listing_is_purged_years_after_the_conduct_ended(
    today: date, years: int, due: bool
) -> None:
    assert purge_due(ended_listing(), today, years) is due


def test_a_listing_that_ended_without_history_counts_from_its_last_acceptance() -> None:
    held = evolved(
        with_status(listing(credit_code=RESIDENT_ID), ListingStatus.EXPIRED), accepted_at=ENDED
    )

    assert (purge_due(held, date(2025, 3, 9)), purge_due(held, date(2025, 3, 10))) == (
        False,
        True,
    )


@pytest.mark.parametrize(
    "held",
    [
        pytest.param(ended_listing("91110000600037341L"), id="a-legal-person"),
        pytest.param(listing(credit_code=RESIDENT_ID), id="still-active"),
        pytest.param(
            with_status(listing(credit_code=RESIDENT_ID), ListingStatus.SUSPENDED),
            id="suspended",
        ),
        pytest.param(
            with_status(listing(red_entry()), ListingStatus.EXPIRED),
            id="an-organisations-red-listing",
        ),
    ],
)
def test_other_listings_are_never_purged(held: Listing) -> None:
    assert purge_due(held, date(2099, 1, 1)) is False


# -- recognition of listings that are not in force --


def test_a_suspended_listing_is_not_recognised_because_its_measures_are_suspended() -> None:
    outcome = recognise(with_status(listing(), ListingStatus.SUSPENDED), CITY, [], NOW.date())

    assert (outcome.recognised, outcome.reasons, outcome.measures) == (
        False,
        ("measures_suspended",),
        (),
    )


@pytest.mark.parametrize(
    "status",
    [
        ListingStatus.REPAIRED,
        ListingStatus.EXPIRED,
        ListingStatus.REVOKED,
        ListingStatus.CORRECTED,
    ],
)
def test_a_listing_no_longer_in_force_is_not_recognised(status: ListingStatus) -> None:
    outcome = recognise(with_status(listing(), status), CITY, [], NOW.date())

    assert (outcome.recognised, outcome.reasons) == (False, ("listing_not_in_force",))


def test_an_active_listing_of_the_own_subtree_is_still_recognised() -> None:
    assert recognise(listing(), CITY, [], NOW.date()).recognised


@pytest.mark.parametrize(
    "status",
    [
        ListingStatus.SUSPENDED,
        ListingStatus.REPAIRED,
        ListingStatus.EXPIRED,
        ListingStatus.REVOKED,
    ],
)
def test_intensified_domains_ignore_listings_not_in_force(status: ListingStatus) -> None:
    tax = listing(
        domain="major_tax_violation",
        deciding_authority="国家税务总局清远市税务局",
        decision_number="清税稽罚〔2025〕7号",
    )
    court = with_status(listing(), status)

    assert intensified_domains([court, tax], CITY, [], NOW.date()) == frozenset(
        {"major_tax_violation"}
    )
