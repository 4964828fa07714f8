"""A subscription moved to a new URL starts the new endpoint's health afresh (review 245): the
old endpoint's ``failing_since`` and ``warned_at`` were kept, so the new endpoint's first failed
delivery disabled the subscription at once, "failing without a success since" a date before it
existed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from app_support import HUNAN, OTHER_CREDIT_CODE, black_entry
from delivery_support import AnsweringReceiver, as_operator, push_and_fan_out, signed, subscribe
from delivery_support import subscription_path as path_of


def test_a_new_urls_first_failure_does_not_disable_it_for_the_old_urls_failures(
    gateway, stream, queue
):
    province = gateway.register_platform(HUNAN)
    with AnsweringReceiver() as old, AnsweringReceiver() as new:
        old.answer(500)
        created = subscribe(gateway, old.url, HUNAN, retry_schedule_seconds=[0])
        push_and_fan_out(gateway, stream, province, HUNAN, [black_entry()])
        queue.run()
        queue.run()  # the old endpoint fails twice: its delivery is dead, failing since then
        before = as_operator(gateway, "get", path_of(created)).json_body
        assert before["failing_since"] is not None
        assert before["enabled"] is True

        # days later the owner moves the subscription to a new endpoint, which verifies
        with time_machine.travel(datetime.now(UTC) + timedelta(days=5, hours=1), tick=True):
            moved = signed(gateway, province, "PATCH", path_of(created), {"url": new.url})
            assert moved.status_code == 200, moved.json_body
            assert moved.json_body["subscription"]["state"] == "verified"
            fresh = as_operator(gateway, "get", path_of(created)).json_body
            assert (fresh["failing_since"], fresh["warned_at"]) == (None, None)

            new.answer(503)  # one transient failure of the new endpoint
            push_and_fan_out(
                gateway,
                stream,
                province,
                HUNAN,
                [black_entry(credit_code=OTHER_CREDIT_CODE, decision_number="(2024)湘01执9号")],
            )
            queue.run()

            after = as_operator(gateway, "get", path_of(created)).json_body
    # a first failure of an endpoint verified minutes ago is retried, not a five-day outage
    assert (after["enabled"], after["disabled_reason"]) == (True, None), after
