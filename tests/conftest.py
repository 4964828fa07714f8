"""Shared by the integration and app tests: the ``aws`` fixture (see ``aws_support``)."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import botocore.session
import pytest
from aws_support import Aws, provisioned_aws

from gateway_client.contract.listing import LOCAL_IDENTITY_SECRET, identity_key, use_identity_key

# moto's mock_aws() resets boto3.DEFAULT_SESSION, and chalicelib.bootstrap builds a fresh
# boto3 Session per client: every new botocore Session gets its own data Loader and re-parses
# endpoints.json, partitions.json and each service model from disk (about a third of a test's
# setup). One Loader for the whole run: the files are read once, as in a long-lived process.
# The loader's results are the same read-only dicts one Session already shares between clients.
botocore.session.create_loader = functools.cache(botocore.session.create_loader)


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
