"""Shared by the integration and app tests: the ``aws`` fixture (see ``aws_support``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aws_support import Aws, provisioned_aws

from gateway_client.contract.listing import LOCAL_IDENTITY_SECRET, identity_key, use_identity_key


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    with provisioned_aws(monkeypatch) as provisioned:
        yield provisioned


def _local_identity_key() -> bytes:
    return identity_key(LOCAL_IDENTITY_SECRET)


# Listing ids under the local key, as the local stage derives them (``chalicelib``'s bootstrap
# sets it there): from collection on, for test modules that derive ids at import.
use_identity_key(_local_identity_key)


@pytest.fixture(autouse=True)
def _back_to_the_local_identity_key() -> None:
    """A test that configured a deployment's key leaves the next one the local key."""
    use_identity_key(_local_identity_key)
