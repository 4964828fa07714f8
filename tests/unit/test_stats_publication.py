"""The 双公示 figure measures how soon platforms published licence and penalty decisions: only
the black and red listings they pushed count, not commitments, nor the black listing the tick
makes of a broken commitment (its date is the tick's, not the region's)."""

from __future__ import annotations

from datetime import date

from builders import CITY, NOW, listing
from test_commitments import POLICY, held
from test_stats import PILOTS
from test_stats_counters import commitment

from gateway.lifecycle.commitments import black_listing_for
from gateway.lifecycle.workdays import WorkdayCalendar
from gateway.statistics.monthly import Month, Usage, monthly_stats
from gateway.statistics.tallies import PUBLICATION, listing_tally
from gateway_client.contract import Listing

CALENDAR = WorkdayCalendar()


def published(x: Listing) -> list[str]:
    return [a for (_, _, a) in listing_tally(x, CALENDAR) if a.startswith(PUBLICATION)]


def test_only_the_black_and_red_listings_platforms_push_count_for_publication():
    black = listing()
    promise = commitment(1, "2026-10-09")
    tick_made = black_listing_for(held(outcome="broken", outcome_on="2025-04-02"), POLICY, NOW)

    assert len(published(black)) == 1
    assert published(promise) == []
    assert published(tick_made) == []


def test_the_scanned_report_counts_the_same_listings():
    black = listing()
    tick_made = black_listing_for(held(outcome="broken", outcome_on="2025-04-02"), POLICY, NOW)
    month = Month.parse(f"{NOW:%Y-%m}")

    report = monthly_stats(
        CITY,
        month,
        [],
        [black, tick_made],
        [],
        {},
        [],
        date(2025, 7, 1),
        CALENDAR,
        usage=Usage(checks=0, codes_checked=0, reports=0),
        pilots=PILOTS,
    )

    assert report.publication.listings == 1
