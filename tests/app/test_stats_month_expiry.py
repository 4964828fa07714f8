"""A month's counter item expires three years after the month began, not after its last write:
written late (a move counted within the keep) it outlived the keep, past which ``items_of``
takes nothing back from it, so a later move left the old owner's month counting a listing no
longer its, and a rebuild disagreed with the live counters (review 359)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from app_support import CITY, CREDIT_CODE
from lifecycle_support import (
    XINZHENG,
    Lifecycle,
    add_months,
    china_today,
    listing_path,
    pushed,
    recent_entry,
)
from test_stats_counters_route import run_rebuild

import app as gateway_app
from chalicelib import bootstrap
from gateway_client.contract.clock import CHINA, FixedClock


def _counters(aws: Any, now: datetime, month: str) -> dict[tuple[str, str], int]:
    """The month's counter items as DynamoDB would hold them at ``now`` (TTL applied)."""
    out: dict[tuple[str, str], int] = {}
    for item in aws.dynamodb.scan(TableName=aws.env["CG_BATCHES_TABLE"])["Items"]:
        pk = item["pk"]["S"]
        if not pk.startswith(f"stats#{month}#") or "stats_bucket" not in item:
            continue
        if "expires_at" in item and int(item["expires_at"]["N"]) < now.timestamp():
            continue  # DynamoDB's TTL would have deleted it (moto keeps it)
        for k, v in item.items():
            if "N" in v and k != "expires_at" and not k.startswith("push#") and int(v["N"]):
                out[(pk, k)] = int(v["N"])
    return out


def test_a_second_move_past_the_keep_leaves_live_and_rebuilt_counters_apart(  # type: ignore[no-untyped-def]
    gateway, aws, stream
) -> None:
    life = Lifecycle(gateway)
    squatter = gateway.register_platform(XINZHENG)
    gateway.register_platform(CITY)
    entry = recent_entry(days_ago=0, decision_number="(2026)黑09执97号", open_ended=True)
    lid = pushed(gateway, squatter, XINZHENG, entry)
    gateway_app.fan_out_changes(stream.event(), None)
    start = china_today()
    month = start.strftime("%Y-%m")
    try:
        for months, region in ((35, CITY), (40, XINZHENG)):
            at = datetime.combine(add_months(start, months), time(10), tzinfo=CHINA)
            bootstrap.override_clock(FixedClock(at))
            body = {
                "corrected_entry": {
                    **entry,
                    "origin_region": region,
                    "source_updated_at": at.isoformat(),
                },
                "note": "认定部门更正",
            }
            moved = life.post(listing_path(CREDIT_CODE, lid) + "/reassignment", body)
            assert moved.status_code == 200, moved.json_body
            gateway_app.fan_out_changes(stream.event(), None)
        live = _counters(aws, at, month)
        run_rebuild(gateway, add_months(start, 39).strftime("%Y-%m"))
        rebuilt = _counters(aws, at, month)
    finally:
        bootstrap.override_clock(None)

    # the listing is XINZHENG's again: no month of CITY's counts it
    assert not [key for key in live if key[0].endswith(f"#{CITY}")], live
    assert live == rebuilt
