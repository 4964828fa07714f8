"""``enable {"redeliver_missed": false}`` does not decline a restatement held back while the
endpoint was off (review 314): a withdrawal of recognition (an agreement ended) is the word to
mask a number and stop measures, and no log entry keeps it for a replay; declined, the region
kept the number in full."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import DAYE, HUNAN, daye_black_entry, end_agreement, reevaluate, signed_agreement
from delivery_support import as_operator, subscribe

import app as gateway_app

PERSON = "11010519491231002X"


@pytest.mark.parametrize("redeliver", [True, False])
def test_a_declining_enable_still_sends_a_withdrawal(
    gateway: Any, aws: Any, stream: Any, queue: Any, hook: Any, redeliver: bool
) -> None:
    daye = gateway.register_platform(DAYE)
    gateway.register_platform(HUNAN)
    sub = subscribe(gateway, hook.url, region=HUNAN)["subscription_id"]
    person = daye_black_entry(credit_code=PERSON, subject_name="黄某某")
    assert gateway.push(daye, DAYE, [person]).json_body["accepted"] == 1
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    agreement = signed_agreement(gateway)
    reevaluate(aws)
    queue.run()
    assert any(PERSON in r.body.decode() for r in hook.requests)  # 湖南 holds it in full
    hook.answer(410, "gone")
    assert end_agreement(gateway, agreement["agreement_id"]).status_code == 200
    reevaluate(aws)
    queue.run()
    path = f"/v1/subscriptions/{sub}"
    assert as_operator(gateway, "get", path).json_body["enabled"] is False
    hook.answer(204)
    hook.requests.clear()

    body = json.dumps({"redeliver_missed": redeliver}).encode()
    assert as_operator(gateway, "post", f"{path}/enable", body).status_code == 200
    for _ in range(2):
        queue.run()

    sent = [json.loads(r.body) for r in hook.requests]
    withdrawals = [b for b in sent if b.get("type") == "recognition.changed"]
    assert withdrawals, f"no withdrawal sent: {HUNAN} keeps the number in full ({sent})"
