"""Review 87 F3: a grade past its ``valid_until``, before the tick expired it, was shown in the
one-stop query's evaluations as in force and recognised. A listing past its period is out of
force whether or not the tick has run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from app_support import CITY, CREDIT_CODE, HUNAN, black_entry
from lifecycle_support import china_today, stamp


def test_a_grade_past_its_period_is_no_longer_shown_in_force(gateway):
    gateway.put_region(HUNAN, name="湖南省")
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    start = (china_today() - timedelta(days=30)).isoformat()
    grade = {
        **black_entry(
            kind="evaluation",
            domain="tax_credit",
            deciding_authority="七台河市税务局",
            decision_number="七税评〔2026〕1号",
            decided_on=start,
            valid_from=start,
            valid_until=(china_today() + timedelta(days=1)).isoformat(),
            source_updated_at=stamp(-60),
            evaluation={"scheme": "tax_credit_grade", "grade": "A"},
        )
    }
    del grade["severity"], grade["legal_basis"]
    assert gateway.push(city, CITY, [grade]).json_body["accepted"] == 1
    path = f"/v1/subjects/{CREDIT_CODE}?as={CITY}"

    before = gateway.send_signed("GET", path, hunan).json_body
    with time_machine.travel(datetime.now(UTC) + timedelta(days=3), tick=True):
        after = gateway.send_signed("GET", path, hunan).json_body

    assert [g["grade"] for g in before["evaluations"]] == ["A"]
    assert after["evaluations"] == []
    [view] = after["listings"]
    assert (view["recognised"], view["reasons"]) == (False, ["listing_not_in_force"])
