"""Re-evaluation jobs: what an agreement revision (or a day on which an agreement begins or
ends) changes for its subscriber region, worked out page by page after the revision is saved.

A job is written in the same transaction as the revision (the outbox), so a failure can delay
it but never lose it; ``gateway.delivery.reevaluation_runner`` walks it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from pydantic import AwareDatetime

from gateway.delivery.reevaluation import Comparison, DatedBefore, as_it_stood
from gateway.recognition import Agreement, SourceScope
from gateway_client.contract import Frozen, Listing, RegionCode, china_date, within

SAVE_WINDOW = timedelta(seconds=60)
"""Longer than an agreement save can take from its ``updated_at`` to its commit: the API
function's timeout (29 s, ``infra/sizing.py``) plus clock skew between functions."""


class ReevaluationJob(Frozen):
    """One re-evaluation and how far it has gone."""

    job_id: str  # its cause: "agr_…@revision", "<region>#YYYY-MM-DD" for a day's dates
    region: RegionCode
    before: tuple[Agreement, ...]
    after: tuple[Agreement, ...]
    sources: tuple[SourceScope, ...]  # disjoint: no listing is walked twice
    on: date
    at: AwareDatetime
    committed_at: AwareDatetime | None = None
    """When the job's agreements were known committed: a revision's is stamped after its save,
    a date's job is made with its tick's time (no agreement changes then)."""
    scope: int = 0  # the source being walked
    page: str | None = None  # the listing store's token of that source's next page
    pages: int = 0  # walked so far: a run stores its next step only over the one it read
    deliveries: int = 0  # queued so far
    finished: bool = False
    # the agreements ``before`` holds as they stood on an earlier day (``Comparison.before_for``)
    dated: tuple[DatedBefore, ...] = ()

    def comparison(self) -> Comparison:
        return Comparison(
            self.region, self.before, self.after, self.on, self.job_id, self.at, self.dated
        )

    def cutoff(self) -> datetime:
        """The last acceptance time compared: a listing accepted later was fanned out after the
        revision was committed, so its own fan-out read the agreements as changed. Acceptance
        and commit are stamped by different functions' clocks (Amazon Time Sync: about a
        millisecond apart); a fan-out reads the agreements only after the listing's stream
        record reaches it, tens of milliseconds at the least, so skew below that loses
        nothing, and a margin would only make listings pushed right after a save be said
        twice."""
        if self.committed_at is not None:  # no margin for clocks: see below
            return self.committed_at
        return self.at + SAVE_WINDOW  # a save that died before its stamp: the widest it can be

    def covers(self, listing: Listing) -> bool:
        return any(scope.covers(listing.origin_region) for scope in self.sources)

    def moved_on(self, next_page: str | None, queued: int) -> ReevaluationJob:
        """The job after one page; past the last page of the last source, finished."""
        scope = self.scope if next_page is not None else self.scope + 1
        return self.model_copy(
            update={
                "scope": scope,
                "page": next_page,
                "pages": self.pages + 1,
                "deliveries": self.deliveries + queued,
                "finished": scope >= len(self.sources),
            }
        )


def walked_sources(scopes: Sequence[SourceScope]) -> tuple[SourceScope, ...]:
    """The scopes without those another one already covers, in a fixed order."""

    def inside(x: SourceScope, y: SourceScope) -> bool:
        return x != y and y.subtree and within(x.region, y.region)

    unique = sorted(set(scopes), key=lambda x: (x.region, x.subtree))
    return tuple(x for x in unique if not any(inside(x, y) for y in unique))


def revision_job(
    previous: Agreement | None,
    agreement: Agreement,
    others: Sequence[Agreement],
    since: date | None = None,
) -> ReevaluationJob:
    """The re-evaluation of a saved revision: the region's agreements with the previous
    revision against them with this one, on the day it was saved; ``others`` are the region's
    other agreements.

    Every agreement is compared as its subscribers were last told of it: as it stood on
    ``since`` — the last day whose date jobs were stored, or the day of the region's last
    revision, whichever is later — when it began or ended after that, and the sources of the
    others that did are walked too. A revision saved on such a day, before its tick, makes
    that day's date job start from it (``date_jobs``'s ``revised``), so this job tells those
    starts and ends: compared as in effect on both sides, a listing recognised by another
    agreement beginning today and by the revision alike was told by neither (review 167 F1).

    A revision stamped before midnight Beijing whose save reads a later ``since`` (the next
    day's tick, or a revision saved after midnight, ran meanwhile) is a revision of that day:
    its size was judged as of it, and the region's revision day never moves back (review 175:
    a job carried as of the day before passed DynamoDB's item limit, and every tick failed)."""
    today = max(china_date(agreement.updated_at), since or date.min)
    last = since or today - timedelta(days=1)
    earlier = [] if previous is None else [previous]
    dated = {id(a): d for a in (*earlier, *others) if (d := _dated(a, last, today)) is not None}
    # out of effect already (one ended before, put back in force now): no measures (review
    # 167: carried whole, its job passed DynamoDB's item limit); one dated keeps them, as a date
    # job keeps it, for a listing told since it stood is compared with it in effect (review 273)
    before = [
        _as_dated(a, dated) if id(a) in dated else carried([a], today)[0]
        for a in (*others, *earlier)
    ]
    moved = [a for a in others if id(a) in dated]
    scopes = [
        *(previous.sources if previous else ()),
        *agreement.sources,
        *(scope for a in moved for scope in a.sources),
    ]
    return ReevaluationJob(
        job_id=f"{agreement.agreement_id}@{agreement.revision}",
        region=agreement.subscriber_region,
        before=tuple(before),
        after=(*carried(others, today), agreement),
        sources=walked_sources(scopes),
        on=today,
        at=agreement.updated_at,
        dated=tuple(dated.values()),
    )


def carried(agreements: Sequence[Agreement], since: date) -> list[Agreement]:
    """The agreements as a job carries them: one whose ``effective_until`` (its first day out
    of effect) is ``since`` or earlier is out of effect on both sides of every comparison from
    then on, so only what says why it recognises nothing is kept (its kinds, domains, severity,
    grades and dates: ``Agreement.exclusion``), not its measures, which it never applies. So
    ended agreements add little to a job, nor to their region's size
    (``agreement_desk.REGION_AGREEMENTS_BYTES``)."""
    return [
        a
        if a.effective_until is None or a.effective_until > since
        else a.model_copy(update={"measures": a.measures[:1]})
        for a in agreements
    ]


def as_it_stands(agreement: Agreement, today: date, seen_on: date) -> Agreement:
    """``agreement`` as in effect ``today``, seen on the earlier day ``seen_on``: a job run
    after its day compares with what is in force when it runs, or a date job run before it
    (the day after, its trigger lost) would not have the last word."""
    in_effect = agreement.effective_from <= today and (
        agreement.effective_until is None or today < agreement.effective_until
    )
    if not in_effect:
        return agreement.model_copy(update={"effective_until": agreement.effective_from})
    start = min(agreement.effective_from, seen_on)
    return agreement.model_copy(update={"effective_from": start, "effective_until": None})


def date_jobs(
    agreements: Sequence[Agreement],
    today: date,
    at: AwareDatetime,
    since: date | None = None,
    held_back: Mapping[str, date] | None = None,
    revised: Mapping[str, date] | None = None,
) -> list[ReevaluationJob]:
    """A job for each region with an agreement that began, or ended (``effective_until`` is its
    first day out of effect), after ``since`` and by ``today``: the region's agreements, each
    that did as it stood on ``since`` (or on the day its revision was saved, if later), the
    others as they are, compared with all of them today. One job a region, not one an
    agreement: two agreements of a region starting the same day would each see the other as
    in force already on its before side, and tell nobody (or each tell the same listing).

    ``since`` is the last day whose date jobs were stored (yesterday unless ticks were
    missed), so a day with no tick is caught up by the next one instead of being lost; a
    region whose date job could not be stored goes on from its own day (``held_back``). A
    region's revision saved since (``revised``: the day of its last) re-evaluated every one of
    its agreements up to that day (``revision_job``): its job starts from there, or it would
    tell the same start twice.
    """
    by_region: dict[str, list[Agreement]] = defaultdict(list)
    for agreement in agreements:
        by_region[agreement.subscriber_region].append(agreement)
    jobs = []
    for region, every in sorted(by_region.items()):
        last = (held_back or {}).get(region) or since or today - timedelta(days=1)
        last = max(last, (revised or {}).get(region, last))
        held = carried(every, last)
        dated = {id(a): d for a in held if (d := _dated(a, last, today)) is not None}
        if not dated:
            continue
        moved = [a for a in held if id(a) in dated]
        jobs.append(
            ReevaluationJob(
                job_id=f"{region}#{today.isoformat()}",
                region=region,
                before=tuple(_as_dated(a, dated) for a in held),
                after=tuple(held),
                sources=walked_sources([scope for a in moved for scope in a.sources]),
                on=today,
                at=at,
                committed_at=at,
                dated=tuple(dated.values()),
            )
        )
    return jobs


def _as_dated(agreement: Agreement, dated: Mapping[int, DatedBefore]) -> Agreement:
    """The agreement as it stood, if dated (keyed by object: a revision and its previous one
    share their id)."""
    held = dated.get(id(agreement))
    return agreement if held is None else as_it_stood(agreement, held.stood)


def _dated(agreement: Agreement, last: date, today: date) -> DatedBefore | None:
    """The agreement as a before side holds it when it began or ended after the day it stood
    (``last``, or the day of its own revision if later) and by ``today``; else ``None``."""
    stood = max(last, china_date(agreement.updated_at))
    if not any(
        day is not None and stood < day <= today
        for day in (agreement.effective_from, agreement.effective_until)
    ):
        return None
    return DatedBefore(
        agreement_id=agreement.agreement_id, stood=stood, until=agreement.effective_until
    )
