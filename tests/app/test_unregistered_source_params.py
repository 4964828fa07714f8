"""A region parameter naming a national source that is not registered (100099: its form alone
proves nothing) is refused, as statistics' is, never answered with an empty list or a zero
report that reads as a real answer about a real source (review 250)."""

from __future__ import annotations

import pytest

ROUTES = ["/v1/stats?month=2026-01&", "/v1/commitments/overdue?", "/v1/activity?"]


@pytest.mark.parametrize("route", ROUTES)
def test_an_unregistered_source_is_refused_at_region(gateway, route):
    reply = gateway.client.http.get(f"{route}region=100099", headers=gateway.operator())

    assert reply.status_code == 400, reply.json_body
    assert reply.json_body["error"]["path"] == "region"
