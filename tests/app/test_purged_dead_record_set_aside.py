"""A dead delivery whose listing retention purged since is never re-driven (its tombstone went
out on its own), and is set aside by the re-drive that finds so: kept in its dead partition,
every "re-drive all" picked it again as the longest dead and counted it toward
``REDRIVE_LIMIT`` (review 324). Scaled: REDRIVE_LIMIT 1, one purged dead record."""

from __future__ import annotations

import json
from typing import Any

import pytest
from app_support import CITY, OTHER_CREDIT_CODE, black_entry
from delivery_support import as_operator, died_on_failures, push_and_fan_out

import gateway.delivery.redriving as redriving
from chalicelib import bootstrap
from chalicelib.dynamodb.delivery_backfill import backfill_shards
from chalicelib.dynamodb.sealed_tokens import Sealer
from chalicelib.erasure import StoredCopies


def test_re_drive_all_reaches_a_dead_delivery_behind_a_purged_one(
    gateway: Any, aws: Any, stream: Any, queue: Any, hook: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city, _sub, path, first = died_on_failures(gateway, stream, queue, hook)
    c = bootstrap.container()
    StoredCopies(c.exchange_log, c.feedback, c.persons).erase(first["listing_id"], "chg_purge")
    later = black_entry(credit_code=OTHER_CREDIT_CODE, decision_number="(2026)黑09执203号")
    push_and_fan_out(gateway, stream, city, CITY, [later])
    for _ in range(3):
        queue.run()
    dead = as_operator(gateway, "get", f"{path}/deliveries?state=dead").json_body["deliveries"]
    assert len(dead) == 2, dead
    hook.answer(204)
    sent = len(hook.requests)
    monkeypatch.setattr(redriving, "REDRIVE_LIMIT", 1)
    for _ in range(3):
        reply = as_operator(gateway, "post", f"{path}/redrive", b"{}")
        assert reply.status_code in (200, 202), reply.json_body
        queue.run()
    bodies = [json.loads(r.body) for r in hook.requests[sent:]]
    codes = [
        b["data"]["listing"]["credit_code"] for b in bodies if b.get("type") == "listing.changed"
    ]
    assert codes == [OTHER_CREDIT_CODE], (
        f"re-drive of all sent {codes}: its REDRIVE_LIMIT ids are the purged dead record, "
        "picked again at every call"
    )
    # still listed dead, and left set aside by the shard backfill
    table = aws.env["CG_DELIVERIES_TABLE"]
    tokens = Sealer(lambda: b"k" * 32, b"test")
    assert backfill_shards(aws.dynamodb, table, tokens, None, 100)[0] == 0
    listed = as_operator(gateway, "get", f"{path}/deliveries?state=dead").json_body["deliveries"]
    assert [d["delivery_id"] for d in listed] == [first["delivery_id"]]
