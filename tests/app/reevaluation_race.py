"""A re-evaluation job whose page is computed and, before it is queued, something else happens
(another job, a revocation): the window two invocations racing leave (reviews 295, 300)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app_support import reevaluate

from chalicelib import bootstrap


def reevaluated_racing(
    aws: Any, page: Callable[[Sequence[Any]], bool], meanwhile: Callable[[], None]
) -> None:
    """Run the job; once a page ``page`` picks (its deliveries) is computed, ``meanwhile`` runs
    before it is queued. A fan-out's enqueue (it names a token) and later pages go as usual."""
    runner = bootstrap.container().reevaluation_runner
    original = runner.queue.enqueue
    raced: list[bool] = []

    def enqueue(deliveries: Any, *args: Any, **kwargs: Any) -> Any:
        if not (args or kwargs or raced) and page(deliveries):
            raced.append(True)
            meanwhile()
        return original(deliveries, *args, **kwargs)

    runner.queue.enqueue = enqueue
    try:
        reevaluate(aws)
    finally:
        runner.queue.enqueue = original
    assert raced, "no page was computed"
