"""Recognition: how one subscribing region sees one listing, and the intensified flag."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from gateway.recognition.agreement import Agreement
from gateway.recognition.measures import default_measures, ordered
from gateway.recognition.severity_policy import punishes, severity_policy
from gateway_client.contract import (
    IN_FORCE,
    ListedAs,
    Listing,
    ListingStatus,
    ListKind,
    Measure,
    NotRecognised,
    Recognition,
    is_national_source,
    within,
)

OWN_SUBTREE = "own_subtree"
# A national ministry's or sector platform's black list (a court's 失信被执行人, …) applies in
# every region: the joint-punishment memoranda behind it are signed nationally (seed 001
# 二(四)2). Its other kinds (red lists, commitments, grades), and an entry its severity makes a
# dishonesty record only, need an agreement like any region's.
NATIONAL_SOURCE = "national_source"
INTENSIFY_AT = 2  # black lists in two or more recognised domains (seed 002 §六(六))


def recognise(
    listing: Listing, subscriber_region: str, agreements: Iterable[Agreement], on: date
) -> Recognition:
    """Apply the subscriber's agreements (and its own-subtree rule) to one listing.

    Only a listing in force is recognised; a suspended or ended one says why not. A dishonesty
    record (``severity_policy``) says so in ``listed_as`` and is recognised like any listing,
    but carries no joint-punishment measures.
    """
    # Said only of a record: a black listing reads as every black-list entry always has.
    record = severity_policy().listed_as(listing) is ListedAs.DISHONESTY_RECORD
    listed_as = ListedAs.DISHONESTY_RECORD if record else None
    if listing.status is ListingStatus.SUSPENDED:
        return Recognition(
            subscriber_region=subscriber_region,
            recognised=False,
            reasons=(NotRecognised.MEASURES_SUSPENDED,),
            listed_as=listed_as,
        )
    if listing.status not in IN_FORCE:
        return Recognition(
            subscriber_region=subscriber_region,
            recognised=False,
            reasons=(NotRecognised.NOT_IN_FORCE,),
            listed_as=listed_as,
        )
    basis: list[str] = []
    measures: list[Measure] = []
    reasons: list[NotRecognised] = []
    if within(listing.origin_region, subscriber_region):
        basis.append(OWN_SUBTREE)
        measures.extend(default_measures(listing))
    elif (
        is_national_source(listing.origin_region) and listing.kind is ListKind.BLACK and not record
    ):
        # its black list, not a dishonesty record: no joint punishment follows from a record,
        # so nothing national grounds it in a region without an agreement (review 213: a
        # person's full number went to every region)
        basis.append(NATIONAL_SOURCE)
        measures.extend(default_measures(listing))
    for agreement in agreements:
        if agreement.subscriber_region != subscriber_region or not agreement.covers_source(listing):
            continue
        reason = agreement.exclusion(listing, on)
        if reason is None:
            basis.append(agreement.agreement_id)
            measures.extend(m for m in agreement.measures if m.applies_to(listing))
        else:
            reasons.append(reason)
    if basis:
        return Recognition(
            subscriber_region=subscriber_region,
            recognised=True,
            basis=tuple(basis),
            measures=() if record else ordered(measures),
            listed_as=listed_as,
        )
    return Recognition(
        subscriber_region=subscriber_region,
        recognised=False,
        reasons=tuple(dict.fromkeys(reasons)) or (NotRecognised.NO_AGREEMENT,),
        listed_as=listed_as,
    )


def intensified_domains(
    listings: Sequence[Listing], subscriber_region: str, agreements: Sequence[Agreement], on: date
) -> frozenset[str]:
    """Domains of the subject's active black listings that the subscriber recognises
    (dishonesty records do not count toward intensified punishment)."""
    return frozenset(x.domain for x in counted(listings, subscriber_region, agreements, on))


def counted(
    listings: Sequence[Listing], subscriber_region: str, agreements: Sequence[Agreement], on: date
) -> list[Listing]:
    """The listings ``intensified_domains`` counts, in their order."""
    return [
        listing
        for listing in listings
        if countable(listing) and recognise(listing, subscriber_region, agreements, on).recognised
    ]


def countable(listing: Listing) -> bool:
    """Whether ``listing`` counts toward the flag wherever it is recognised: an active black
    listing that punishes (not a dishonesty record)."""
    return punishes(listing) and listing.status is ListingStatus.ACTIVE


def is_intensified(domains: frozenset[str]) -> bool:
    return len(domains) >= INTENSIFY_AT
