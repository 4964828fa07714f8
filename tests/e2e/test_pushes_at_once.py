"""Pushes sent at once over HTTP, as platforms' retries and parallel uploaders send them: each
is answered, the same decision is accepted once and answered ``duplicate`` to the rest, every
other decision is stored, and the subscriber hears of each decision once. (The local stack's
moto once lost writes, or let two conditional writes pass, when requests overlapped.)"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from e2e_support import as_operator, drain, entry, platform

from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

OWNER, SUBSCRIBER = "430100", "440000"  # 长沙市, 广东省
SENDERS = 8


@pytest.fixture
def busy() -> Iterator[None]:
    """The stack's threads (it runs in this process) take turns often, as a busy server's do."""
    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(switching)


@pytest.mark.usefixtures("busy")
def test_pushes_sent_at_once_are_each_answered_once_and_delivered_once(stack: LocalStack) -> None:
    owner = platform(stack, OWNER, "cs-at-once")
    platform(stack, SUBSCRIBER, "gd-at-once")
    receiver = Receiver("广东省", region=SUBSCRIBER).start()
    try:
        operator = {"authorization": f"Bearer {stack.operator_token}"}
        receiver.subscribe(stack.url, {"region": SUBSCRIBER}, operator)
        same = entry(1)
        others = [entry(n) for n in range(2, 2 + SENDERS * 2)]
        now = datetime.now(UTC)
        with ThreadPoolExecutor(SENDERS) as pool:
            repeated = list(pool.map(lambda _: owner.push([same], now), range(SENDERS)))
            spread = list(pool.map(lambda e: owner.push([e], now), others))

        assert all(r.status == 200 for r in repeated + spread), [r.body for r in repeated + spread]
        statuses = sorted(r.body["outcomes"][0]["outcome"] for r in repeated)
        assert statuses == ["accepted"] + ["duplicate"] * (SENDERS - 1)
        assert [r.body["outcomes"][0]["outcome"] for r in spread] == ["accepted"] * len(others)
        for pushed in [same, *others]:
            held = as_operator(stack, "GET", f"/v1/subjects/{pushed['credit_code']}")
            assert held.status == 200, held.body
            assert len(held.body["listings"]) == 1, held.body

        drain(stack)
        heard = sorted(r.payload.data.listing.credit_code for r in receiver.received)
        assert heard == sorted(e["credit_code"] for e in [same, *others])
    finally:
        receiver.stop()
