"""Re-evaluation jobs: walked page by page over the sources an agreement covers, they queue
exactly what the whole-table comparison does; they stop and resume; the tick's date jobs start
on the days an agreement begins or ends, and only then."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

from builders import NOW, agreement, listing, make_uscc, red_entry, subscription, with_status
from fakes import InMemoryAgreements, InMemoryListingStore, InMemoryReevaluations
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.delivery import ReevaluationRunner, daily_reevaluations, recognition_changes
from gateway.delivery.planning import Delivery
from gateway.delivery.reevaluation import as_it_stood
from gateway.delivery.reevaluation_job import (
    as_it_stands,
    date_jobs,
    revision_job,
    walked_sources,
)
from gateway.recognition import Agreement, SourceScope, recognise
from gateway_client.contract import FixedClock, Listing, ListingStatus

HUNAN = "430000"
SUBSCRIBERS = [
    subscription("sub-hn-1", region=HUNAN),
    subscription("sub-hn-2", region=HUNAN),
    subscription("sub-gd", region="440000"),
]
ORIGINS = ("441802", "440100", "430100", "420281", "100001")
DOMAINS = ("court_defaulter", "food_drug", "major_tax_violation")


def _pool() -> list[Listing]:
    """Listings of four subjects from five origins, black and red, in three domains."""
    made = []
    for n in range(24):
        red = n % 5 == 4
        made.append(
            listing(
                red_entry() if red else None,
                credit_code=make_uscc(n % 4),
                origin_region=ORIGINS[n % len(ORIGINS)],
                domain="a_grade_taxpayer" if red else DOMAINS[n % len(DOMAINS)],
                decision_number=f"决定〔2025〕{n}号",
            )
        )
    return made


POOL = _pool()
STATUSES = (ListingStatus.ACTIVE, ListingStatus.ACTIVE, ListingStatus.SUSPENDED)
SCOPES = (
    [{"region": "440000", "subtree": True}],
    [{"region": "441802", "subtree": False}],
    [{"region": "440000", "subtree": True}, {"region": "441800", "subtree": True}],
    [{"region": "420000", "subtree": True}, {"region": "430100", "subtree": False}],
    [{"region": "100000", "subtree": True}],
)
VERSIONS = st.builds(
    lambda scope, domains, kinds, until: {
        "sources": scope,
        "domains": domains,
        "kinds": kinds,
        "effective_until": until,
    },
    st.sampled_from(SCOPES),
    st.sampled_from(([], ["court_defaulter"], ["court_defaulter", "major_tax_violation"])),
    st.sampled_from((["black"], ["black", "red"])),
    st.sampled_from((None, "2025-03-01")),
)


def stored(chosen: Sequence[tuple[int, int]]) -> InMemoryListingStore:
    store = InMemoryListingStore()
    for index, status in dict(chosen).items():
        store.write([(with_status(POOL[index], STATUSES[status]), None)], POOL[index].origin_region)
    return store


def run_to_the_end(runner: ReevaluationRunner, job_id: str, pages_per_run: int) -> int:
    """Invocations until the job is finished, each running out after ``pages_per_run`` pages."""
    invocations = 0
    while True:
        invocations += 1
        budget = iter([False] * pages_per_run + [True])
        job = runner.run(job_id, budget.__next__)
        assert job is not None
        if job.finished:
            return invocations


def ids(deliveries: Sequence[Delivery]) -> Counter[str]:
    return Counter(d.delivery_id for d in deliveries)


class Sent:
    def __init__(self) -> None:
        self.sent: list[Delivery] = []

    def enqueue(self, deliveries: Sequence[Delivery], dedup_suffix: str = "") -> None:
        self.sent += list(deliveries)


class Subscriptions:
    def all(self) -> list:
        return list(SUBSCRIBERS)


def job_setup(store: InMemoryListingStore, page_size: int) -> tuple:
    agreements = InMemoryAgreements()
    jobs = InMemoryReevaluations(agreements, store, page_size)
    queue = Sent()
    clock = FixedClock(NOW)
    runner = ReevaluationRunner(jobs, jobs, Subscriptions(), queue, agreements, clock)  # type: ignore[arg-type]
    return jobs, queue, runner


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chosen=st.lists(st.tuples(st.integers(0, len(POOL) - 1), st.integers(0, 2)), max_size=16),
    previous=st.none() | VERSIONS,
    revised=VERSIONS,
    other=st.none() | VERSIONS,
    page_size=st.integers(1, 5),
    pages_per_run=st.integers(1, 4),
)
def test_a_paged_job_queues_exactly_what_the_whole_table_comparison_does(
    chosen, previous, revised, other, page_size, pages_per_run
) -> None:
    store = stored(chosen)
    old = agreement("agr-a", revision=1, **previous) if previous else None
    new = agreement("agr-a", revision=2 if old else 1, **revised)
    others = [agreement("agr-b", **other)] if other else []
    job = revision_job(old, new, others)
    jobs, queue, runner = job_setup(store, page_size)
    jobs.start([job])

    run_to_the_end(runner, job.job_id, pages_per_run)

    whole = recognition_changes(
        store.by_subject(),
        HUNAN,
        [*others, *([old] if old else [])],
        [*others, new],
        SUBSCRIBERS,
        job.job_id,
        new.updated_at,
    )
    assert ids(queue.sent) == ids(whole)  # each once: no page walked twice, none missed
    by_id = {d.delivery_id: d for d in whole}
    assert all(d == by_id[d.delivery_id] for d in queue.sent)


def test_a_page_walked_again_after_a_crash_queues_only_the_same_ids() -> None:
    store = stored([(i, 0) for i in range(0, 24, 5)] + [(i, 0) for i in range(1, 24, 5)])
    job = revision_job(None, agreement("agr-a", sources=SCOPES[4]), [])
    jobs, queue, runner = job_setup(store, page_size=1)
    jobs.start([job])
    advance = jobs.advance
    jobs.advance = lambda held, moved: False  # type: ignore[method-assign]  # dies before saving
    assert runner.run(job.job_id, lambda: False) is None
    first = list(queue.sent)
    jobs.advance = advance  # type: ignore[method-assign]

    run_to_the_end(runner, job.job_id, pages_per_run=2)

    assert first
    assert set(ids(queue.sent)) == set(ids(queue.sent[len(first) :]))  # duplicates, no new ids


def test_a_run_taken_over_by_another_stops_at_its_next_page() -> None:
    store = stored([(i, 0) for i in range(10)])
    job = revision_job(None, agreement("agr-a", sources=SCOPES[4]), [])
    jobs, _, runner = job_setup(store, page_size=1)
    jobs.start([job])
    assert runner.run(job.job_id, iter([False, True]).__next__) is not None  # one page
    stale = jobs.get(job.job_id)
    assert stale is not None
    assert runner.run(job.job_id, iter([False, True]).__next__) is not None  # another run
    assert jobs.advance(stale, stale.moved_on("9", 0)) is False


def test_scopes_already_covered_by_another_are_not_walked_twice() -> None:
    scopes = [
        SourceScope(region="441802", subtree=False),
        SourceScope(region="440000"),
        SourceScope(region="441800"),
        SourceScope(region="420000"),
        SourceScope(region="440000"),
    ]
    assert walked_sources(scopes) == (SourceScope(region="420000"), SourceScope(region="440000"))
    nation = walked_sources([SourceScope(region="100000"), SourceScope(region="441802")])
    assert nation == (SourceScope(region="100000"),)


# -- the daily tick: agreements whose dates begin or end ------------------------------------------

TODAY = date(2025, 6, 2)  # NOW's day in Beijing
SAVED_BEFORE = NOW - timedelta(days=40)


def dated(agreement_id: str, start: date, until: date | None) -> Agreement:
    made = agreement(
        agreement_id, effective_from=start.isoformat(), effective_until=until and until.isoformat()
    )
    return made.model_copy(update={"updated_at": SAVED_BEFORE})


def test_date_jobs_start_on_the_first_day_in_effect_and_on_the_first_day_out() -> None:
    """``effective_until`` is exclusive (recognise: ``on >= effective_until`` is out of effect),
    so recognition changes on ``effective_from`` and on ``effective_until`` itself."""
    starts = dated("agr-starts", TODAY, None)
    ends = dated("agr-ends", date(2025, 1, 1), TODAY)
    ended_yesterday = dated("agr-ended", date(2025, 1, 1), TODAY - timedelta(days=1))
    starts_tomorrow = dated("agr-later", TODAY + timedelta(days=1), None)
    running = dated("agr-running", date(2025, 1, 1), None)
    saved_today = agreement("agr-new", effective_from=TODAY.isoformat())  # updated_at: NOW
    every = [starts, ends, ended_yesterday, starts_tomorrow, running, saved_today]

    [job] = date_jobs(every, TODAY, NOW)  # one a region and day, for every agreement dated

    assert job.job_id == "430000#2025-06-02"
    court = listing(origin_region="441802")
    was = recognise(court, HUNAN, job.before, TODAY).basis
    now = recognise(court, HUNAN, job.after, TODAY).basis
    assert ("agr-starts" in was, "agr-ends" in was) == (False, True)
    assert set(was) ^ set(now) == {"agr-starts", "agr-ends"}  # they alone differ
    # the day before, yesterday's agreement stood as recognise saw it then
    assert recognise(court, HUNAN, [ends], TODAY - timedelta(days=1)).recognised
    assert not recognise(court, HUNAN, [ends], TODAY).recognised


def test_a_revision_saved_on_its_start_or_end_day_before_the_tick_compares_what_was_told() -> None:
    """Saved before the day's tick (dated through yesterday), the previous revision is compared
    as it stood yesterday, so its start or end is told by the revision's job (the tick takes a
    revision saved today as re-evaluated); saved after the tick, as it is, so not twice."""
    court = listing(origin_region="441802")
    yesterday = TODAY - timedelta(days=1)
    for previous in (dated("agr", TODAY, None), dated("agr", date(2025, 1, 1), TODAY)):
        revised = previous.model_copy(update={"title": "更正标题", "updated_at": NOW})
        for dated_through, told in ((yesterday, True), (TODAY, False)):
            job = revision_job(previous, revised, [], dated_through)
            was = recognise(court, HUNAN, job.before, TODAY).recognised
            now = recognise(court, HUNAN, job.after, TODAY).recognised
            assert (was != now) is told, (previous.effective_from, dated_through)


def test_as_it_stood_keeps_yesterdays_effect_on_any_later_day() -> None:
    yesterday = TODAY - timedelta(days=1)
    court = listing(origin_region="441802")
    for held in (dated("a", TODAY, None), dated("b", date(2025, 1, 1), TODAY)):
        then = recognise(court, HUNAN, [held], yesterday).recognised
        frozen = as_it_stood(held, yesterday)
        for later in (TODAY, TODAY + timedelta(days=400)):
            assert recognise(court, HUNAN, [frozen], later).recognised is then


def test_the_tick_starts_a_dates_job_once_and_restarts_every_unfinished_one() -> None:
    store = stored([(0, 0), (5, 0)])
    agreements = [dated("agr-starts", TODAY, None)]
    jobs, _, _ = job_setup(store, page_size=1)
    lost = revision_job(None, agreement("agr-lost"), [])
    jobs.start([lost])  # saved with its revision; its message was lost
    triggered: list[str] = []

    class Trigger:
        def start(self, job_id: str) -> None:
            triggered.append(job_id)

    first = daily_reevaluations(agreements, jobs, Trigger(), TODAY, NOW)
    again = daily_reevaluations(agreements, jobs, Trigger(), TODAY, NOW)
    tomorrow = daily_reevaluations(agreements, jobs, Trigger(), TODAY + timedelta(days=1), NOW)

    assert first == (1, 2)
    assert again == (0, 2)  # the hourly tick does not start the day's job twice
    assert tomorrow == (0, 2)
    assert set(triggered) == {"430000#2025-06-02", "agr-lost@1"}


def test_days_without_a_tick_are_caught_up_by_the_next_one() -> None:
    """Ticks stopped for three days (an outage): the first tick after it starts the jobs of
    every date passed meanwhile, each comparing the agreement as it last stood re-evaluated."""
    court = listing(origin_region="441802")
    gap = TODAY - timedelta(days=3)
    began = dated("agr-began", TODAY - timedelta(days=2), None)
    ended = dated("agr-ended", date(2025, 1, 1), TODAY - timedelta(days=1))
    both = dated("agr-both", TODAY - timedelta(days=2), TODAY - timedelta(days=1))
    saved_later = agreement("agr-saved", effective_from=(TODAY - timedelta(days=2)).isoformat())
    saved_later = saved_later.model_copy(update={"updated_at": NOW - timedelta(days=1)})
    before_gap = dated("agr-old", gap, None)  # its day's tick ran

    [job] = date_jobs([began, ended, both, saved_later, before_gap], TODAY, NOW, gap)

    assert {s.region for s in job.sources} == {s.region for s in began.sources}
    was = recognise(court, HUNAN, job.before, TODAY).basis
    now = recognise(court, HUNAN, job.after, TODAY).basis
    for name, then, later in (
        ("agr-began", False, True),
        ("agr-ended", True, False),
        ("agr-both", False, False),  # in effect only between two ticks: nothing to change
        ("agr-saved", True, True),  # re-evaluated when saved, after the gap began
        ("agr-old", True, True),  # its day's tick ran
    ):
        assert (name in was, name in now) == (then, later), name


def test_the_tick_remembers_the_last_day_it_dated() -> None:
    jobs, _, _ = job_setup(stored([(0, 0)]), page_size=1)
    agreements = [dated("agr-starts", TODAY - timedelta(days=1), None)]
    jobs.date_through(TODAY - timedelta(days=2))  # the last tick ran two days ago

    first = daily_reevaluations(agreements, jobs, trigger := _Triggers(), TODAY, NOW)
    again = daily_reevaluations(agreements, jobs, trigger, TODAY, NOW)

    assert (first[0], again[0], jobs.dated_through()) == (1, 0, TODAY)
    assert set(trigger.started) == {"430000#2025-06-02"}  # unfinished: re-sent


class _Triggers:
    def __init__(self) -> None:
        self.started: list[str] = []

    def start(self, job_id: str) -> None:
        self.started.append(job_id)


def _before_during_after(store: InMemoryListingStore) -> tuple[Listing, Listing, Listing]:
    """Accepted before the revision's time, 20 s after it, and a day after it."""
    made = tuple(
        listing(origin_region="441802", decision_number=f"决定〔2025〕{n}号", accepted_at=at)
        for n, at in ((1, NOW), (3, NOW + timedelta(seconds=20)), (2, NOW + timedelta(1)))
    )
    for x in made:
        store.write([(x, None)], x.origin_region)
    return made


def test_a_listing_accepted_after_the_stamped_commit_is_left_to_its_own_fan_out() -> None:
    """Stamped committed 5 s after its time: one accepted 20 s after was fanned out on the
    new agreement already, and is not said again."""
    store = InMemoryListingStore()
    before, *_ = _before_during_after(store)
    job = revision_job(None, agreement("agr-a"), [])
    jobs, queue, runner = job_setup(store, page_size=1)
    jobs.start([job])
    jobs.committed(job, NOW + timedelta(seconds=5))

    run_to_the_end(runner, job.job_id, pages_per_run=5)

    assert {d.change.listing.listing_id for d in queue.sent} == {before.listing_id}


def test_a_listing_accepted_after_the_revision_is_left_to_its_own_fan_out() -> None:
    """Its fan-out already recognised it under the new agreement; one accepted while the save
    may still have been committing (a job never stamped committed: ``SAVE_WINDOW``) may have
    been fanned out on the old one: compared again."""
    store = InMemoryListingStore()
    before, during, _ = _before_during_after(store)
    job = revision_job(None, agreement("agr-a"), [])
    jobs, queue, runner = job_setup(store, page_size=1)
    jobs.start([job])

    run_to_the_end(runner, job.job_id, pages_per_run=5)

    assert {d.change.listing.listing_id for d in queue.sent} == {
        before.listing_id,
        during.listing_id,
    }


def test_a_region_without_subscriptions_finishes_without_walking() -> None:
    store = stored([(i, 0) for i in range(10)])
    job = revision_job(None, agreement("agr-a", subscriber_region="650000"), [])
    jobs, queue, runner = job_setup(store, page_size=1)
    jobs.start([job])
    jobs.active_in = None  # type: ignore[assignment]  # any page read would fail

    done = runner.run(job.job_id, lambda: False)

    assert done is not None
    assert (done.finished, queue.sent) == (True, [])
    assert jobs.unfinished() == []


def test_an_older_job_run_last_ends_on_the_agreements_in_force_not_on_its_own() -> None:
    # A@2 (lapsed) saved, then A@3 (in force again); A@3's job runs first, then A@2's, whose
    # trigger was lost and restarted by the tick: the subscriber's last word must be A@3's.
    store = InMemoryListingStore()
    held = listing(origin_region="441802", decision_number="决定〔2025〕1号")
    store.write([(held, None)], held.origin_region)
    a1 = agreement("agr-a", revision=1)
    a2 = agreement(
        "agr-a", revision=2, effective_from="2024-01-01", effective_until="2024-01-02"
    ).model_copy(update={"updated_at": NOW + timedelta(seconds=1)})
    a3 = agreement("agr-a", revision=3).model_copy(
        update={"updated_at": NOW + timedelta(seconds=2)}
    )
    older, newer = revision_job(a1, a2, []), revision_job(a2, a3, [])
    jobs, queue, runner = job_setup(store, page_size=1)
    jobs.agreements.put(a3)  # what the store holds once both revisions are saved
    jobs.start([older, newer])

    run_to_the_end(runner, newer.job_id, 5)
    run_to_the_end(runner, older.job_id, 5)

    assert queue.sent[-1].recognition.recognised


def test_two_agreements_of_a_region_beginning_the_same_day_are_one_comparison() -> None:
    """Each agreement's own job saw the other as in force already on its before side: each
    found no change, and the subscriber was never told (or, with other measures, told twice)."""
    court = listing(origin_region="441802")
    first, second = dated("agr-a", TODAY, None), dated("agr-b", TODAY, None)

    [job] = date_jobs([first, second], TODAY, NOW)

    assert not recognise(court, HUNAN, job.before, TODAY).recognised
    assert set(recognise(court, HUNAN, job.after, TODAY).basis) == {"agr-a", "agr-b"}


def test_as_it_stands_today_seen_on_an_earlier_day() -> None:
    """A job run after its day compares with what is in force when it runs."""
    court = listing(origin_region="441802")
    yesterday = TODAY - timedelta(days=1)
    for held, in_force_today in (
        (dated("ended-today", yesterday, TODAY), False),
        (dated("began-today", TODAY, None), True),
        (dated("running", date(2025, 1, 1), None), True),
    ):
        seen = as_it_stands(held, TODAY, yesterday)
        assert recognise(court, HUNAN, [seen], yesterday).recognised is in_force_today


def test_a_tick_of_a_past_day_keeps_a_held_region_held_after_that_day() -> None:
    """湖南's job of a day could not be stored (held back at the day before); a tick run with
    ``at`` three days earlier makes it no job and must not release it: the day stays owed,
    and the next tick of today makes its job (review 167)."""
    jobs, _, _ = job_setup(stored([(0, 0)]), page_size=1)
    agreements = [dated("agr-starts", TODAY, None)]
    jobs.date_through(TODAY)
    jobs.hold_back({"430000": TODAY - timedelta(days=1)})

    past = daily_reevaluations(agreements, jobs, _Triggers(), TODAY - timedelta(days=3), NOW)
    held_after_the_past_tick = jobs.held_back()
    today = daily_reevaluations(agreements, jobs, _Triggers(), TODAY, NOW)

    assert past[0] == 0
    assert held_after_the_past_tick == {"430000": TODAY - timedelta(days=1)}
    assert today[0] == 1  # the start told at last
    assert jobs.held_back() == {}


def test_a_listing_told_after_an_agreement_stood_is_compared_as_its_fan_out_told_it() -> None:
    """An agreement in effect only between two ticks (or begun today and ended before today's
    tick) recognised what was fanned out meanwhile, on its own day: that listing is compared
    with the agreement as in effect on the day it was accepted, so its end is told; one
    accepted before is compared as the agreement stood, and is told nothing (review 271)."""
    gap = TODAY - timedelta(days=3)
    both = dated("agr-both", TODAY - timedelta(days=2), TODAY - timedelta(days=1))
    [job] = date_jobs([both], TODAY, NOW, gap)
    comparison = job.comparison()
    in_the_gap = listing(origin_region="441802", accepted_at=NOW - timedelta(days=2))
    before_it = listing(origin_region="441802", accepted_at=NOW - timedelta(days=3))

    assert recognise(in_the_gap, HUNAN, comparison.before_for(in_the_gap), TODAY).recognised
    assert not recognise(before_it, HUNAN, comparison.before_for(before_it), TODAY).recognised
    assert not recognise(in_the_gap, HUNAN, comparison.after, TODAY).recognised

    started = dated("agr", TODAY, None)  # began today; ended this morning, before the tick
    ended = started.model_copy(update={"effective_until": TODAY, "updated_at": NOW})
    job = revision_job(started, ended, [], TODAY - timedelta(days=1))
    this_morning = listing(origin_region="441802", accepted_at=NOW - timedelta(hours=1))
    told = job.comparison().before_for(this_morning)
    assert recognise(this_morning, HUNAN, told, TODAY).recognised
    assert not recognise(this_morning, HUNAN, job.after, TODAY).recognised
