"""``POST …/enable`` turns an endpoint back on and sends what it missed while off: what was held
back for that, and the delivery whose 410 answer turned it off. An enabled endpoint's dead
letters are the operator's to re-drive; its owner, turning it off with one 410 and on again,
does not get them re-sent."""

from __future__ import annotations

from app_support import CITY, HUNAN, OTHER_CREDIT_CODE, black_entry
from delivery_support import as_platform, push_and_fan_out, subscribe


def test_the_owner_cannot_redrive_dead_letters_by_turning_its_endpoint_off_and_on(
    gateway, stream, queue, hook
):
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    hook.answer(500, "upstream down")
    sub = subscribe(gateway, hook.url, retry_schedule_seconds=[0])["subscription_id"]
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    queue.run()
    queue.run()
    [died_enabled] = [d.delivery_id for d in queue.dead_letters()]
    assert (
        as_platform(gateway, hunan, "post", f"/v1/subscriptions/{sub}/redrive", b"{}").status_code
        == 403
    )
    hook.answer(410, "gone")  # one 410: the endpoint is turned off at once
    other = black_entry(credit_code=OTHER_CREDIT_CODE, decision_number="(2026)黑09执200号")
    push_and_fan_out(gateway, stream, city, CITY, [other])
    queue.run()
    [gone] = [d.delivery_id for d in queue.dead_letters() if d.delivery_id != died_enabled]
    hook.answer(204)

    enabled = as_platform(gateway, hunan, "post", f"/v1/subscriptions/{sub}/enable", b"{}")

    assert enabled.status_code == 200, enabled.json_body
    assert [d.delivery_id for d in queue.take()] == [gone]
