"""One delivery record tried again and again: 湖南 subscribes to 七台河市's listings, its
endpoint answers 410 (turned off at once) and it enables again (the attempts tests)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app_support import CITY, HUNAN, black_entry
from delivery_support import as_platform, push_and_fan_out, signed, subscribe


@dataclass
class Tried:
    aws: Any
    gateway: Any
    queue: Any
    hook: Any
    hunan: Any
    sub: str

    @property
    def table(self) -> str:
        return str(self.aws.env["CG_DELIVERIES_TABLE"])

    def item(self) -> dict[str, Any]:
        """The subscription's one delivery record."""
        [found] = [
            i
            for i in self.aws.dynamodb.scan(TableName=self.table)["Items"]
            if i.get("subscription_id", {}).get("S") == self.sub and "attempts" in i
        ]
        return dict(found)

    def attempts(self) -> list[dict[str, Any]]:
        return [json.loads(a["S"]) for a in self.item()["attempts"]["L"]]

    def enable(self) -> None:
        path = f"/v1/subscriptions/{self.sub}/enable"
        enabled = as_platform(self.gateway, self.hunan, "post", path, b"{}")
        assert enabled.status_code == 200, enabled.json_body
        assert self.queue.run() == {"batchItemFailures": []}

    def act(self, action: str) -> Any:
        return signed(self.gateway, self.hunan, "POST", f"/v1/subscriptions/{self.sub}{action}")

    def grown(self, count: int, **changes: Any) -> None:
        """The record as an older release left it: ``count`` attempts like its first one."""
        item = self.item()
        one = json.loads(item["attempts"]["L"][0]["S"])
        at = datetime.fromisoformat(one["at"])
        padded = [
            {
                "S": json.dumps(
                    {**one, **changes, "at": (at - timedelta(minutes=count - n)).isoformat()}
                )
            }
            for n in range(count)
        ]
        self.aws.dynamodb.update_item(
            TableName=self.table,
            Key={"delivery_id": item["delivery_id"]},
            UpdateExpression="SET attempts = :a",
            ExpressionAttributeValues={":a": {"L": padded}},
        )


def tried(
    aws: Any, gateway: Any, stream: Any, queue: Any, hook: Any, paused: bool = False
) -> Tried:
    """Its first attempt made: answered 410 (or parked, ``paused``)."""
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    sub = subscribe(gateway, hook.url, filters={"source_regions": [CITY]})["subscription_id"]
    made = Tried(aws, gateway, queue, hook, hunan, sub)
    if paused:
        assert made.act("/pause").status_code == 200
    else:
        hook.answer(410, "gone")
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    assert queue.run() == {"batchItemFailures": []}
    return made
