"""The purge blanks a record's answers by their positions, read first and written after. A full
record's new attempt replaces its last place, so an attempt written between the purge's read
and its write was overwritten by the older one, blanked: the record's latest attempt (the
delivery, here) was lost (review 293). Each slot is now rewritten only while it holds what was
read."""

from __future__ import annotations

from typing import Any

from attempts_support import tried

from chalicelib.dynamodb.attempts_kept import KEPT
from chalicelib.dynamodb.delivery_excerpts import DeliveryExcerpts


def test_an_attempt_written_while_the_purge_blanks_is_kept(
    aws: Any, gateway: Any, stream: Any, queue: Any, hook: Any
) -> None:
    record = tried(aws, gateway, stream, queue, hook)
    for _ in range(KEPT):
        record.enable()
    read_by_the_purge = record.item()
    assert len(read_by_the_purge["attempts"]["L"]) == KEPT
    hook.answer(204)  # meanwhile the endpoint is back and the delivery goes through
    record.enable()

    key = read_by_the_purge["delivery_id"]["S"]
    DeliveryExcerpts(aws.dynamodb, record.table).blank(key, read_by_the_purge)

    assert record.item()["state"]["S"] == "delivered"
    assert record.attempts()[-1].get("status") == 204
