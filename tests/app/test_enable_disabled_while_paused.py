"""An endpoint turned off by a 410 and paused meanwhile, then enabled while paused: what it
missed (the delivery its 410 turned it off with, what was held back as disabled) is queued as it
is turned back on, held back as paused, and sent on resume (review 283): enable while paused sent
nothing since review 281, and resume re-drives only what was parked, so it was never sent."""

from __future__ import annotations

from app_support import CITY, HUNAN, OTHER_CREDIT_CODE, black_entry
from delivery_support import as_platform, push_and_fan_out, subscribe


def test_what_a_disabled_endpoint_missed_goes_after_enable_while_paused_then_resume(
    gateway, stream, queue, hook
):
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    sub = subscribe(gateway, hook.url, retry_schedule_seconds=[0])["subscription_id"]
    hook.answer(410, "gone")  # one 410: the endpoint is turned off at once
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    queue.run()
    [gone] = [d.delivery_id for d in queue.dead_letters()]
    other = black_entry(credit_code=OTHER_CREDIT_CODE, decision_number="(2026)黑09执200号")
    push_and_fan_out(gateway, stream, city, CITY, [other])
    queue.run()  # held back: disabled
    held = {d.delivery_id for d in queue.dead_letters()} - {gone}
    hook.answer(204)

    paused = as_platform(gateway, hunan, "post", f"/v1/subscriptions/{sub}/pause", b"{}")
    assert paused.status_code == 200, paused.json_body
    enabled = as_platform(gateway, hunan, "post", f"/v1/subscriptions/{sub}/enable", b"{}")
    assert enabled.status_code == 200, enabled.json_body
    resumed = as_platform(gateway, hunan, "post", f"/v1/subscriptions/{sub}/resume", b"{}")
    assert resumed.status_code == 200, resumed.json_body
    queued = {d.delivery_id for d in queue.take()}

    # correct: enabled and resumed, the endpoint is sent what it missed while it was off
    assert {gone, *held} <= queued, (enabled.json_body, resumed.json_body, queued, gone, held)
