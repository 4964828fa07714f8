"""Court defaulters (失信被执行人) as 法释〔2017〕7号 has them: listed two years (第二条),
extendable by one to three years by a new decision, deleted within three working days once the
obligation is performed (第十条), and no repair waiting period."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from builders import ABSENT, entry, listing, removal

from gateway.intake import validate_entries
from gateway.lifecycle.freshness import entry_problems
from gateway.lifecycle.requests import validate_removals
from gateway.lifecycle.rules import earliest_repair, effective_valid_until, remove
from gateway.lifecycle.workdays import WorkdayCalendar
from gateway.statistics.records import performed_removals
from gateway.statistics.tallies import listing_tally
from gateway_client.contract.change import ChangeType, change_between
from gateway_client.contract.listing import Listing, ListingEntry, ListingStatus, Transition

TODAY = date(2025, 6, 2)
EXTENSION = {"decision_number": "(2025)粤1802执123号之一", "decided_on": "2025-04-01", "years": 2}


def court(**fields: Any) -> dict[str, Any]:
    """A court defaulter listed 2025-03-02, without a period of its own."""
    return entry(**{"valid_until": ABSENT, **fields})


def errors_of(raw: dict[str, Any]) -> list[tuple[str, str]]:
    _, errors = validate_entries([raw], TODAY)
    return [(e.field, e.code) for e in errors]


# -- the period and its extension (第二条) --


@pytest.mark.parametrize(
    ("fields", "until"),
    [
        pytest.param({}, date(2027, 3, 2), id="two-years-by-default"),
        pytest.param({"extension": EXTENSION}, date(2029, 3, 2), id="extended-by-two"),
        pytest.param({"valid_until": "2026-03-02"}, date(2026, 3, 2), id="shorter-as-pushed"),
    ],
)
def test_a_court_defaulter_is_listed_two_years_plus_any_extension(
    fields: dict[str, Any], until: date
) -> None:
    assert effective_valid_until(listing(court(**fields))) == until


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        pytest.param({"valid_until": "2027-03-02"}, None, id="two-years"),
        pytest.param({"valid_until": "2027-03-03"}, ("valid_until", "period_too_long"), id="over"),
        pytest.param(
            {"valid_until": "2028-03-02", "extension": {**EXTENSION, "years": 1}},
            None,
            id="extended-one-year",
        ),
        pytest.param(
            {"valid_until": "2028-03-03", "extension": {**EXTENSION, "years": 1}},
            ("valid_until", "period_too_long"),
            id="past-the-extension",
        ),
        pytest.param(
            {"extension": {**EXTENSION, "years": 4}},
            ("extension", "extension_too_long"),
            id="four-years-extension",
        ),
        pytest.param(
            {"extension": {**EXTENSION, "years": 0}}, ("extension.years", "out_of_range"), id="zero"
        ),
        pytest.param(
            {"extension": {**EXTENSION, "decided_on": "2025-02-01"}},
            ("extension.decided_on", "dates_out_of_order"),  # the date, not the object
            id="decided-before-the-listing",
        ),
        pytest.param(
            {"domain": "food_drug", "extension": EXTENSION},
            ("extension", "extension_not_allowed"),
            id="other-domain",
        ),
    ],
)
def test_a_pushed_period_may_not_outrun_the_domains_plus_a_decided_extension(
    fields: dict[str, Any], refusal: tuple[str, str] | None
) -> None:
    found = errors_of(court(**fields))

    assert found == ([refusal] if refusal else [])


def test_a_stored_listing_is_not_judged_again_by_the_period_rule() -> None:
    """Input only: a listing accepted before the rule still reads back."""
    stored = ListingEntry.model_validate(court(valid_until="2030-01-01"))
    assert stored.valid_until == date(2030, 1, 1)


def test_an_extension_decided_in_the_future_is_refused() -> None:
    raw = court(extension={**EXTENSION, "decided_on": "2025-06-03"})
    made = ListingEntry.model_validate(raw)
    now = datetime(2025, 6, 2, 4, tzinfo=UTC)

    assert [(f, c) for f, c, _ in entry_problems(made, now, now - now)] == [
        ("extension.decided_on", "future_date")
    ]


# -- deletion once performed (第十条) --


def performed(**fields: Any) -> dict[str, Any]:
    return removal(entry(), reason="performed", **fields)


@pytest.mark.parametrize(
    ("raw", "refusal"),
    [
        pytest.param(performed(performed_on="2025-05-28"), None, id="performed"),
        pytest.param(performed(), ("performed_on", "missing_performed_on"), id="no-date"),
        pytest.param(
            performed(performed_on="2025-06-03"), ("performed_on", "future_date"), id="future"
        ),
        pytest.param(
            removal(entry(), reason="revoked", performed_on="2025-05-28"),
            ("performed_on", "unexpected_performed_on"),
            id="with-another-reason",
        ),
        pytest.param(
            removal(entry(domain="food_drug"), reason="performed", performed_on="2025-05-28"),
            ("performed_on", "performed_not_for_domain"),
            id="other-domain",
        ),
    ],
)
def test_a_performed_removal_carries_its_performance_date(
    raw: dict[str, Any], refusal: tuple[str, str] | None
) -> None:
    _, errors = validate_removals([raw], TODAY)

    assert [(e.field, e.code) for e in errors] == ([refusal] if refusal else [])


def removed_on(performed_on: str, at: datetime) -> Listing:
    valid, _ = validate_removals([performed(performed_on=performed_on)], at.date())
    return remove(listing(court()), valid[0][1], "441802", at)


def test_a_performed_removal_ends_the_listing_as_performed_and_keeps_the_date() -> None:
    held = listing(court())
    gone = removed_on("2025-05-28", datetime(2025, 5, 29, 2, tzinfo=UTC))

    assert (gone.status, gone.performed_on) == (ListingStatus.PERFORMED, date(2025, 5, 28))
    made = change_between(gone, held)
    assert made is not None
    assert made.type is ChangeType.PERFORMED


@pytest.mark.parametrize(
    ("performed_on", "removed_at", "late"),
    [
        # Thursday 2025-05-29 → the next Tuesday: 2 working days (Fri; Mon 2 June is 端午)
        pytest.param("2025-05-29", datetime(2025, 6, 3, 2, tzinfo=UTC), 0, id="second-working-day"),
        # Thursday → the next Thursday: 4 working days (Fri, Tue, Wed, Thu)
        pytest.param("2025-05-29", datetime(2025, 6, 5, 2, tzinfo=UTC), 1, id="fourth-is-late"),
        pytest.param("2025-06-03", datetime(2025, 6, 3, 2, tzinfo=UTC), 0, id="same-day"),
    ],
)
def test_statistics_count_performed_removals_later_than_three_working_days(
    performed_on: str, removed_at: datetime, late: int
) -> None:
    gone = removed_on(performed_on, removed_at)

    counted = performed_removals([gone], lambda day: day.month == 6, WorkdayCalendar())

    assert (counted.removed, counted.late) == (1, late)
    assert counted.on_time_share == (0.0 if late else 1.0)


def test_a_later_step_on_the_ended_listing_moves_neither_its_month_nor_its_lateness() -> None:
    """Counted by the step that ended it, not the listing's last one: an objection decided
    days later in the next month made an on-time removal late there (review 125)."""
    gone = removed_on("2025-05-29", datetime(2025, 6, 3, 2, tzinfo=UTC))
    decided = Transition(
        event="objection_decided",
        status=ListingStatus.PERFORMED,
        at=datetime(2025, 7, 10, 2, tzinfo=UTC),
        by="441802",
        reason="objection o-1 upheld",
    )
    later = gone.model_copy(update={"history": (*gone.history, decided)})
    calendar = WorkdayCalendar()

    june = performed_removals([later], lambda day: day.month == 6, calendar)
    july = performed_removals([later], lambda day: day.month == 7, calendar)
    tally = listing_tally(later, calendar)

    assert (june.removed, june.late, july.removed) == (1, 0, 0)
    assert tally[(later.origin_region, "2025-06", "performed#removed")] == 1
    assert [key for key in tally if key[2] == "performed#late"] == []


def test_no_removal_this_month_gives_no_share() -> None:
    gone = removed_on("2025-05-28", datetime(2025, 5, 29, 2, tzinfo=UTC))

    counted = performed_removals([gone], lambda day: day.month == 6, WorkdayCalendar())

    assert (counted.removed, counted.late, counted.on_time_share) == (0, 0, None)


# -- repair --


@pytest.mark.parametrize(
    ("fields", "earliest"),
    [
        pytest.param({}, date(2025, 3, 2), id="court-defaulter-no-wait"),
        pytest.param({"domain": "food_drug"}, date(2026, 3, 2), id="serious-food-drug-12-months"),
    ],
)
def test_a_court_defaulter_may_be_repaired_without_a_waiting_period(
    fields: dict[str, Any], earliest: date
) -> None:
    assert earliest_repair(listing(entry(**fields))) == earliest


# -- open-ended: 第一条第一项 has no term (第二条 sets two years for 第二至六项 only) --


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        pytest.param({"open_ended": True}, None, id="open-ended"),
        pytest.param(
            {"open_ended": True, "valid_until": "2027-03-02"},
            ("valid_until", "open_ended_with_valid_until"),
            id="with-an-end",
        ),
        pytest.param(
            {"open_ended": True, "extension": EXTENSION},
            ("open_ended", "open_ended_with_extension"),
            id="with-an-extension",
        ),
        pytest.param(
            {"open_ended": True, "domain": "food_drug"},
            ("open_ended", "open_ended_not_allowed"),
            id="other-domain",
        ),
    ],
)
def test_a_court_defaulter_refusing_despite_ability_may_be_listed_without_a_term(
    fields: dict[str, Any], refusal: tuple[str, str] | None
) -> None:
    assert errors_of(court(**fields)) == ([refusal] if refusal else [])


def test_an_open_ended_listing_never_expires_and_reads_back_as_pushed() -> None:
    held = listing(court(open_ended=True))

    assert effective_valid_until(held) is None
    assert listing(court()).model_dump(mode="json").get("open_ended") is None  # left out


@pytest.mark.parametrize(("reason", "counted"), [("repaired", "repairs"), ("expired", "expiries")])
def test_an_owner_s_removal_as_repaired_or_expired_counts_as_a_repair_or_an_expiry(
    reason: str, counted: str
) -> None:
    """Its status and change type are the routes' own; the statistics counted only the routes'
    steps (review 125)."""
    at = datetime(2025, 6, 3, 2, tzinfo=UTC)
    valid, _ = validate_removals([removal(court(), reason=reason)], at.date())
    gone = remove(listing(court()), valid[0][1], "441802", at)

    tally = listing_tally(gone, WorkdayCalendar())

    assert tally[(gone.origin_region, "2025-06", counted)] == 1
