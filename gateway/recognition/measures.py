"""Measures (措施清单): what a region does about a listing, mandatory (强制性) or recommended."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources

from gateway_client.contract import Frozen, Listing, Measure, Source


class CatalogueMeasure(Measure):
    """A shipped measure and where it comes from; the sources stay in the catalogue (a delivery
    carries the measure itself: ``measure``)."""

    sources: tuple[Source, ...]

    @property
    def measure(self) -> Measure:
        return Measure.model_validate(self.model_dump(exclude={"sources"}))


class MeasureCatalogue(Frozen):
    version: str
    source: str
    measures: tuple[CatalogueMeasure, ...]

    def get(self, measure_id: str) -> Measure | None:
        found = next((m for m in self.measures if m.measure_id == measure_id), None)
        return found.measure if found else None


@cache
def load_measures() -> MeasureCatalogue:
    raw = resources.files("gateway.data").joinpath("measures.json").read_text(encoding="utf-8")
    return MeasureCatalogue.model_validate(json.loads(raw))


def default_measures(listing: Listing) -> tuple[Measure, ...]:
    """A region's own measures for its own subtree's listings: every catalogue measure that fits."""
    return ordered(m.measure for m in load_measures().measures if m.applies_to(listing))


def ordered(measures: Iterable[Measure]) -> tuple[Measure, ...]:
    """Mandatory first, then by id; each measure once, and mandatory when any source says so."""
    unique: dict[str, Measure] = {}
    for measure in measures:
        held = unique.get(measure.measure_id)
        if held is None or (measure.mandatory and not held.mandatory):
            unique[measure.measure_id] = measure
    return tuple(sorted(unique.values(), key=lambda m: (not m.mandatory, m.measure_id)))
