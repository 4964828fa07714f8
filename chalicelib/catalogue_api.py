"""What the console lists beside its pages: the registered regions and the measures catalogue.

Both are reference data every platform already works with (codes it pushes for, measures its
deliveries carry); they are read by the operator or a signing platform, never anonymously, and
show no keys, secrets or settings of a region.
"""

from __future__ import annotations

from chalice.app import Request, Response

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.http_errors import json_response
from chalicelib.route_spec import Access, Operation, Reply, Tag
from gateway.recognition import MeasureCatalogue, load_measures
from gateway.registry import PlatformKind
from gateway_client.contract import Frozen, RegionCode, parent


class RegionEntry(Frozen):
    code: RegionCode
    name: str
    kind: PlatformKind
    parent: RegionCode | None


class Regions(Frozen):
    regions: tuple[RegionEntry, ...]


def list_regions(request: Request) -> Response:
    """Code, name, kind and enclosing division of each registered region, by code."""
    caller.operator_or_region(request)
    found = [
        RegionEntry(code=r.code, name=r.name, kind=r.kind, parent=parent(r.code))
        for r in container().registry.regions()
    ]
    return json_response(200, Regions(regions=tuple(found)).model_dump(mode="json"))


def list_measures(request: Request) -> Response:
    """The catalogue deliveries take their measures from, with each measure's sources."""
    caller.operator_or_region(request)
    return json_response(200, load_measures().model_dump(mode="json"))


ROUTES: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/v1/regions",
        "list_regions",
        Tag.META,
        "The registered regions (no keys)",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(Regions, "Every registered region, by code.")},
        handler=list_regions,
    ),
    Operation(
        "GET",
        "/v1/measures",
        "list_measures",
        Tag.AGREE,
        "The measures catalogue (措施清单)",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(MeasureCatalogue, "Its version, its sources' note, and every measure.")},
        handler=list_measures,
    ),
)
