"""README's own example rule, court-defaulters-to-nation: a national source (the Supreme People's
Court, 1000NN) sits directly under the nation and lists in its own name — its listings are
national data, not a lower platform's report upward, so the nation's share judges the
provinces' reporting only (review 150: the court's own listings were due)."""

from __future__ import annotations

import json
from typing import Any

from app_support import Gateway, StreamReader, black_entry
from lifecycle_support import Lifecycle, fan_out_and_deliver, fan_out_event, this_month
from test_national_routes import COURT, NATION, court_source

RULE = {
    "rules": [
        {
            "rule": "court-defaulters-to-nation",
            "target": NATION,
            "kinds": ["black"],
            "domains": ["court_defaulter"],
            "within_hours": 24,
        }
    ]
}


def test_a_national_sources_own_listings_are_not_due_upward(
    gateway: Gateway, aws: Any, stream: StreamReader, receiver: Any
) -> None:
    gateway.configure(upward_reporting=json.dumps(RULE))
    body = json.dumps({"name": "信用中国", "kind": "national_platform"}, ensure_ascii=False)
    assert (
        gateway.client.http.put(
            f"/v1/regions/{NATION}", headers=gateway.operator(), body=body.encode()
        ).status_code
        == 200
    )
    assert gateway.subscribe_as_operator(region=NATION, url=receiver.url).status_code == 201
    court = court_source(gateway)
    assert gateway.push(court, COURT, [black_entry()]).json_body["accepted"] == 1
    fan_out_and_deliver(aws, stream)
    fan_out_event(aws, stream.event())

    [line] = Lifecycle(gateway).stats(NATION, this_month()).json_body["upward"]

    assert line["due"] == 0, line  # nothing was reported upward: the court is national
