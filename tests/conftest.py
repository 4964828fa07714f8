"""Shared by the integration and app tests: the ``aws`` fixture (see ``aws_support``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aws_support import Aws, provisioned_aws

from gateway.listing import LOCAL_IDENTITY_SECRET, identity_key, use_identity_key


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    with provisioned_aws(monkeypatch) as provisioned:
        yield provisioned


@pytest.fixture(autouse=True)
def _local_identity_key() -> Iterator[None]:
    """A test that configures a deployment's identity key leaves the next one the local key."""
    yield
    use_identity_key(lambda: identity_key(LOCAL_IDENTITY_SECRET))
