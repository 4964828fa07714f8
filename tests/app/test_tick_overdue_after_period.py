"""The tick's own report judges overdue commitments as of today, as ``GET
/v1/commitments/overdue`` does (review 388): a run whose budget ran out (``more_due``) before it
expired a commitment whose period ended listed it in ``overdue_commitments`` as owing an
outcome, while the route and the one-stop view said it was expired and owed none (review 402)."""

from __future__ import annotations

from datetime import timedelta

from app_support import CITY, CREDIT_CODE
from lifecycle_support import Lifecycle
from test_broken_commitment_listings import city_with_policy, pushed_at
from test_commitment_routes import commitment

from chalicelib.bootstrap import container
from gateway_client.contract import china_date


def test_a_tick_cut_short_does_not_report_an_ended_commitment_overdue(gateway):
    with city_with_policy(gateway) as (city, clock):
        today = china_date(clock.now())
        entry = commitment()
        entry["commitment"]["deadline"] = (today + timedelta(days=1)).isoformat()
        entry["valid_until"] = (today + timedelta(days=2)).isoformat()
        entry["source_updated_at"] = clock.now().isoformat()
        assert pushed_at(gateway, city, clock, [entry])["accepted"] == 1

        clock.advance(timedelta(days=3))  # the period ended yesterday
        # the hourly run, its Lambda's time spent before it reached the commitment
        report = container().lifecycle.tick(lambda: True)
        late = Lifecycle(gateway).get(f"/v1/commitments/overdue?region={CITY}")
        view = Lifecycle(gateway).get(f"/v1/subjects/{CREDIT_CODE}").json_body

        assert report.more_due  # the run was cut short: the expiry is still due
        assert view["listings"][0]["listing"]["status"] == "expired"
        assert late.json_body["overdue"] == []
        # the tick's report must say what the overdue route says of the same moment
        assert report.overdue_commitments == [], report.overdue_commitments
