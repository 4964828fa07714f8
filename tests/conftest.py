"""Shared by the integration and app tests: the ``aws`` fixture (see ``aws_support``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aws_support import Aws, provisioned_aws


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    with provisioned_aws(monkeypatch) as provisioned:
        yield provisioned
