"""The counters-based monthly report equals the report computed from every item (``monthly_stats``)
for the same events: each listing's versions counted as the stream hands them over (creation,
every step, a purge), each push batch, delivery and feedback report where it happens."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime
from itertools import pairwise

from builders import CITY, COUNTY, OTHER_COUNTY, entry, evolved, listing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_court_defaulters import removed_on
from test_stats import (
    BATCHES,
    CALENDAR,
    DELIVERIES,
    FEEDBACK,
    LISTINGS,
    PILOTS,
    PROVINCE,
    SUBSCRIBERS,
    beijing,
    expire,
    held,
    objected,
    red_entry,
    repaired,
    upheld,
)

from gateway.delivery.records import DeliveryRecord, DeliveryState
from gateway.intake.push import PushResult
from gateway.lifecycle.objection_steps import decide_objection
from gateway.lifecycle.requests import ObjectionDecision
from gateway.recognition.feedback import Feedback
from gateway.statistics.monthly import Month, MonthlyStats, Usage, monthly_stats
from gateway.statistics.rollup import stats_from_counters
from gateway.statistics.tallies import (
    ANSWERED,
    CASE,
    NOW,
    PUBLICATION,
    Tally,
    delivered_key,
    difference,
    feedback_tally,
    listing_tally,
    month_of,
    push_tally,
)
from gateway_client.contract import NATION, Listing, within

USAGE = Usage(checks=1, codes_checked=2, reports=3)


def commitment(serial: int, listed: str, **made: object) -> Listing:
    raw = entry(
        kind="commitment",
        domain="licensing_commitment",
        severity=None,
        legal_basis=None,
        reason="承诺在30日内补交营业执照副本复印件",
        deciding_authority="清远市清城区政务服务中心",
        decision_number=f"清城承诺〔2026〕{serial}号",
        decided_on="2026-09-20",
        valid_from="2026-09-20",
        valid_until=None,
        commitment={"kind": "accept_with_deficiencies", "deadline": "2026-10-20", **made},
    )
    return evolved(listing(raw), listed_at=beijing(listed), accepted_at=beijing(listed))


def chain(*versions: Listing) -> tuple[Listing, ...]:
    return versions


def _kept(made: Listing) -> Listing:
    return evolved(
        made,
        commitment={
            **made.commitment.model_dump(),  # type: ignore[union-attr]
            "outcome": "kept",
            "outcome_on": "2026-10-15",
        },
    )


def _chains() -> list[tuple[Listing, ...]]:
    """Each listing's versions, oldest first, as the stream sees them (the fixtures' final
    versions last)."""
    court, ecology = held(1, "2026-10-09", decided="2026-09-28"), LISTINGS[2]
    red = held(11, "2026-04-02", base=red_entry())
    red_objected = objected(red, "2026-10-06")
    open_commitment = commitment(1, "2026-10-02")
    kept = _kept(open_commitment)
    untrue = _kept(commitment(3, "2026-10-03"))  # then revoked: never a true record (296)
    return [
        chain(court, LISTINGS[0]),
        chain(
            held(
                3,
                "2026-10-14",
                decided="2026-10-12",
                domain="ecology_environment",
                severity="relatively_serious",
            ),
            ecology,
        ),
        chain(LISTINGS[1]),
        chain(held(4, "2026-05-10", domain="work_safety"), LISTINGS[3]),
        chain(held(5, "2026-05-11", domain="food_drug"), LISTINGS[4]),
        chain(held(6, "2026-05-12", domain="product_quality"), LISTINGS[5]),
        chain(held(7, "2025-01-10", decided="2025-01-10"), LISTINGS[6]),
        chain(held(8, "2024-01-10", decided="2024-01-10"), LISTINGS[7]),
        chain(held(9, "2025-01-11", decided="2025-01-11"), LISTINGS[8]),
        chain(LISTINGS[9]),
        chain(red, red_objected, LISTINGS[10]),
        chain(LISTINGS[11]),
        chain(open_commitment, kept),
        chain(untrue, evolved(untrue, status="revoked")),
        chain(commitment(2, "2026-09-12", deadline="2026-10-03")),
        chain(removed_on("2026-10-09", datetime(2026, 10, 16, 2, tzinfo=UTC))),
        chain(expire(held(13, "2025-10-01", decided="2025-10-01"), beijing("2026-11-02"))),
        chain(upheld(objected(held(14, "2026-09-01", region=COUNTY), "2026-09-20"), "2026-10-02")),
        chain(repaired(held(15, "2026-10-01", region=COUNTY), "2026-10-30")),
        chain(
            decide_objection(
                objected(held(16, "2026-08-01", region=OTHER_COUNTY), "2026-08-20"),
                ObjectionDecision(outcome="upheld", source_updated_at=beijing("2026-11-01")),
                OTHER_COUNTY,
                beijing("2026-11-01"),
                CALENDAR,
            ),
        ),
    ]


CHAINS = _chains()
MONTHS = [Month(2026, 8), Month(2026, 9), Month(2026, 10), Month(2026, 11)]
REGIONS = [CITY, COUNTY, OTHER_COUNTY, PROVINCE, "420000", "430000", NATION]
TODAYS = [date(2026, 9, 25), date(2026, 10, 21), date(2026, 11, 5), date(2027, 1, 1)]


def counted(
    versions: Sequence[Sequence[Listing | None]],
    batches: Sequence[PushResult],
    deliveries: Sequence[DeliveryRecord],
    feedback: Sequence[Feedback],
    held_now: dict[str, Listing],
) -> Tally:
    """Every counter as the handlers add them: each listing's stream records in turn."""
    tally: Tally = Counter()
    for steps in versions:
        for old, new in pairwise([None, *steps]):
            tally.update(difference(listing_tally(new, CALENDAR), listing_tally(old, CALENDAR)))
    for result in batches:
        tally.update(push_tally(result))
    for d in deliveries:
        if d.state is DeliveryState.DELIVERED:
            at = datetime.fromisoformat(d.updated_at)
            tally[delivered_key(d.delivery_id, d.origin_region, d.subscription_id, at)] += 1
    logged = {d.delivery_id: d for d in deliveries}
    for report in feedback:
        listing_then = held_now.get(report.listing_id)
        tally.update(feedback_tally(report, logged.get(report.delivery_id), listing_then))
    return tally


def report_from(tally: Tally, region: str, month: Month, today: date) -> MonthlyStats:
    items: dict[tuple[str, str], Counter[str]] = {}
    for (where, bucket, attribute), count in tally.items():  # a region's shards summed
        items.setdefault((bucket, where.partition("#")[0]), Counter())[attribute] += count

    def bucket(name: str) -> dict[str, Counter[str]]:
        return {w: c for (b, w), c in items.items() if b == name and within(w, region)}

    return stats_from_counters(
        region,
        month,
        bucket(str(month)),
        bucket(NOW),
        SUBSCRIBERS,
        today,
        usage=USAGE,
        pilots=PILOTS,
    )


def scanned(listings, batches, deliveries, feedback, region, month, today) -> MonthlyStats:  # type: ignore[no-untyped-def]
    """The route's former computation: every listing; the month's deliveries answered by any
    report, whenever it came (review 138 F2); the cases of the month's reports."""

    def stats(reports):  # type: ignore[no-untyped-def]
        return monthly_stats(
            region,
            month,
            batches,
            listings,
            deliveries,
            SUBSCRIBERS,
            reports,
            today,
            CALENDAR,
            usage=USAGE,
            pilots=PILOTS,
        )

    cases = stats([f for f in feedback if month.has(f.submitted_at)]).cases
    return stats(feedback).model_copy(update={"cases": cases})


def test_the_fixed_data_set_gives_the_same_report_for_every_region_month_and_day() -> None:
    finals = [steps[-1] for steps in CHAINS]
    by_id = {x.listing_id: x for x in finals}
    tally = counted(CHAINS, BATCHES, DELIVERIES, FEEDBACK, by_id)
    for region in REGIONS:
        for month in MONTHS:
            for today in TODAYS:
                expected = scanned(finals, BATCHES, DELIVERIES, FEEDBACK, region, month, today)
                assert report_from(tally, region, month, today) == expected, (region, month)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[list[Listing | None]], list[Listing]]:
    """A subset of the listings, each advanced some way along its versions, some purged."""
    picked = draw(st.lists(st.sampled_from(range(len(CHAINS))), unique=True))
    versions: list[list[Listing | None]] = []
    finals: list[Listing] = []
    for index in picked:
        steps: list[Listing | None] = list(
            CHAINS[index][: draw(st.integers(1, len(CHAINS[index])))]
        )
        if draw(st.booleans()) and draw(st.booleans()):
            steps.append(None)  # erased by retention: its counts go with it
        else:
            finals.append(steps[-1])  # type: ignore[arg-type]
        versions.append(steps)
    return versions, finals


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    history=histories(),
    batches=st.lists(st.sampled_from(BATCHES), unique_by=lambda b: b.batch_id),
    deliveries=st.lists(st.sampled_from(DELIVERIES), unique_by=lambda d: d.delivery_id),
    feedback=st.lists(st.sampled_from(FEEDBACK), unique_by=lambda f: f.delivery_id),
    region=st.sampled_from(REGIONS),
    month=st.sampled_from(MONTHS),
    today=st.sampled_from(TODAYS),
)
def test_counters_give_the_scanned_report_for_any_events(
    history, batches, deliveries, feedback, region, month, today
) -> None:  # type: ignore[no-untyped-def]
    versions, finals = history
    by_id = {x.listing_id: x for x in finals}
    # feedback about a purged listing went with it (its reports are erased with the listing)
    kept = [f for f in feedback if f.listing_id in by_id or f.listing_id not in _all_ids()]
    tally = counted(versions, batches, deliveries, kept, by_id)

    expected = scanned(finals, batches, deliveries, kept, region, month, today)
    assert report_from(tally, region, month, today) == expected


def _all_ids() -> set[str]:
    return {x.listing_id for steps in CHAINS for x in steps}


def test_a_resubmitted_report_moves_its_cases_to_the_month_it_was_last_submitted() -> None:
    """Its answer stays with the delivery's month, whenever it came (review 138 F2)."""
    first = FEEDBACK[0]
    again = first.model_copy(update={"submitted_at": beijing("2026-11-02")})
    at = DELIVERIES[0]
    about = LISTINGS[0]
    tally: Tally = Counter()
    tally.update(feedback_tally(first, at, about))
    tally.update(difference(feedback_tally(again, at, about), feedback_tally(first, at, about)))

    assert tally == feedback_tally(again, at, about)
    left = {attribute.split("#")[0] for (_, bucket, attribute), n in tally.items() if n}
    moved = {a.split("#")[0] for (_, b, a), n in tally.items() if n and b == "2026-11"}
    assert month_of(datetime.fromisoformat(at.updated_at)) == "2026-10"
    assert (left, moved) == ({ANSWERED, CASE}, {CASE})


def test_a_month_remade_by_a_late_decrement_counts_no_listing_below_none() -> None:
    """A month's item its TTL deleted, made again by a purge's decrements alone: the report
    still reads (review 96 F3), no listing counted where the counts are none or fewer."""
    month = MONTHS[2]
    tally: Tally = Counter(
        {(CITY, str(month), f"{PUBLICATION}#3"): -1, (CITY, str(month), f"{PUBLICATION}#5"): 2}
    )

    publication = report_from(tally, CITY, month, TODAYS[2]).publication

    assert (publication.listings, publication.median_working_days) == (2, 5.0)
