"""Measures (措施清单): what a region does about a listing, mandatory (强制性) or recommended."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Annotated

from pydantic import Field

from gateway.catalogue import DomainKeys, ListKind, Severity, load_catalogue
from gateway.listing import Listing
from gateway.model import ONE_LINE, Frozen

MeasureId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")]


class Measure(Frozen):
    measure_id: MeasureId
    text: Annotated[str, Field(min_length=1, max_length=500), ONE_LINE]
    department: Annotated[str, Field(min_length=1, max_length=200), ONE_LINE]
    mandatory: bool
    kinds: tuple[ListKind, ...] = (ListKind.BLACK, ListKind.RED)
    domains: DomainKeys = ()
    min_severity: Severity | None = None

    def applies_to(self, listing: Listing) -> bool:
        if listing.kind not in self.kinds or (self.domains and listing.domain not in self.domains):
            return False
        if self.min_severity is None or listing.severity is None:
            return self.min_severity is None
        return rank(listing.severity) >= rank(self.min_severity)


class MeasureCatalogue(Frozen):
    version: str
    source: str
    measures: tuple[Measure, ...]

    def get(self, measure_id: str) -> Measure | None:
        return next((m for m in self.measures if m.measure_id == measure_id), None)


def rank(severity: Severity) -> int:
    return load_catalogue().severity(severity).rank


@cache
def load_measures() -> MeasureCatalogue:
    raw = resources.files("gateway.data").joinpath("measures.json").read_text(encoding="utf-8")
    return MeasureCatalogue.model_validate(json.loads(raw))


def default_measures(listing: Listing) -> tuple[Measure, ...]:
    """A region's own measures for its own subtree's listings: every catalogue measure that fits."""
    return ordered(m for m in load_measures().measures if m.applies_to(listing))


def ordered(measures: Iterable[Measure]) -> tuple[Measure, ...]:
    """Mandatory first, then by id; each measure once, and mandatory when any source says so."""
    unique: dict[str, Measure] = {}
    for measure in measures:
        held = unique.get(measure.measure_id)
        if held is None or (measure.mandatory and not held.mandatory):
            unique[measure.measure_id] = measure
    return tuple(sorted(unique.values(), key=lambda m: (not m.mandatory, m.measure_id)))
