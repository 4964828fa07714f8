"""The local stack, started once for the end-to-end tests that share it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.local.stack import LocalStack


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running
