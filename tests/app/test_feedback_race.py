"""Review 83 F2: "one execution is one case" held only one report after another. Two reports of
one measure on one day about one listing, sent at once against two of the region's deliveries,
each read the other's absence and both were kept and counted. The region's cases are now kept
in items written with the report under their versions: the later one reads again, and is
refused ``already_reported``. Chalice's request is kept per thread here, as each invocation's
own is (CI run 58: one thread handled the other's request)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from app_support import CITY, HUNAN, hunan_recognises_city
from lifecycle_support import Lifecycle, fan_out_and_deliver, pushed, recent_entry, this_month

from chalicelib.bootstrap import container


@pytest.mark.usefixtures("request_per_thread")
def test_two_reports_of_one_case_at_once_keep_and_count_one(
    gateway, aws, stream, receiver, monkeypatch
):
    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    for _ in range(2):
        assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    hunan_recognises_city(gateway)
    city, hunan = gateway.register_platform(CITY), gateway.register_platform(HUNAN)
    pushed(gateway, city, CITY, recent_entry(days_ago=60))
    first, second = fan_out_and_deliver(aws, stream)
    store = container().feedback
    read = store.cases
    both_read = threading.Barrier(2, timeout=10)
    waited: set[int] = set()

    def read_together(feedback: Any) -> Any:
        found = read(feedback)
        if threading.get_ident() not in waited:  # each one's first read, before either writes
            waited.add(threading.get_ident())
            both_read.wait()
        return found

    monkeypatch.setattr(store, "cases", read_together)
    replies: dict[str, Any] = {}

    def report(delivery_id: str) -> None:
        replies[delivery_id] = life.post_feedback(hunan, delivery_id)

    threads = [threading.Thread(target=report, args=(d.delivery_id,)) for d in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(reply.status_code for reply in replies.values())
    assert statuses == [201, 409], [r.json_body for r in replies.values()]
    [refused] = [r for r in replies.values() if r.status_code == 409]
    assert refused.json_body["error"]["code"] == "already_reported"
    assert life.stats(CITY, this_month()).json_body["cases"]["total"] == 1
