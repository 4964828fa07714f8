"""Mutual-recognition agreements (互认协议 / 合作备忘录): who honours whose lists, and how."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Self

from pydantic import AwareDatetime, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from gateway.recognition.measures import load_measures
from gateway_client.contract import (
    CHINA,
    ONE_LINE,
    Day,
    DomainKeys,
    DomainNotForKinds,
    DuplicateValue,
    Frozen,
    GradeKeys,
    GradeNotForDomains,
    Listing,
    ListKind,
    Measure,
    MeasureNotForKinds,
    NotRecognised,
    RegionCode,
    SelfRecognition,
    Severity,
    china_date,
    intake_of,
    judged_severity,
    load_catalogue,
    rank,
    within,
)


class SourceScope(Frozen):
    """A source region, alone or with everything under it (e.g. every region under 430000)."""

    region: RegionCode
    subtree: bool = True

    def covers(self, origin_region: str) -> bool:
        return within(origin_region, self.region) if self.subtree else origin_region == self.region


class AgreementTerms(Frozen):
    """What an operator signs on a region's behalf."""

    title: Annotated[str, Field(min_length=1, max_length=200), ONE_LINE]
    subscriber_region: RegionCode
    sources: tuple[SourceScope, ...] = Field(min_length=1, max_length=100)
    kinds: tuple[ListKind, ...] = Field(min_length=1)
    domains: DomainKeys = ()
    min_severity: Severity | None = None
    grades: GradeKeys = Field(
        default=(),
        max_length=20,
        description="evaluation results: only these grades are recognised; empty: every grade",
    )
    effective_from: Day
    effective_until: Day | None = Field(default=None, validate_default=True)
    measures: tuple[Measure, ...] = Field(min_length=1, max_length=100)

    @field_validator("grades")
    @classmethod
    def _grades_for_evaluations(
        cls, value: tuple[str, ...], info: ValidationInfo
    ) -> tuple[str, ...]:
        if value and ListKind.EVALUATION not in info.data.get("kinds", ()):
            raise PydanticCustomError(
                "grades_without_evaluations", "grades recognise evaluation results only"
            )
        return value

    @field_validator("effective_until")
    @classmethod
    def _after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        """``effective_until`` is the first day out: terms given must apply on some day from
        today on. (An agreement ended on the day it began is stored so, by ``end``: read
        back, it is not judged again.)"""
        start = info.data.get("effective_from")
        if value is None or start is None:
            return value
        if value < start:
            raise PydanticCustomError(
                "dates_out_of_order", "effective_until is before effective_from"
            )
        intake = intake_of(info)
        if intake is None:
            return value
        if value == start:
            raise PydanticCustomError(
                "dates_out_of_order",
                "effective_until is the first day out: on effective_from the agreement would "
                "apply on no day",
            )
        if intake.today is not None and value <= intake.today:
            raise PydanticCustomError(
                "period_ended",
                "effective_until {until} has passed: the agreement would apply "
                "on no day from today",
                {"until": value.isoformat()},
            )
        return value

    def check_sense(self) -> None:
        """Refuse terms that parse but could never work as written, before anything is stored:
        a source, kind, domain, grade or measure named twice, the subscriber or a region under
        it among its own sources (their listings are its own already), a domain of other kinds
        of list only (a red list's domain in a black-list agreement), a grade no rating scheme
        of its domains has (a tax grade in a customs agreement), and a measure for other
        kinds of list only (a red list's incentive in a black-list agreement) — a catalogue
        measure by the catalogue's kinds, whatever the body restates, one written out in the
        agreement by its own.

        Raises
        ------
        DuplicateValue, SelfRecognition, DomainNotForKinds, GradeNotForDomains,
        MeasureNotForKinds
        """
        DuplicateValue.check([scope.region for scope in self.sources], "sources", "region")
        DuplicateValue.check(self.kinds, "kinds")
        DuplicateValue.check(self.domains, "domains")
        DuplicateValue.check(self.grades, "grades")
        DuplicateValue.check([m.measure_id for m in self.measures], "measures", "measure_id")
        for index, scope in enumerate(self.sources):
            if within(scope.region, self.subscriber_region):  # the nation's: every region
                raise SelfRecognition(
                    f"region {scope.region} is {self.subscriber_region}'s own subtree: its "
                    "listings are the subscriber's own already",
                    path=f"sources.{index}.region",
                )
        for index, key in enumerate(self.domains):
            domain = load_catalogue().domain(key)
            if domain is not None and not set(domain.kinds) & set(self.kinds):
                raise DomainNotForKinds(
                    f"{key} holds {', '.join(domain.kinds)} lists only",
                    path=f"domains.{index}",
                )
        if self.domains:
            schemes = [s for s in load_catalogue().schemes if s.domain in self.domains]
            for index, grade in enumerate(self.grades):
                if not any(grade in scheme.grades for scheme in schemes):
                    raise GradeNotForDomains(
                        f"no rating scheme of {', '.join(self.domains)} has grade {grade}",
                        path=f"grades.{index}",
                    )
        catalogue = load_measures()
        for index, measure in enumerate(self.measures):
            kinds = (catalogue.get(measure.measure_id) or measure).kinds
            if not set(kinds) & set(self.kinds):
                given = f"{', '.join(kinds)} lists only" if kinds else "no list (kinds is empty)"
                raise MeasureNotForKinds(
                    f"{measure.measure_id} applies to {given}", path=f"measures.{index}.measure_id"
                )

    def as_catalogue_says(self) -> Self:
        """The terms with each catalogue measure applying as the catalogue says (its kinds,
        domains, severity and grades, whom it reaches, its legal basis and, where the law
        requires it, its force), whatever the body restates — as ``check_sense`` judges
        it: a restatement kept would apply a red list's incentive to black listings (a body that
        leaves ``kinds`` out restates the default, both), or never apply at all. Made when
        terms are saved; an agreement stored before applies as stored until it is revised, whose
        re-evaluation then tells its subscribers what changes."""
        catalogue = load_measures()
        measures = tuple(_as_catalogued(m, catalogue.get(m.measure_id)) for m in self.measures)
        return self.model_copy(update={"measures": measures})

    def covers_source(self, listing: Listing) -> bool:
        return any(scope.covers(listing.origin_region) for scope in self.sources)

    def exclusion(self, listing: Listing, on: date) -> NotRecognised | None:
        """Why this agreement does not recognise ``listing`` on ``on``; None when it does."""
        if listing.kind not in self.kinds:
            return NotRecognised.KIND_NOT_COVERED
        if self.domains and listing.domain not in self.domains:
            return NotRecognised.DOMAIN_NOT_COVERED
        severity = judged_severity(listing)
        if (
            listing.kind is ListKind.BLACK
            and self.min_severity is not None
            and (severity is None or rank(severity) < rank(self.min_severity))
        ):
            return NotRecognised.SEVERITY_BELOW_THRESHOLD
        graded = listing.evaluation
        if graded is not None and self.grades and graded.grade not in self.grades:
            return NotRecognised.GRADE_NOT_COVERED
        return self.exclusion_on(on)

    def exclusion_on(self, on: date) -> NotRecognised | None:
        """Why the agreement is out of effect on ``on``; None when it is in effect."""
        if on < self.effective_from:
            return NotRecognised.NOT_YET_EFFECTIVE
        if self.effective_until is not None and on >= self.effective_until:
            return NotRecognised.NO_LONGER_EFFECTIVE
        return None


MEASURE_GAPS_KEPT = 32
"""Of each measure, the gaps kept: an agreement's size is bounded (a region's agreements are)."""


class MeasureGap(Frozen):
    """A measure a revision took out of an agreement, and the revision that gave it again."""

    dropped_at: AwareDatetime
    given_again_at: AwareDatetime | None = None

    def covers(self, day: date) -> bool:
        """Given at no moment of ``day``: after the drop's day, before the re-addition's."""
        back = self.given_again_at
        return china_date(self.dropped_at) < day and (back is None or day < china_date(back))

    def days(self) -> bool:
        """Whether it covers any day at all (a drop and its re-addition a day apart cover none)."""
        back = self.given_again_at
        return back is None or china_date(back) - china_date(self.dropped_at) > timedelta(days=1)


WHOLE = "*"
"""The gaps of the whole agreement (ended, then put back in force), beside its measures'."""
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
"""A gap's start for a measure first given by a revision: it was given on no day before."""


def _bounded(gaps: list[MeasureGap]) -> tuple[MeasureGap, ...]:
    """At most ``MEASURE_GAPS_KEPT``, the oldest merged into one spanning them: a day between
    them is refused, never a day in a gap accepted (review 222: the oldest were forgotten)."""
    while len(gaps) > MEASURE_GAPS_KEPT:
        first, second, *rest = gaps
        gaps = [second.model_copy(update={"dropped_at": first.dropped_at}), *rest]
    return tuple(gaps)


class Agreement(AgreementTerms):
    agreement_id: str
    revision: int = Field(ge=1)
    updated_at: AwareDatetime
    # what a creation under the operator's Idempotency-Key asked for (a digest of its terms):
    # a retry is compared with that, not with what revisions made of it since (review 189)
    created_as: str | None = Field(default=None, exclude_if=lambda value: value is None)
    # when ``effective_from`` was last set (signed, or a revision moved it): feedback on a
    # delivery from before a move is not judged by the moved start, and a later revision of
    # other terms does not widen that (review 190 F5); None: stored before this was kept
    start_moved_at: AwareDatetime | None = Field(
        default=None, exclude_if=lambda value: value is None
    )
    # when what it covers was last set (signed, or a revision changed its sources, kinds,
    # domains, severity, grades or a written-out measure's scope): feedback is judged by the
    # terms as stored for the days after it only, and a later revision of other terms (a title,
    # an end) does not move that (review 400); None: stored before this was kept
    coverage_changed_at: AwareDatetime | None = Field(
        default=None, exclude_if=lambda value: value is None
    )
    # when revisions took each measure out, and gave it again: a case executed under a delivery
    # that asked for it is judged by what the agreement gave on its day (review 218: refused
    # once dropped; review 219: accepted inside a gap between a drop and a re-addition)
    measure_gaps: dict[str, tuple[MeasureGap, ...]] = Field(
        default_factory=dict, exclude_if=lambda value: not value
    )

    def gaps_since(self, current: Agreement, now: datetime) -> dict[str, tuple[MeasureGap, ...]]:
        """``measure_gaps`` for these terms replacing ``current``'s at ``now``: a gap opened
        for each measure they take out, closed for each they give again (one first given: the
        days before it), one of the whole agreement for the days it was ended; those covering a
        day, at most ``MEASURE_GAPS_KEPT`` a measure (``_bounded``)."""
        kept = {m.measure_id for m in self.measures}
        had = {m.measure_id for m in current.measures}
        gaps = {k: list(v) for k, v in current.measure_gaps.items()}
        for measure_id in had - kept:
            gaps.setdefault(measure_id, []).append(MeasureGap(dropped_at=now))
        for measure_id in kept - had:
            held = gaps.setdefault(measure_id, [])
            if held and held[-1].given_again_at is None:
                held[-1] = held[-1].model_copy(update={"given_again_at": now})
            else:  # given for the first time: not before (review 222)
                held.append(MeasureGap(dropped_at=NEVER, given_again_at=now))
        ended = current.effective_until
        if (
            ended is not None
            and ended < china_date(now)
            and (self.effective_until is None or self.effective_until > ended)
        ):  # an ended agreement put back in force: it gave nothing the days in between
            off = datetime.combine(ended, time(), CHINA)  # its end day in effect, as ever
            gaps.setdefault(WHOLE, []).append(MeasureGap(dropped_at=off, given_again_at=now))
        return {k: _bounded([g for g in v if g.days()]) for k, v in gaps.items()}

    def gave(self, measure_id: str, day: date, delivered_at: datetime | None) -> bool:
        """Whether the agreement gave ``measure_id`` on ``day`` (any moment of it), for a
        delivery made at ``delivered_at`` that asked for it: not inside a gap; given now, or
        before its last drop if the delivery came before that drop."""
        gaps = self.measure_gaps.get(measure_id, ())
        if any(gap.covers(day) for gap in (*gaps, *self.measure_gaps.get(WHOLE, ()))):
            return False
        if any(m.measure_id == measure_id for m in self.measures):
            return True
        last = gaps[-1] if gaps else None
        return (
            last is not None
            and delivered_at is not None
            and delivered_at < last.dropped_at
            and day <= china_date(last.dropped_at)
        )

    @property
    def start_revised_at(self) -> datetime:
        """When its start was last set: for one stored before ``start_moved_at`` was kept, any
        revision may have moved it, so the latest is taken."""
        return self.updated_at if self.start_moved_at is None else self.start_moved_at

    @property
    def coverage_revised_at(self) -> datetime:
        """When what it covers was last set (``coverage_changed_at``; the latest revision for
        one stored before it was kept)."""
        return self.updated_at if self.coverage_changed_at is None else self.coverage_changed_at

    def covers_as(self, other: AgreementTerms) -> bool:
        """Whether ``other`` covers exactly the listings these terms do, each measure written
        out in both applying to the same ones (``Measure.applies_to``); a measure added or
        taken out is ``measure_gaps``' to judge (review 401: one added moved the day)."""
        mine, theirs = _scopes(self), _scopes(other)
        kept = mine.keys() & theirs.keys()
        return _listings_covered(self) == _listings_covered(other) and all(
            mine[m] == theirs[m] for m in kept
        )


def _listings_covered(terms: AgreementTerms) -> tuple[object, ...]:
    """What decides which listings the terms cover, order aside (review 401: the same domains
    written in another order moved the day)."""
    return (
        frozenset(terms.sources),
        frozenset(terms.kinds),
        frozenset(terms.domains),
        terms.min_severity,
        frozenset(terms.grades),
    )


def _scopes(terms: AgreementTerms) -> dict[str, tuple[object, ...]]:
    """Each measure's scope (``Measure.applies_to``), order aside."""
    return {
        m.measure_id: (
            frozenset(m.kinds),
            frozenset(m.domains),
            m.min_severity,
            frozenset(m.grades),
        )
        for m in terms.measures
    }


def terms_digest(terms: AgreementTerms) -> str:
    """The terms asked for, as one value to compare a retried creation with."""
    fields = set(AgreementTerms.model_fields)
    return hashlib.sha256(terms.model_dump_json(include=fields).encode()).hexdigest()


_AS_CATALOGUED = ("kinds", "domains", "min_severity", "grades", "targets", "person_roles")
"""What decides which listings a measure applies to (``Measure.applies_to``) and whom it
reaches (``Measure.reaches``): the catalogue's, as its legal basis is."""


def _as_catalogued(measure: Measure, catalogued: Measure | None) -> Measure:
    """A catalogue measure as the catalogue says, in the agreement's own words (its text and
    department); one the law requires (强制性) stays required."""
    if catalogued is None:
        return measure  # written out in the agreement: its own
    update = {name: getattr(catalogued, name) for name in _AS_CATALOGUED}
    return measure.model_copy(
        update={
            **update,
            "legal_basis": catalogued.legal_basis or measure.legal_basis,
            "mandatory": catalogued.mandatory or measure.mandatory,
        }
    )


def revisions(agreements: Iterable[Agreement]) -> set[tuple[str, int]]:
    """Which agreements, at which revision: what tells two reads of them apart (by revision,
    not by time: two saves at once may commit in either order)."""
    return {(a.agreement_id, a.revision) for a in agreements}
