"""落实到人: the measures a listing binds its responsible persons with, role by role (seeds 001
二(三)6 "聯合懲戒措施落實到人", 002 五(六), 003 (十五))."""

from __future__ import annotations

from collections.abc import Iterable

from gateway_client.contract.listing import Listing
from gateway_client.contract.measure import Measure
from gateway_client.contract.model import Frozen
from gateway_client.contract.responsible import PersonRole


class PersonMeasure(Frozen):
    """A measure aimed at responsible persons, and which of their roles it reaches."""

    measure: Measure
    roles: tuple[PersonRole, ...]


def roles_in(listing: Listing) -> tuple[PersonRole, ...]:
    """The roles the listing's responsible persons hold, each once, in the listing's order."""
    return tuple(dict.fromkeys(p.role for p in listing.responsible_persons))


def person_measures(
    measures: Iterable[Measure], roles: Iterable[PersonRole]
) -> tuple[PersonMeasure, ...]:
    """Of ``measures`` (those that apply to a listing), the ones aimed at persons in ``roles``;
    a measure that reaches none of them is left out."""
    held = tuple(dict.fromkeys(roles))
    found: list[PersonMeasure] = []
    for measure in measures:
        reached = tuple(r for r in held if measure.reaches(r))
        if reached:
            found.append(PersonMeasure(measure=measure, roles=reached))
    return tuple(found)
