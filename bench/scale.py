"""The periodic paths at scale (issue 15, point 3): the tick (expiry and retention purge) and the
overdue-objection list read the due-date indexes, an agreement's re-evaluation walks the source
index a page at a time, and a month's statistics read counters, so their memory stays flat
however many listings the table holds.

Each size loads ``size`` listings straight into the local stack's table (BatchWriteItem, the
items exactly as the gateway stores them, due dates included), a share of them due: expired by
date, past retention (a person's, ended years ago), or with an objection past its deadline. It
then times one tick, a walk through every page of overdue objections, and the re-evaluation of
a new agreement recognising the city's province for 广东 (one subscription there), with the
tracemalloc peak of each and the process's RSS around them; and one month's statistics report
over as many listings' counters (``bench.stats_scale``):

    python -m bench.scale SIZE OUT.json      (``bench.run`` starts one process per size)
"""

from __future__ import annotations

import gc
import json
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import fixtures
from bench.common import CITY, AwsCounter, RssSampler, rss_mb, totals
from bench.stack_upload import finish, start_stack
from bench.stats_scale import stats_scale
from chalicelib.bootstrap import container
from gateway.intake import promote
from gateway.recognition import AgreementTerms
from gateway.registry import Region
from gateway_client.contract import (
    Listing,
    ListingEntry,
    ListingStatus,
    Objection,
    SubjectType,
    china_date,
    forget_classified,
)
from infra.local import synthetic

SUBSCRIBER = "440000"  # 广东: recognises 湖南's lists by the bench's first agreement
DUE_EVERY = 50
"""One listing in 50 is due for each of expiry, purge and an overdue objection (6 % in all)."""
_BATCH = 25  # BatchWriteItem's most


def _listing(i: int, now: datetime) -> Listing:
    """Synthetic listing ``i``: most in force until 2099, every ``DUE_EVERY``-th due."""
    held = promote(ListingEntry.model_validate(synthetic.entry(CITY, i)), CITY, now)
    assert held is not None
    due = i % DUE_EVERY
    if due == 1:  # its publicity period ended yesterday
        return held.model_copy(update={"valid_until": china_date(now) - timedelta(days=1)})
    if due == 2:  # a person's listing that stopped applying seven years ago
        long_ago = now - timedelta(days=365 * 7)
        return held.model_copy(
            update={
                "status": ListingStatus.EXPIRED,
                "subject_type": SubjectType.NATURAL_PERSON,
                "accepted_at": long_ago,
            }
        )
    if due == 3:  # an objection whose deadline passed ten days ago
        objection = Objection(
            objection_id=f"bench-{i}",
            filed_at=now - timedelta(days=40),
            filed_by=CITY,
            reason="信息有误",
            deadline=china_date(now) - timedelta(days=10),
            deadline_basis="20 calendar days from the filing",
            suspends=False,
            notified_at=now - timedelta(days=40),
        )
        held = held.model_copy(update={"objection": objection})
    return held.model_copy(update={"valid_until": china_date(now).replace(year=2099)})


def load(size: int, now: datetime) -> float:
    """Write ``size`` listings, 25 a BatchWriteItem; the seconds it took."""
    c = container()
    client, table = c.aws_clients["dynamodb"], c.settings.listings_table
    started = time.perf_counter()
    for first in range(0, size, _BATCH):
        requests: Any = [
            {"PutRequest": {"Item": c.listings._item(_listing(i, now), CITY)}}
            for i in range(first, min(first + _BATCH, size))
        ]
        pending: dict[str, Any] = {table: requests}
        while pending:
            reply = client.batch_write_item(RequestItems=pending)
            pending = dict(reply.get("UnprocessedItems") or {})
    return time.perf_counter() - started


class _PeakRss(RssSampler):
    """An RSS sampler that keeps its highest sample alone: a list of every sample grows with
    the run's length (a tuple every 0.1 s), inside the very heap peak being measured."""

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples[:] = [(0.0, max(self.peak, rss_mb()))]
            self._stop.wait(self.interval)


def _measured(work: Callable[[], Any]) -> tuple[Any, dict[str, float]]:
    """``work()``, its seconds, its tracemalloc peak and the RSS around it. It starts as a
    function of its own would: with the credit-code memo empty (the bench's load filled it
    with every code, so what the path adds to it would go unseen) and no garbage pending."""
    forget_classified()
    gc.collect()
    before = rss_mb()
    tracemalloc.start()
    with _PeakRss() as sampler:
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, {
        "seconds": round(seconds, 3),
        "tracemalloc_peak_mb": round(peak / 2**20, 2),
        "rss_before_mb": round(before, 1),
        "rss_sampled_peak_mb": round(sampler.peak, 1),
    }


def _reevaluate() -> Any:
    """Sign an agreement by which 广东 recognises the city's province, with one subscription
    there, and run its re-evaluation job to the end as the job's function would."""
    c = container()
    c.registry.put_region(Region(code=SUBSCRIBER, name="广东省"))
    c.registry.put_region(Region(code=CITY, name="长沙市"))  # a platform in the source province
    subscriber = next(s for s in fixtures.subscriptions() if s.region == SUBSCRIBER)
    c.subscriptions.put(subscriber)
    body = next(b for b in fixtures.agreement_bodies() if b["subscriber_region"] == SUBSCRIBER)
    saved = c.agreement_desk.sign(AgreementTerms.model_validate(body))
    assert saved.reevaluation is not None
    job = c.reevaluation_runner.run(saved.reevaluation, lambda: False)
    assert job is not None
    return job


def _overdue_pages() -> Iterator[int]:
    """Every page of ``GET /v1/objections/overdue``, as the route reads it (a request a page,
    so no page is held while the next is read): entries per page."""
    after: str | None = None
    while True:
        entries, after = _overdue_page(after)
        yield entries
        if after is None:
            return


def _overdue_page(after: str | None) -> tuple[int, str | None]:
    page, following = container().overdue.objections(after, 100)
    return len(page), following


def _scans(calls: dict[str, dict[str, Any]]) -> int:
    """Scans of the listings table (the small subscriptions and agreements tables may be)."""
    return sum(c["calls"] for key, c in calls.items() if key.startswith("dynamodb.Scan[listings"))


def run_size(size: int) -> dict[str, Any]:
    moto, _stack_running = start_stack()
    try:
        now = datetime.now(UTC)
        loaded = load(size, now)
        counter = AwsCounter().attach(container().aws_clients)
        report, tick = _measured(container().lifecycle.tick)
        tick_calls = counter.snapshot()
        counter.reset()
        pages, overdue = _measured(lambda: list(_overdue_pages()))
        overdue_calls = counter.snapshot()
        counter.reset()
        job, reevaluation = _measured(_reevaluate)
        reevaluation_calls = counter.snapshot()
        statistics = stats_scale(size)
        result = {
            "listings": size,
            "due_each": len(range(1, size, DUE_EVERY)),
            "load_seconds": round(loaded, 1),
            "tick": {
                **tick,
                "expired": report.expired,
                "purged": report.purged,
                "more_due": report.more_due,
                "aws_totals": totals(tick_calls),
                "scans": _scans(tick_calls),
            },
            "overdue_objections": {
                **overdue,
                "entries": sum(pages),
                "pages": len(pages),
                "aws_totals": totals(overdue_calls),
                "scans": _scans(overdue_calls),
            },
            "reevaluation": {
                **reevaluation,
                "pages": job.pages,
                "deliveries": job.deliveries,
                "finished": job.finished,
                "aws_totals": totals(reevaluation_calls),
                "scans": _scans(reevaluation_calls),
            },
            "statistics": {
                "seconds": statistics["seconds"],
                "tracemalloc_peak_mb": round(statistics["peak_bytes"] / 2**20, 3),
                "items_read": statistics["items"],
            },
        }
        return finish(result, moto)
    finally:
        _stack_running.stop()
        moto.stop()


def run(sizes: tuple[int, ...] = (10_000, 100_000)) -> dict[str, Any]:
    """Every size in this process, one after the other (``bench.run`` uses a process a size,
    so that each RSS is its own)."""
    return {str(size): run_size(size) for size in sizes}


def main() -> None:
    size, out = int(sys.argv[1]), sys.argv[2]
    result = run_size(size)
    Path(out).write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
