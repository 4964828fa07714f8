"""One-stop query (应查必查): a subject as it applies in one region's jurisdiction."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, Protocol, Self, TypeVar

from pydantic import Field

from gateway.recognition.agreement import Agreement
from gateway.recognition.disclosure import Disclosure, Viewer, disclosure, ids_masked, shown
from gateway.recognition.matching import intensified_domains, is_intensified, recognise
from gateway.recognition.severity_policy import severity_policy
from gateway.recognition.standing import Refusal, green_channel, held_back, yielded
from gateway_client.contract import (
    Frozen,
    ListedAs,
    Listing,
    ListingStatus,
    Measure,
    NotRecognised,
    SubjectType,
    Suspension,
    broken_while_in_force,
    found_wrong,
    is_persons,
    mask,
)


class ListingView(Frozen):
    listing: Listing
    listed_as: ListedAs | None = None  # a black-list entry: black listing or dishonesty record
    recognised: bool | None = None
    basis: tuple[str, ...] = ()
    measures: tuple[Measure, ...] = ()
    reasons: tuple[NotRecognised, ...] = ()
    suspended_measures: tuple[Measure, ...] = ()
    suspended_because: Suspension | None = None


class Benefits(Frozen):
    """The green channel (绿色通道): open, by which red listings; else why not, and from when
    it opens if only time stands in the way (``gateway.recognition.standing``)."""

    green_channel: bool
    basis: tuple[str, ...]
    refused_because: tuple[Refusal, ...] = ()
    open_from: date | None = None


class GradeShown(Frozen):
    """An evaluation result in force, as the asking region recognises it."""

    scheme: str
    grade: str
    evaluator: str
    valid_until: date | None
    recognised: bool | None


class Commitments(Frozen):
    """The subject's commitments shown: how many are still open (and of those, past their
    deadline), how many were broken."""

    open: int
    overdue: int
    broken: int


class ListingsPage(Frozen):
    """A lookup's page of listings (``page_of``); a check answers every listing, and leaves
    both out."""

    listings_total: int | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="listings the viewer may see; `listings` is a page of them",
    )
    next_offset: int | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="pass it as `offset` for the next page; absent: the last page",
    )


class SubjectView(ListingsPage):
    credit_code: str
    subject_type: SubjectType
    subject_name: str
    as_region: str | None
    intensified: bool
    intensified_domains: tuple[str, ...]
    benefits: Benefits
    commitments: Commitments
    evaluations: tuple[GradeShown, ...]
    listings: tuple[ListingView, ...]


LISTINGS_PAGE = 100
"""Listings a lookup answers at once: a subject (or a person) one region listed thousands of
times stays within Lambda's 6 MB response (a listing is about 1.2 KB; a long one with its
history, some tens of KB)."""


class Paged(Protocol):
    """A view with listings: a subject's, or a person's."""

    @property
    def listings(self) -> Sequence[object]: ...

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """pydantic's."""


V = TypeVar("V", bound=Paged)


def page_of(view: V, offset: int, limit: int, fits: Callable[[V], bool] = lambda _: True) -> V:
    """The view with a page of its listings (the figures above them are of all): review 86 F1,
    a subject one region listed thousands of times was answered whole, past Lambda's 6 MB (a
    5xx for everyone). Fewer than ``limit`` where a page of so many would not ``fit`` one
    reply (listings with long histories), down to one: ``next_offset`` goes on from there. The
    trail entry is made from the whole view: the answer tells of all."""
    page = _page(view, offset, limit)
    while limit > 1 and not fits(page):
        limit //= 2
        page = _page(view, offset, limit)
    return page


def _page(view: V, offset: int, limit: int) -> V:
    end = offset + limit
    return view.model_copy(
        update={
            "listings": tuple(view.listings[offset:end]),
            "listings_total": len(view.listings),
            "next_offset": end if end < len(view.listings) else None,
        }
    )


def subject_view(
    listings: Sequence[Listing],
    as_region: str | None,
    agreements: Sequence[Agreement],
    on: date,
    viewer: Viewer,
) -> SubjectView | None:
    """The listings ``viewer`` may see, each as it may see them
    (``gateway.recognition.disclosure``), with
    recognition and measures for ``as_region``; ``None`` when it may see none, which the route
    answers exactly as for a code never listed.

    Without ``as_region`` every listing shown counts as applying, but a red one whose
    incentives a black listing in force holds back. ``agreements`` must hold the
    signing region's as well as ``as_region``'s: they decide whether the signer recognises a
    listing, hence sees its ID numbers.
    """
    views: list[ListingView] = []
    for listing in sorted(listings, key=lambda x: (x.kind, x.decided_on, x.listing_id)):
        how = disclosure(listing, viewer, agreements, on)
        if how is None:
            continue
        seen = shown(listing, how)
        if viewer.in_browser and how is Disclosure.FULL:
            seen = ids_masked(seen)
        listed_as = severity_policy().listed_as(listing)
        if as_region is None:  # the listing as it stands, a red one's incentives held back
            because = held_back(listing, listings)
            views.append(ListingView(listing=seen, listed_as=listed_as, suspended_because=because))
            continue
        outcome = yielded(recognise(listing, as_region, agreements, on), listing, listings)
        views.append(
            ListingView(
                listing=seen,
                listed_as=listed_as,
                recognised=outcome.recognised,
                basis=outcome.basis,
                measures=outcome.measures,
                reasons=outcome.reasons,
                suspended_measures=outcome.suspended_measures,
                suspended_because=outcome.suspended_because,
            )
        )
    if not views:
        return None
    visible = {v.listing.listing_id for v in views}
    held = [x for x in listings if x.listing_id in visible]
    applying = [
        v for v in views if v.recognised is not False and v.listing.status is ListingStatus.ACTIVE
    ]
    domains = (
        intensified_domains(held, as_region, agreements, on)
        if as_region is not None
        else frozenset(v.listing.domain for v in applying if v.listed_as is ListedAs.BLACK_LIST)
    )
    latest = max(held, key=lambda x: x.accepted_at)
    in_full = any(v.listing.credit_code == latest.credit_code for v in views)
    # the name as its listing is shown (an ID number in old text masked there), not as stored
    name = next(v.listing.subject_name for v in views if v.listing.listing_id == latest.listing_id)
    return SubjectView(
        credit_code=latest.credit_code if in_full else mask(latest.credit_code),
        subject_type=SubjectType.NATURAL_PERSON if is_persons(latest) else latest.subject_type,
        subject_name=name,
        as_region=as_region,
        intensified=is_intensified(domains),
        intensified_domains=tuple(sorted(domains)),
        benefits=_benefits(listings, applying, visible, on),
        commitments=_commitments([v.listing for v in views], on),
        evaluations=_grades(views),
        listings=tuple(views),
    )


_STANDING = frozenset({ListingStatus.ACTIVE, ListingStatus.SUSPENDED})


def _commitments(shown: Sequence[Listing], on: date) -> Commitments:
    """A commitment ``found_wrong`` was never a true record: counted nowhere, as the green
    channel counts it (review 147; review 296: also one found wrong after it ended). One ended
    otherwise (removed, expired) is open no longer,
    and only one in force is overdue — one suspended while an objection is checked is not — as
    the owner's overdue list and the tick count (review 165)."""
    held = [x for x in shown if x.commitment is not None and not found_wrong(x)]
    standing = [x.commitment for x in held if x.commitment and x.status in _STANDING]
    return Commitments(
        open=sum(1 for c in standing if c.open),
        overdue=sum(
            1
            for x in held
            if x.commitment and x.status is ListingStatus.ACTIVE and x.commitment.overdue(on)
        ),
        broken=sum(1 for x in held if broken_while_in_force(x)),
    )


def _grades(views: Sequence[ListingView]) -> tuple[GradeShown, ...]:
    return tuple(
        GradeShown(
            scheme=v.listing.evaluation.scheme,
            grade=v.listing.evaluation.grade,
            evaluator=v.listing.deciding_authority,
            valid_until=v.listing.valid_until,
            recognised=v.recognised,
        )
        for v in views
        if v.listing.evaluation is not None and v.listing.status is ListingStatus.ACTIVE
    )


def _benefits(
    held: Sequence[Listing], applying: Sequence[ListingView], visible: set[str], on: date
) -> Benefits:
    """The green channel, judged from all the gateway holds on the subject; opened only by
    red listings that apply for the asking region."""
    verdict = green_channel(held, [v.listing for v in applying], frozenset(visible), on)
    return Benefits(
        green_channel=verdict.open,
        basis=verdict.basis,
        refused_because=verdict.refused_because,
        open_from=verdict.open_from,
    )
