"""The world of the first-morning re-evaluation tests (reviews 271, 273): 湖南 subscribed, the
day's date jobs stored, an agreement signed today that takes effect tomorrow, and what it
takes to stand at 00:00:20 of that first morning in Beijing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import time_machine
from app_support import DAYE, HUNAN, agreement_terms, create_agreement, queued_messages, reevaluate
from lifecycle_support import Lifecycle

from gateway_client.contract import china_date
from gateway_client.contract.clock import CHINA


@dataclass
class FirstMorning:
    daye: Any  # 大冶市's signer
    subscription_id: str
    agreement_id: str
    today: date
    queue_url: str
    life: Lifecycle

    @property
    def terms(self) -> dict[str, Any]:
        return agreement_terms(effective_from=(self.today + timedelta(days=1)).isoformat())

    def told_after(self, gateway: Any, aws: Any, change: Any) -> list[Any]:
        """What ``change`` (a revision or an end, made that morning) and then the day's tick,
        a little late, have told, each re-evaluated."""
        assert change().status_code == 200
        reevaluate(aws)
        told = queued_messages(aws.sqs, self.queue_url)
        assert self.life.tick().status_code == 200
        reevaluate(aws)
        return told + queued_messages(aws.sqs, self.queue_url)

    def at_dawn(self) -> Any:
        """Travel to 00:00:20 of the agreement's first day, the clock running."""
        tomorrow = self.today + timedelta(days=1)
        return time_machine.travel(datetime.combine(tomorrow, time(0, 0, 20), CHINA), tick=True)


def first_morning(gateway: Any, aws: Any, receiver: Any) -> FirstMorning:
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN)
    sub = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert sub.status_code == 201
    life = Lifecycle(gateway)
    assert life.tick().status_code == 200  # today's date jobs are stored
    today = china_date(datetime.now(UTC))
    tomorrow = today + timedelta(days=1)
    made = create_agreement(gateway, agreement_terms(effective_from=tomorrow.isoformat()))
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    url = aws.env["CG_DELIVERY_QUEUE_URL"]
    assert queued_messages(aws.sqs, url) == []
    return FirstMorning(
        daye,
        sub.json_body["subscription_id"],
        made.json_body["agreement"]["agreement_id"],
        today,
        url,
        life,
    )
