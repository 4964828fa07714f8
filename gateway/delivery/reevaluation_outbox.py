"""The outbox of re-evaluation jobs, and the tick's part: a revision's job is saved with the
revision (``ReevaluationOutbox.save``), a day's date jobs once however often the tick runs
(``daily_reevaluations``), and every unfinished job is (re)started through the trigger."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Protocol

from pydantic import AwareDatetime

from gateway.delivery.reevaluation_job import ReevaluationJob, date_jobs
from gateway.recognition import Agreement


class JobsNotStored(Exception):
    """Jobs the store refused (an item over its size limit); ``stored``: the others, stored."""

    def __init__(
        self, stored: Sequence[ReevaluationJob], failed: Sequence[ReevaluationJob]
    ) -> None:
        super().__init__(f"re-evaluation jobs not stored: {', '.join(j.job_id for j in failed)}")
        self.stored, self.failed = list(stored), list(failed)


def last_dated(
    outbox: ReevaluationOutbox, region: str, today: date, held: Mapping[str, date] | None = None
) -> date:
    """The last day whose date jobs are stored for ``region``: the day a job of a revision
    compares from, and its size is judged as of (``agreement_desk``)."""
    held = outbox.held_back() if held is None else held
    return held.get(region) or outbox.dated_through() or today - timedelta(days=1)


class ReevaluationOutbox(Protocol):
    def save(self, agreement: Agreement, job: ReevaluationJob, region_saves: int) -> None:
        """The revision and its re-evaluation job in one transaction, counted on its region's
        guard if it still counts ``region_saves`` (what the revision was judged against: two
        saves at once would each pass the region's size limit alone): all or nothing, 409."""
        ...

    def committed(self, job: ReevaluationJob, at: AwareDatetime) -> None:
        """Stamp the saved ``job`` committed at ``at``, unless a run has moved it on already
        (then it keeps its window: a stamp is a narrowing, never needed)."""
        ...

    def start(self, jobs: Sequence[ReevaluationJob]) -> list[ReevaluationJob]:
        """Store the jobs not stored yet (a date's job once however often the tick runs); the
        ones stored now. One that cannot be stored keeps no other from being: then
        ``JobsNotStored``."""
        ...

    def unfinished(self) -> list[str]:
        """The ids of every job not finished yet."""
        ...

    def dated_through(self) -> date | None:
        """The last day whose date jobs are stored (``None``: never), but for the regions
        ``held_back`` names."""
        ...

    def date_through(self, day: date) -> None:
        """Record that ``day``'s date jobs are stored (never moving back)."""
        ...

    def held_back(self) -> dict[str, date]:
        """The regions whose date jobs could not be stored, each with the last day its were."""
        ...

    def hold_back(self, held: Mapping[str, date]) -> None:
        """Replace what ``held_back`` answers."""
        ...

    def region_saves(self, region: str) -> int:
        """How many revisions of the region's agreements were saved (its guard's count)."""
        ...

    def revised_on(self, regions: Sequence[str]) -> dict[str, date]:
        """The day of each region's last revision saved (its job's ``on``), where one was:
        recorded with its guard, in the same transaction."""
        ...


class ReevaluationTrigger(Protocol):
    def start(self, job_id: str) -> None:
        """Have a runner take up the job (again); the tick re-sends what may have been lost."""
        ...


def daily_reevaluations(
    agreements: Sequence[Agreement],
    outbox: ReevaluationOutbox,
    trigger: ReevaluationTrigger,
    today: date,
    at: AwareDatetime,
) -> tuple[int, int]:
    """The tick's part: store the date jobs of every day since the last tick that stored them
    (once a day however often it runs), then (re)start every unfinished job, whose trigger may
    have been lost; a job already running meets its copy at the next page and one of them
    stops. (jobs started, jobs triggered)

    A date job that cannot be stored raises, after the others are stored and every unfinished
    job is started: its region is held back at its last stored day, so the next tick makes its
    job again (the other regions' days are done: made again they would be told twice). A tick
    of a day before the last one dated (``at`` in the past) takes a held region only as far
    as that day: its days after it are still owed (review 167: it was released, and they were
    told by nobody)."""
    held = outbox.held_back()
    through = outbox.dated_through()
    revised = outbox.revised_on(sorted({a.subscriber_region for a in agreements}))
    jobs = date_jobs(agreements, today, at, through, held, revised)
    try:
        started, failed = outbox.start(jobs), []
    except JobsNotStored as refused:
        started, failed = refused.stored, refused.failed
    last = {job.region: last_dated(outbox, job.region, today, held) for job in failed}
    if through is not None and today < through:
        last = {**{region: max(day, today) for region, day in held.items()}, **last}
    if last != held:  # the others' days done; a failed region goes on from its own
        outbox.hold_back(last)
    outbox.date_through(today)
    unfinished = outbox.unfinished()
    for job_id in unfinished:
        trigger.start(job_id)
    if failed:
        raise JobsNotStored(started, failed)
    return len(started), len(unfinished)
