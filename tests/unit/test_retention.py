"""Retention (seed 002 §六(七)): five years from the end of the dishonest conduct, for every
record that involves an individual; what remains is a tombstone with nobody in it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from builders import (
    ABSENT,
    RESIDENT_ID,
    USCC,
    entry,
    evolved,
    listing,
    make_resident_id,
    person,
    red_entry,
    with_status,
)

from gateway.delivery.redelivery import Erased, replayable
from gateway.lifecycle.due import DueDates
from gateway.lifecycle.freshness import entry_problems
from gateway.lifecycle.retention import (
    ARCHIVE_LAG_DAYS,
    EVIDENCE_DAYS,
    involves_individual,
    named_before,
    purge_due,
    retention_start,
)
from gateway_client.contract.change import ERASED, ChangeType, purged, tombstone
from gateway_client.contract.listing import Listing, ListingEntry, ListingStatus, Transition
from gateway_client.contract.log import LogEntry, log_entries
from gateway_client.contract.objections import Objection

STOPPED = datetime(2021, 6, 1, 2, 0, tzinfo=UTC)  # 2021-06-01 in Beijing
LEGAL_REPRESENTATIVE_ID = make_resident_id("19800101", 123)


def ended(base: dict[str, Any] | None = None, **fields: Any) -> Listing:
    """A listing that stopped applying (expired) at ``STOPPED``, last accepted then."""
    held = listing(base, **fields)
    return evolved(with_status(held, ListingStatus.EXPIRED), accepted_at=STOPPED)


DATES = {"decided_on": "2019-06-01", "valid_from": "2019-06-02", "valid_until": "2021-06-02"}


def person_entry(**overrides: Any) -> dict[str, Any]:
    return entry(**{**DATES, "credit_code": RESIDENT_ID, "subject_name": "张某某", **overrides})


def company_entry(**overrides: Any) -> dict[str, Any]:
    legal_representative = person("李某", "legal_representative", LEGAL_REPRESENTATIVE_ID)
    return entry(**{**DATES, "responsible_persons": [legal_representative], **overrides})


# -- when the clock starts --


def test_without_a_conduct_end_the_clock_starts_when_the_listing_stopped_applying() -> None:
    assert retention_start(ended(person_entry())) == date(2021, 6, 1)


def test_with_a_conduct_end_the_clock_starts_on_it() -> None:
    held = ended(person_entry(conduct_ended_on="2020-01-15"))

    assert retention_start(held) == date(2020, 1, 15)


def test_a_listing_still_in_force_has_no_retention_start_whatever_its_conduct_end() -> None:
    held = listing(person_entry(conduct_ended_on="2019-06-01", valid_until=None))

    assert retention_start(held) is None
    assert purge_due(held, date(2099, 1, 1)) is False


@pytest.mark.parametrize(
    ("conduct_ended_on", "today", "due"),
    [
        pytest.param(None, date(2026, 5, 31), False, id="no-conduct-end-a-day-short"),
        pytest.param(None, date(2026, 6, 1), True, id="no-conduct-end-five-years-on"),
        pytest.param("2020-01-15", date(2025, 1, 14), False, id="conduct-end-a-day-short"),
        pytest.param("2020-01-15", date(2025, 1, 15), True, id="conduct-end-five-years-on"),
        pytest.param("2020-02-29", date(2025, 2, 28), False, id="leap-day-a-day-short"),
        pytest.param("2020-02-29", date(2025, 3, 1), True, id="leap-day-ends-on-1-march"),
        pytest.param("2020-02-29", date(2025, 2, 27), False, id="leap-day-a-day-short"),
    ],
)
def test_a_persons_ended_black_listing_is_due_five_years_after_its_retention_start(
    conduct_ended_on: str | None, today: date, due: bool
) -> None:
    fields = {} if conduct_ended_on is None else {"conduct_ended_on": conduct_ended_on}
    held = ended(person_entry(**fields))

    assert purge_due(held, today) is due


def test_a_conduct_end_long_past_makes_an_ended_listing_due_at_once() -> None:
    held = ended(person_entry(conduct_ended_on="2019-06-01"))

    assert (purge_due(held, date(2024, 5, 31)), purge_due(held, date(2024, 6, 1))) == (
        False,
        True,
    )


# -- the evidence window --


def test_a_purge_waits_until_the_last_accepted_version_is_past_the_evidence_window() -> None:
    decided = {"decided_on": "2016-01-04", "valid_from": "2016-01-04"}
    held = ended(person_entry(**decided, conduct_ended_on="2016-02-01"))  # due since 2021-02-01
    # the window, and the days S3 takes to remove the last copy (review 220)
    window_end = date(2021, 6, 1) + timedelta(days=EVIDENCE_DAYS + ARCHIVE_LAG_DAYS)

    day_before = purge_due(held, window_end - timedelta(days=1), evidence_days=EVIDENCE_DAYS)
    on_the_day = purge_due(held, window_end, evidence_days=EVIDENCE_DAYS)

    assert (day_before, on_the_day) == (False, True)


def test_a_step_on_an_ended_listing_does_not_move_the_evidence_window() -> None:
    """An objection decided on a listing that ended is no archived push: the window counts from
    the step that ended it, and the due index says the same day (review 181: a decision five
    years on kept the person's data a year longer)."""
    late = STOPPED + timedelta(days=5 * 366)
    steps = (
        Transition(event="expired", status=ListingStatus.EXPIRED, at=STOPPED, by="", reason="到期"),
        Transition(
            event="objection_decided", status=ListingStatus.EXPIRED, at=late, by="441802", reason=""
        ),
    )
    before_the_end = person_entry(source_updated_at="2021-05-01T08:00:00+08:00")
    held = evolved(ended(before_the_end), history=steps, accepted_at=late)
    window_end = date(2021, 6, 1) + timedelta(days=EVIDENCE_DAYS + ARCHIVE_LAG_DAYS)
    retained = date(2026, 6, 1)  # five years from the end: later than the window

    assert purge_due(held, retained, evidence_days=EVIDENCE_DAYS) is True
    assert purge_due(held, retained - timedelta(days=1), evidence_days=EVIDENCE_DAYS) is False
    assert DueDates(evidence_days=EVIDENCE_DAYS).act_on(held) == retained
    assert window_end < retained


# -- what retention reaches --


def test_an_organisations_listing_naming_responsible_persons_involves_individuals() -> None:
    held = ended(company_entry())

    assert involves_individual(held) is True
    assert purge_due(held, date(2026, 6, 1)) is True


@pytest.mark.parametrize(
    ("before", "flagged", "named_now", "flag"),
    [
        (True, False, True, False),  # keeps naming its persons: involves them anyway
        (True, False, False, True),  # drops them: the earlier versions still hold them
        (False, True, True, True),  # dropped once: for good
        (False, False, False, False),  # never named anyone
    ],
)
def test_a_listing_that_dropped_its_persons_still_involves_individuals(
    before: bool, flagged: bool, named_now: bool, flag: bool
) -> None:
    persons = [person("王某", "principal")]
    held = listing(entry(responsible_persons=persons if before else []))
    held = evolved(held, named_persons_before=flagged)

    carried = named_before(held, persons if named_now else [])

    assert carried == {"named_persons_before": flag}
    after = evolved(held, responsible_persons=tuple(persons) if named_now else (), **carried)
    assert involves_individual(after) is (named_now or flag)
    assert ("named_persons_before" in after.model_dump_json()) is flag


def test_a_responsible_person_known_by_name_only_is_still_an_individual() -> None:
    held = ended(entry(responsible_persons=[person("王某", "principal")]))

    assert involves_individual(held) is True


@pytest.mark.parametrize(
    "held",
    [
        pytest.param(ended(), id="an-organisation-naming-nobody"),
        pytest.param(ended(red_entry()), id="an-organisations-red-listing-naming-nobody"),
        pytest.param(with_status(listing(person_entry()), ListingStatus.SUSPENDED), id="suspended"),
    ],
)
def test_other_listings_are_never_purged(held: Listing) -> None:
    assert purge_due(held, date(2099, 1, 1)) is False


@pytest.mark.parametrize(
    "held",
    [
        pytest.param(red_entry(credit_code=RESIDENT_ID, subject_name="张某某"), id="a-person"),
        pytest.param(
            red_entry(responsible_persons=[person("李某", "legal_representative", RESIDENT_ID)]),
            id="naming-a-legal-representative",
        ),
    ],
)
def test_a_red_listing_of_an_individual_goes_five_years_after_it_stopped_applying(
    held: dict[str, Any],
) -> None:
    """Review 54a F3: red listings were kept for good. A conduct end (none on a positive
    record) moves nothing."""
    red = ended({**held, **DATES, "conduct_ended_on": "2019-06-01"})

    assert retention_start(red) == date(2021, 6, 1)
    assert purge_due(red, date(2026, 5, 31)) is False
    assert purge_due(red, date(2026, 6, 1)) is True
    assert purge_due(listing({**held, "valid_until": None}), date(2099, 1, 1)) is False


def test_an_objection_named_holds_the_purge_until_it_is_decided() -> None:
    objection = Objection(
        objection_id="obj-1",
        filed_at=STOPPED,
        filed_by="operator",
        reason="主体对认定事实有异议",
        deadline=date(2021, 6, 21),
        deadline_basis="20 calendar days",
        suspends=False,
    )
    held = evolved(ended(person_entry()), objection=objection)
    decided = evolved(held, objection=objection.model_copy(update={"outcome": "upheld"}))

    assert (purge_due(held, date(2099, 1, 1)), purge_due(decided, date(2099, 1, 1))) == (
        False,
        True,
    )


# -- the field --


def test_a_conduct_may_have_ended_before_the_decision() -> None:
    """Seed 002 §六(七) counts from the conduct's end, which a decision often follows (review
    126: refused, the platform could not say it, and the record was kept longer)."""
    entry = ListingEntry.model_validate(person_entry(conduct_ended_on="2019-04-30"))

    assert entry.conduct_ended_on == date(2019, 4, 30)


def test_a_conduct_end_after_today_is_from_the_future() -> None:
    # a period still in force that day: only the conduct's end is from the future
    raw = ListingEntry.model_validate(
        person_entry(
            conduct_ended_on="2025-06-03", valid_from="2025-03-02", valid_until="2027-01-01"
        )
    )
    now = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)

    problems = entry_problems(raw, now, timedelta(minutes=5))

    assert [(field, code) for field, code, _ in problems] == [("conduct_ended_on", "future_date")]


def test_an_absent_conduct_end_leaves_dumps_and_digests_as_they_were() -> None:
    held = listing(person_entry())

    dumped = held.model_dump(mode="json")

    assert "conduct_ended_on" not in dumped
    assert "conduct_ended_on" not in held.model_dump_json()
    assert Listing.model_validate(dumped) == held


# -- the tombstone --


def test_a_tombstone_names_the_listing_and_nobody_in_it() -> None:
    """Nor a commitment to the numbers: a region shown the version in full holds its salt, and
    would confirm the erased person with it (review 199)."""
    held = ended(company_entry(credit_code=RESIDENT_ID, subject_name="张某某"))
    held = held.model_copy(update={"id_salt": "ab" * 16})

    gone = tombstone(held)

    text = gone.model_dump_json()
    for secret in (RESIDENT_ID, LEGAL_REPRESENTATIVE_ID, "张某某", "李某"):
        assert secret not in text
    for decision in (held.deciding_authority, held.decision_number, held.reason):
        assert decision not in text
    assert (gone.listing_id, gone.version, gone.status) == (
        held.listing_id,
        held.version,
        held.status,
    )
    assert gone.credit_code == "110105" + "*" * 11 + "X"
    assert (gone.subject_name, gone.responsible_persons, gone.history) == (ERASED, (), ())
    assert (gone.id_salt, gone.ids_commitment) == (None, None)


def test_a_tombstone_keeps_no_extensions_case_number() -> None:
    """Review 54, F2: the court's case number extending a defaulter's listing stayed in the
    tombstone, sent and replayed for good: it names the same person in court records."""
    extension = {"decision_number": "(2020)粤1802执恢88号", "decided_on": "2020-04-01", "years": 1}
    held = ended(person_entry(valid_until=ABSENT, extension=extension))

    gone = tombstone(held)

    assert "执恢88号" not in gone.model_dump_json()
    assert gone.extension is not None
    assert gone.extension.years == 1  # the dates still hold


def test_an_organisations_tombstone_keeps_its_public_code() -> None:
    assert tombstone(ended(company_entry())).credit_code == USCC


def test_the_purged_change_carries_the_tombstone() -> None:
    held = ended(person_entry())

    made = purged(held, STOPPED)

    assert made.type is ChangeType.PURGED
    assert made.listing == tombstone(held)
    assert RESIDENT_ID not in json.dumps(made.model_dump(mode="json"), ensure_ascii=False)


# -- replays --


def test_a_replay_sends_the_tombstone_once_where_erased_bodies_were() -> None:
    held = ended(person_entry())
    other = listing(entry(decision_number="(2025)粤1802执9号"))
    made = [
        purged(held, STOPPED).model_copy(
            update={"type": ChangeType.LISTED, "change_id": "chg_" + "a" * 32}
        ),
        purged(other, STOPPED).model_copy(
            update={"type": ChangeType.LISTED, "change_id": "chg_" + "b" * 32}
        ),
        purged(held, STOPPED).model_copy(
            update={"type": ChangeType.EXPIRED, "change_id": "chg_" + "c" * 32}
        ),
        purged(held, STOPPED),
    ]
    entries: list[LogEntry] = log_entries(1, made)
    gone = Erased(tombstone=made[3].change_id)
    bodies: list[Any] = [gone, made[1], gone, made[3]]

    sent = list(replayable(zip(entries, bodies, strict=True), {gone.tombstone: (4, made[3])}.get))

    assert [(sequence, change.change_id) for sequence, change in sent] == [
        (4, made[3].change_id),
        (2, "chg_" + "b" * 32),
    ]


def test_a_replay_skips_an_erased_body_whose_tombstone_is_not_logged_yet() -> None:
    made = purged(ended(person_entry()), STOPPED)
    [entry_one] = log_entries(1, [made])

    assert list(replayable([(entry_one, Erased(tombstone=made.change_id))], {}.get)) == []
