"""The background event pump (``EventPump.run``, as ``gateway dev`` runs it) needs no sleeping
round to carry a push to its subscriber: with its fallback stream read an hour away, the write
wakes it to read the stream, and the delivery queue's long poll receives what the fan-out sent."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from e2e_support import as_operator, code, entry, platform

from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

CITY, SUBSCRIBER = "430100", "440000"
HOUR = 3600.0


def test_a_push_reaches_its_subscriber_with_the_fallback_read_an_hour_away() -> None:
    receiver = Receiver("广东省").start()
    stop = threading.Event()
    with LocalStack() as stack:
        assert stack.pump is not None
        city = platform(stack, CITY, "cs-pump")
        assert (
            as_operator(stack, "PUT", f"/v1/regions/{SUBSCRIBER}", {"name": "广东省"}).status == 200
        )
        receiver.subscribe(
            stack.url,
            {"region": SUBSCRIBER, "signature_scheme": "v1a"},
            {"authorization": f"Bearer {stack.operator_token}"},
        )
        pump = threading.Thread(target=stack.pump.run, args=(stop, HOUR), daemon=True)
        pump.start()
        try:
            time.sleep(0.5)  # let the pump's first reads pass: from here on only a wake-up counts
            reply = city.push([entry(1)], datetime.now(UTC))
            assert reply.status < 300, reply.body
            deadline = time.monotonic() + 30
            while not receiver.received and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            stop.set()
            stack.pump.wake.set()  # the stream loop's wait ends at once
            pump.join(timeout=10)
            receiver.stop()

    assert [r.payload.data.listing.credit_code for r in receiver.received] == [code(1)]
    assert receiver.rejected == []
