"""``GET /v1/commitments/overdue`` judges each commitment as of today, as the one-stop view
does: one whose period ended before the tick ran (hourly, or later when a run leaves
``more_due``) is owed no outcome, and is not listed overdue (review 388: it was, while the view
of the same moment showed it expired)."""

from __future__ import annotations

from datetime import timedelta

from app_support import CITY, CREDIT_CODE
from lifecycle_support import Lifecycle
from test_broken_commitment_listings import city_with_policy, pushed_at
from test_commitment_routes import commitment

from gateway_client.contract import china_date


def test_a_commitment_whose_period_ended_is_not_reported_overdue(gateway):
    with city_with_policy(gateway) as (city, clock):
        today = china_date(clock.now())
        entry = commitment()
        entry["commitment"]["deadline"] = (today + timedelta(days=1)).isoformat()
        entry["valid_until"] = (today + timedelta(days=2)).isoformat()
        entry["source_updated_at"] = clock.now().isoformat()
        assert pushed_at(gateway, city, clock, [entry])["accepted"] == 1

        clock.advance(timedelta(days=3))  # the period ended yesterday; no tick has run since
        view = Lifecycle(gateway).get(f"/v1/subjects/{CREDIT_CODE}").json_body  # the operator
        late = Lifecycle(gateway).get(f"/v1/commitments/overdue?region={CITY}")  # the operator

        assert view["listings"][0]["listing"]["status"] == "expired"
        assert view["commitments"]["overdue"] == 0
        assert late.status_code == 200, late.json_body
        assert late.json_body["overdue"] == []
