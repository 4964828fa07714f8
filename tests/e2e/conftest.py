"""The local stack, started once for the end-to-end tests that share it; and the demo's world,
run once for the two files that look at it (``tests/conftest.py`` puts them on one worker)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_support import DemoWorld

from infra.local.demo import run_demo
from infra.local.stack import LocalStack


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


@pytest.fixture(scope="session")
def demo_world() -> Iterator[DemoWorld]:
    """The `make demo` scenario over real HTTP, its retries (an endpoint down for a while, one
    down for good) not waited for: the longest setup of the suite, so made once for the demo's
    checks and the console's pages."""
    with LocalStack(retry_schedule_seconds=(0,) * 7) as running:
        yield DemoWorld(running, run_demo(running, say=lambda _: None))
