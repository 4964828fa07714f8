"""Review 342: a re-drive naming its deliveries re-sends them in the order named, chunk by
chunk (``REDRIVE_CHUNK`` = 100), sorting only within a chunk: a subject's newer change named
in the first hundred ids goes out before its older change named after them, and the endpoint
stores the older state last. ``Resending``: "goes out oldest first, so each subject's changes
arrive in their order"."""

from __future__ import annotations

import json

from app_support import CITY, black_entry
from delivery_support import as_operator, died_on_failures, push_and_fan_out


def test_a_named_redrive_sends_a_subjects_changes_in_log_order(gateway, stream, queue, hook):
    city, _, path, _ = died_on_failures(gateway, stream, queue, hook)
    later = black_entry(
        reason="有履行能力而拒不履行生效法律文书确定的义务（更正）",
        source_updated_at="2026-03-03T09:00:00+08:00",
    )
    push_and_fan_out(gateway, stream, city, CITY, [later])
    for _ in range(8):
        queue.run()
    dead = as_operator(gateway, "get", f"{path}/deliveries?state=dead").json_body["deliveries"]
    assert len(dead) == 2, dead
    sent = {}
    for received in hook.requests:
        body = json.loads(received.body)
        sent[body["delivery_id"]] = body["log_sequence"]
    assert {d["delivery_id"] for d in dead} == set(sent)
    older, newer = sorted(sent, key=sent.get)

    # more than a chunk of ids, the newer change's first — as an operator pastes them from
    # GET …/deliveries?state=dead, which lists newest first (a hundred others of the
    # subscription stand in here as the newer id repeated): the older one is in the second chunk
    named = [newer] * 100 + [older]
    response = as_operator(
        gateway, "post", f"{path}/redrive", json.dumps({"delivery_ids": named}).encode()
    )

    assert response.status_code == 202, response.json_body
    before = len(hook.requests)
    hook.answer(204)
    for _ in range(3):
        queue.run()
    received = [json.loads(r.body)["delivery_id"] for r in hook.requests[before:]]
    assert sorted(received) == sorted([older, newer])
    # the subject's changes in log order: the older state must not land last
    assert received == [older, newer]
