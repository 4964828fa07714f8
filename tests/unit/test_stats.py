"""Monthly statistics for a region's subtree, on a small data set whose answers are known."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from builders import CITY, COUNTY, OTHER_COUNTY, evolved, listing, make_uscc, red_entry

from gateway.delivery.records import DeliveryRecord, DeliveryState
from gateway.intake.push import PushResult
from gateway.lifecycle.objection_policies import shipped_policies
from gateway.lifecycle.objection_steps import decide_objection
from gateway.lifecycle.requests import ObjectionDecision, ObjectionFiling, RepairRequest
from gateway.lifecycle.rules import expire, file_objection, repair
from gateway.lifecycle.workdays import WorkdayCalendar
from gateway.recognition.feedback import ExecutedMeasure, Feedback
from gateway.statistics.cases import PilotTarget, PilotTargets, shipped_pilots
from gateway.statistics.monthly import Month, MonthlyStats, Usage, monthly_stats
from gateway_client.contract.clock import CHINA
from gateway_client.contract.listing import Listing

OCTOBER = Month(2026, 10)  # 国庆 1–7 October, Saturday 10 October worked
TODAY = date(2026, 11, 5)
CALENDAR = WorkdayCalendar()
PROVINCE = "440000"


def beijing(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), CHINA).replace(hour=hour)


def held(
    serial: int,
    listed: str,
    *,
    region: str = CITY,
    base: dict[str, Any] | None = None,
    **fields: Any,
) -> Listing:
    """A listing first accepted on ``listed`` (Beijing), decided and valid from ``decided``."""
    decided = fields.pop("decided", "2026-03-02")
    made = listing(
        base,
        region=region,
        credit_code=make_uscc(serial),
        decided_on=decided,
        valid_from=decided,
        valid_until="2029-12-31",
        **fields,
    )
    return evolved(made, listed_at=beijing(listed), accepted_at=beijing(listed))


def objected(item: Listing, on: str, objection_id: str = "obj-1") -> Listing:
    filing = ObjectionFiling(objection_id=objection_id, reason="异议")
    policy = shipped_policies().for_listing(item.origin_region, item.domain)
    return file_objection(item, filing, "operator", beijing(on), policy, CALENDAR)


def upheld(item: Listing, on: str) -> Listing:
    made = ObjectionDecision(outcome="upheld", source_updated_at=beijing(on))
    return decide_objection(item, made, item.origin_region, beijing(on), CALENDAR)


def repaired(item: Listing, on: str) -> Listing:
    request = RepairRequest(reason="已履行", source_updated_at=beijing(on))
    return repair(item, request, item.origin_region, beijing(on))


# Publication in October: 4, 12 and 2 working days (11, 22 and 2 calendar days).
COURT_SERIOUS = held(1, "2026-10-09", decided="2026-09-28")
COURT_GENERAL_COUNTY = held(
    2, "2026-10-20", region=COUNTY, decided="2026-09-28", severity="general"
)
ECOLOGY_UPHELD = upheld(
    objected(
        held(
            3,
            "2026-10-14",
            decided="2026-10-12",
            domain="ecology_environment",
            severity="relatively_serious",
        ),
        "2026-10-15",
    ),
    "2026-10-16",
)
# Objections (20 calendar days): one opened in October and overdue (→ 25 October), one opened
# in October and still in time (→ 9 November), one opened in September and overdue (→ 30 Sep).
WORK_SAFETY_OVERDUE = objected(held(4, "2026-05-10", domain="work_safety"), "2026-10-05")
FOOD_DRUG_IN_TIME = objected(held(5, "2026-05-11", domain="food_drug"), "2026-10-20")
PRODUCT_OVERDUE = objected(held(6, "2026-05-12", domain="product_quality"), "2026-09-10")
# Repairs and expiries: one each in October, one repair in September.
REPAIRED_IN_OCTOBER = repaired(held(7, "2025-01-10", decided="2025-01-10"), "2026-10-20")
# expired by hand before its period ends (2028): its step is dated when that ran
EXPIRED_IN_OCTOBER = expire(held(8, "2025-10-10", decided="2025-10-10"), beijing("2026-10-03"))
REPAIRED_IN_SEPTEMBER = repaired(held(9, "2025-01-11", decided="2025-01-11"), "2026-09-15")
# Red listings: one active, one revoked by an objection.
RED_ACTIVE = held(10, "2026-04-01", base=red_entry())
RED_REVOKED = decide_objection(
    objected(held(11, "2026-04-02", base=red_entry()), "2026-10-06"),
    ObjectionDecision(outcome="revoked", source_updated_at=beijing("2026-10-08")),
    CITY,
    beijing("2026-10-08"),
    CALENDAR,
)
# Outside the subtree: never counted.
ELSEWHERE = repaired(
    objected(held(12, "2026-10-12", region=OTHER_COUNTY, decided="2025-01-12"), "2026-10-13"),
    "2026-10-14",
)
LISTINGS = [
    COURT_SERIOUS,
    COURT_GENERAL_COUNTY,
    ECOLOGY_UPHELD,
    WORK_SAFETY_OVERDUE,
    FOOD_DRUG_IN_TIME,
    PRODUCT_OVERDUE,
    REPAIRED_IN_OCTOBER,
    EXPIRED_IN_OCTOBER,
    REPAIRED_IN_SEPTEMBER,
    RED_ACTIVE,
    RED_REVOKED,
    ELSEWHERE,
]


def batch(batch_id: str, region: str, received: datetime, **counts: int) -> PushResult:
    return PushResult.model_validate(
        {
            "batch_id": batch_id,
            "region": region,
            "received_at": received,
            "accepted": 0,
            "duplicate": 0,
            "removed": 0,
            "rejected": 0,
            "outcomes": (),
            "errors": (),
            **counts,
        }
    )


BATCHES = [
    batch("p1", CITY, beijing("2026-10-09"), accepted=3, duplicate=1, removed=1),
    batch("p2", COUNTY, beijing("2026-10-20"), accepted=2, rejected=1),
    batch("p3", CITY, datetime(2026, 9, 30, 17, 0, tzinfo=UTC), accepted=1),  # 1 Oct in Beijing
    batch("p4", CITY, datetime(2026, 9, 30, 15, 0, tzinfo=UTC), accepted=5),  # 30 Sep in Beijing
    batch("p5", OTHER_COUNTY, beijing("2026-10-09"), accepted=7),
    batch("p6", PROVINCE, beijing("2026-10-09"), accepted=11),
]


def msg(n: int) -> str:
    return f"msg_{n:032x}"


def delivered(
    n: int,
    subscription_id: str,
    origin: str,
    updated_at: str,
    state: DeliveryState = DeliveryState.DELIVERED,
) -> DeliveryRecord:
    return DeliveryRecord(
        delivery_id=msg(n),
        subscription_id=subscription_id,
        state=state,
        credit_code=make_uscc(n),
        listing_id=f"lst_{n:032x}",
        origin_region=origin,
        updated_at=updated_at,
    )


def feedback(
    n: int,
    subscription_id: str = "sub-hunan",
    about: Listing | None = None,
    results: tuple[str, ...] = ("executed",),
    region: str = "430000",
) -> Feedback:
    return Feedback(
        delivery_id=msg(n),
        measures=tuple(
            ExecutedMeasure(
                measure_id="key_supervision",
                department="湖南省发展和改革委员会",
                executed_on=date(2026, 10, 20),
                result=result,  # type: ignore[arg-type]
            )
            for result in results
        ),
        subscription_id=subscription_id,
        subscriber_region=region,
        listing_id=about.listing_id if about else f"lst_{n:032x}",
        credit_code=about.credit_code if about else make_uscc(n),
        origin_region=about.origin_region if about else CITY,
        submitted_at=beijing("2026-10-21"),
    )


DELIVERIES = [
    delivered(1, "sub-hunan", CITY, "2026-10-10T02:00:00+00:00"),
    delivered(2, "sub-hunan", COUNTY, "2026-10-11T02:00:00+00:00"),
    delivered(3, "sub-hubei", CITY, "2026-10-12T02:00:00+00:00"),
    delivered(4, "sub-hunan", CITY, "2026-10-12T02:00:00+00:00", DeliveryState.DEAD),
    delivered(5, "sub-hunan", CITY, "2026-09-12T02:00:00+00:00"),
    delivered(6, "sub-hubei", OTHER_COUNTY, "2026-10-12T02:00:00+00:00"),
    delivered(7, "sub-gone", CITY, "2026-10-13T02:00:00+00:00"),
    delivered(8, "sub-hunan", CITY, "2026-10-14T02:00:00+00:00", DeliveryState.RETRYING),
]
FEEDBACK = [
    feedback(1, about=COURT_SERIOUS, results=("executed", "executed", "not_applicable")),
    feedback(3, "sub-hubei", about=ECOLOGY_UPHELD, region="420000"),
    feedback(4, about=RED_ACTIVE),
    feedback(5, results=("failed",)),  # a listing since purged; nothing executed
    feedback(6, about=ELSEWHERE),  # another county's listing, executed in 湖南
    feedback(9, "sub-city", about=ELSEWHERE, region=COUNTY),  # executed in the county
]
PILOTS = PilotTargets(
    source="test",
    pilots=(
        PilotTarget(
            kind="region", name="清远市", region=CITY, min_cases=2, max_cases=3, source="t"
        ),
        PilotTarget(
            kind="sector",
            name="环境保护",
            region=CITY,
            domains=("ecology_environment",),
            min_cases=2,
            source="t",
        ),
        PilotTarget(kind="region", name="大冶市", region=OTHER_COUNTY, min_cases=1, source="t"),
    ),
)
SUBSCRIBERS = {"sub-hunan": "430000", "sub-hubei": "420000"}


def stats_for(
    region: str = CITY,
    month: Month = OCTOBER,
    listings: list[Listing] = LISTINGS,
    deliveries: list[DeliveryRecord] = DELIVERIES,
    today: date = TODAY,
) -> MonthlyStats:
    return monthly_stats(
        region,
        month,
        BATCHES,
        listings,
        deliveries,
        SUBSCRIBERS,
        FEEDBACK,
        today,
        CALENDAR,
        usage=Usage(checks=2, codes_checked=1500, reports=1),
        pilots=PILOTS,
    )


@pytest.fixture(scope="module")
def october() -> MonthlyStats:
    return stats_for()


def test_the_report_names_its_region_and_month(october: MonthlyStats) -> None:
    assert (october.region, october.month) == (CITY, "2026-10")


def test_pushes_count_the_subtree_s_batches_received_in_the_beijing_month(
    october: MonthlyStats,
) -> None:
    pushes = october.pushes
    assert (pushes.batches, pushes.accepted, pushes.duplicate, pushes.removed, pushes.rejected) == (
        3,
        6,
        1,
        1,
        1,
    )


def test_active_black_listings_are_counted_by_domain_and_severity(october: MonthlyStats) -> None:
    """Apart from the dishonesty records (失信记录: below serious, seed 000 二(二)1, 49号); a
    court defaulter is a black listing whatever its severity (49号)."""
    assert october.active_black == {"court_defaulter": {"serious": 1, "general": 1}}
    assert october.active_dishonesty_records == {"ecology_environment": {"relatively_serious": 1}}


@pytest.mark.usefixtures("every_severity_punishes")
def test_a_deployment_listing_every_severity_counts_every_entry_as_a_black_listing() -> None:
    report = stats_for()

    assert report.active_black == {
        "court_defaulter": {"serious": 1, "general": 1},
        "ecology_environment": {"relatively_serious": 1},
    }
    assert report.active_dishonesty_records == {}


def test_active_red_listings_are_counted_by_domain(october: MonthlyStats) -> None:
    assert october.active_red == {"a_grade_taxpayer": 1}


def test_objections_opened_decided_and_overdue_in_the_month(october: MonthlyStats) -> None:
    objections = october.objections
    assert (objections.opened, objections.decided, objections.overdue) == (4, 2, 2)


def test_repairs_and_expiries_are_the_month_s_history_events(october: MonthlyStats) -> None:
    assert (october.repairs, october.expiries) == (1, 1)


def test_feedback_rate_is_per_subscription_over_deliveries_made_in_the_month(
    october: MonthlyStats,
) -> None:
    assert [
        (f.subscription_id, f.subscriber_region, f.deliveries, f.with_feedback, f.rate)
        for f in october.feedback
    ] == [
        ("sub-gone", "", 1, 0, 0.0),
        ("sub-hubei", "420000", 1, 1, 1.0),
        ("sub-hunan", "430000", 2, 1, 0.5),
    ]


def test_publication_latency_is_counted_in_working_days(october: MonthlyStats) -> None:
    publication = october.publication
    assert (
        publication.listings,
        publication.median_working_days,
        publication.within_7_working_days_share,
    ) == (3, 4.0, 0.6667)


def test_cases_are_executed_measures_the_subtree_took_part_in(october: MonthlyStats) -> None:
    cases = october.cases
    # 2 on COURT_SERIOUS (not the not_applicable one), ECOLOGY, RED, and the county's own.
    assert (cases.total, cases.punishments, cases.incentives) == (5, 4, 1)
    assert cases.by_executing_region == {"420000": 1, "430000": 3, COUNTY: 1}
    assert cases.by_sector == {
        "a_grade_taxpayer": 1,
        "court_defaulter": 3,
        "ecology_environment": 1,
    }
    assert "executed" in cases.definition


def test_pilot_targets_are_judged_only_for_the_pilots_in_the_subtree(
    october: MonthlyStats,
) -> None:
    judged = {(p.pilot.name, p.cases, p.meets_target) for p in october.cases.pilots}
    assert judged == {("清远市", 5, True), ("环境保护", 1, False)}
    county = stats_for(region=COUNTY).cases.pilots
    assert county == ()  # 清城区 is no pilot, and a city's pilots are not its county's


def test_a_region_pilot_counts_the_cases_about_its_listings_executed_anywhere() -> None:
    [daye] = stats_for(region=OTHER_COUNTY).cases.pilots
    assert (daye.pilot.name, daye.cases, daye.meets_target) == ("大冶市", 2, True)


def test_usage_and_the_publication_figure_say_what_they_count(october: MonthlyStats) -> None:
    assert (october.usage.checks, october.usage.codes_checked, october.usage.reports) == (
        2,
        1500,
        1,
    )
    assert "decided_on" in october.publication.definition


def test_the_shipped_pilots_are_seed_004s() -> None:
    pilots = shipped_pilots().pilots
    assert [(p.name, p.min_cases, p.max_cases) for p in pilots if p.kind == "region"] == [
        ("大冶市", 2, 3)
    ]
    sectors = [p for p in pilots if p.kind == "sector"]
    assert len(sectors) == 10  # its eleven, 国税 and 地税 as one (review 321)
    assert all(p.min_cases == 1 and p.region == "420200" for p in sectors)


def test_a_month_without_new_listings_has_no_publication_figures() -> None:
    report = stats_for(month=Month(2026, 8))

    assert (
        report.publication.listings,
        report.publication.median_working_days,
        report.publication.within_7_working_days_share,
    ) == (0, None, None)


def test_a_county_s_report_covers_its_own_subtree_only() -> None:
    report = stats_for(region=COUNTY)

    assert (report.pushes.batches, report.active_black, report.cases.total) == (
        1,
        {"court_defaulter": {"general": 1}},
        1,
    )
    assert [(f.subscription_id, f.deliveries) for f in report.feedback] == [("sub-hunan", 1)]


def test_an_objection_is_not_yet_overdue_before_its_deadline_passes() -> None:
    # Reported on 20 October: one deadline (25 October) has not passed yet; the other has.
    assert stats_for(today=date(2026, 10, 20)).objections.overdue == 1


@pytest.mark.parametrize(
    ("updated_at", "counted"),
    [
        pytest.param("2026-09-30T17:00:00+00:00", 1, id="1-october-01h-in-beijing"),
        pytest.param("2026-10-31T17:00:00+00:00", 0, id="1-november-01h-in-beijing"),
    ],
)
def test_deliveries_count_in_the_month_they_were_made_in_beijing(
    updated_at: str, counted: int
) -> None:
    # Pushes, listings and history events are all dated in Beijing; deliveries must agree.
    report = stats_for(deliveries=[delivered(1, "sub-hunan", CITY, updated_at)])

    assert sum(f.deliveries for f in report.feedback) == counted


# -- months --


@pytest.mark.parametrize(
    ("text", "month"),
    [("2026-10", Month(2026, 10)), ("2027-01", Month(2027, 1)), ("1999-12", Month(1999, 12))],
)
def test_a_month_is_parsed_from_yyyy_mm(text: str, month: Month) -> None:
    assert (Month.parse(text), str(Month.parse(text))) == (month, text)


@pytest.mark.parametrize(
    "text",
    ["2026-13", "2026-00", "2026-1", "26-10", "2026/10", "2026-10-01", "", "abcd-ef", "2026-"],
)
def test_a_malformed_month_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse(text)


@pytest.mark.parametrize(
    ("month", "last"),
    [
        (Month(2026, 10), date(2026, 10, 31)),
        (Month(2026, 12), date(2026, 12, 31)),
        (Month(2028, 2), date(2028, 2, 29)),
        (Month(2026, 4), date(2026, 4, 30)),
    ],
)
def test_the_last_day_of_a_month(month: Month, last: date) -> None:
    assert month.last_day == last


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        pytest.param(datetime(2026, 9, 30, 16, 0, tzinfo=UTC), True, id="midnight-in-beijing"),
        pytest.param(datetime(2026, 9, 30, 15, 59, tzinfo=UTC), False, id="a-minute-before"),
        pytest.param(datetime(2026, 10, 31, 16, 0, tzinfo=UTC), False, id="1-november-in-beijing"),
        pytest.param(date(2026, 10, 31), True, id="a-date"),
    ],
)
def test_a_moment_belongs_to_the_month_of_its_beijing_date(
    moment: datetime | date, inside: bool
) -> None:
    assert OCTOBER.has(moment) is inside
