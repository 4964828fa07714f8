"""An incentive refused because a black listing held it back names that black listing only if
the reporting region may see it now (review 272): one revoked or corrected since is told as
the subject's credit history, as the green channel tells it — its id and domain were named to
any recipient of the red listing, one backdated report a day."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from lifecycle_support import (
    Lifecycle,
    china_today,
    fan_out_and_deliver,
    now,
    push_with_removals,
    removal_of,
)
from test_feedback_held_back_incentive import DAYE, _black_today, _red_delivered, _report


@pytest.mark.parametrize("reason", ["revoked", "corrected"])
def test_a_refusal_names_no_black_listing_that_has_ended(gateway, aws, stream, receiver, reason):
    life = Lifecycle(gateway)
    daye, hunan, first = _red_delivered(gateway, aws, stream, receiver)
    black = _black_today()
    listing_id = gateway.push(daye, DAYE, [black]).json_body["outcomes"][0]["listing_id"]
    fan_out_and_deliver(aws, stream)
    day = (china_today() + timedelta(days=1)).isoformat()  # held back all that day
    with time_machine.travel(now() + timedelta(days=3), tick=True):
        ended = push_with_removals(gateway, daye, DAYE, [removal_of(black, reason)])
        assert ended.json_body["removed"] == 1, ended.json_body
        answer = life.post("/v1/feedback", _report(first.delivery_id, day), hunan)
        lookup = gateway.send_signed("GET", f"/v1/subjects/{black['credit_code']}", hunan)

    assert answer.status_code == 409, answer.json_body
    # the reporter may not see the ended listing …
    shown = [v["listing"]["listing_id"] for v in (lookup.json_body or {}).get("listings", [])]
    assert listing_id not in shown
    # … so its refusal does not name it either
    error = answer.json_body["error"]
    assert error["code"] == "measure_not_delivered"
    assert error["path"] == "measures.0.executed_on"
    assert listing_id not in error["message"]
    assert "court_defaulter" not in error["message"]
    assert "credit history" in error["message"]


def test_a_refusal_names_a_black_listing_in_force(gateway, aws, stream, receiver):
    life = Lifecycle(gateway)
    daye, hunan, first = _red_delivered(gateway, aws, stream, receiver)
    black = _black_today()
    listing_id = gateway.push(daye, DAYE, [black]).json_body["outcomes"][0]["listing_id"]
    fan_out_and_deliver(aws, stream)
    day = (china_today() + timedelta(days=1)).isoformat()
    with time_machine.travel(now() + timedelta(days=3), tick=True):
        answer = life.post("/v1/feedback", _report(first.delivery_id, day), hunan)

    assert answer.status_code == 409, answer.json_body
    assert listing_id in answer.json_body["error"]["message"]
