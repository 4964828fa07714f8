"""A read filter or a path naming a region code no division ever had (999999, a county 239901
of a real city, 105555 of the nation's reserved block) is refused naming its parameter, as the
region's keys, its console sessions and its statistics already were — not answered with an
empty list, which reads as "this region has none" (review 116)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from access_support import World, open_world

NOWHERE = ["999999", "239901", "105555"]


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with open_world() as built:
        yield built


@pytest.mark.roles_unchecked("a module's world is built once, outside any one test")
@pytest.mark.parametrize("nowhere", NOWHERE)
@pytest.mark.parametrize(
    ("method", "template", "name"),
    [
        ("GET", "/v1/regions/{r}/keys", "code"),
        ("DELETE", "/v1/console/sessions?region={r}", "region"),
        ("GET", "/v1/stats?region={r}&month=2026-11", "region"),
        ("GET", "/v1/regions/{r}/uploads", "code"),
        ("GET", "/v1/subscriptions?region={r}", "region"),
        ("GET", "/v1/commitments/overdue?region={r}", "region"),
        ("GET", "/v1/activity?region={r}", "region"),
        ("GET", "/v1/agreements?subscriber={r}", "subscriber"),
    ],
)
def test_a_region_that_does_not_exist_is_refused_by_name(
    world: World, nowhere: str, method: str, template: str, name: str
) -> None:
    reply = world.send("operator", method, template.format(r=nowhere))

    assert 400 <= reply.status_code < 500
    assert reply.json_body["error"]["path"] == name
