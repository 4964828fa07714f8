"""Repositories against the real resource definitions: the shared ``aws`` fixture lives in
tests/conftest.py."""

from __future__ import annotations

import functools
import threading

import pytest
from moto.dynamodb.models import DynamoDBBackend


@pytest.fixture
def atomic_moto_updates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make moto's conditional update atomic, as DynamoDB's is (moto checks, then writes, and a
    concurrent read could see the half-written item)."""
    lock = threading.RLock()
    for name in ("update_item", "put_item", "get_item"):
        original = getattr(DynamoDBBackend, name)

        def locked(self, *args, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, functools.wraps(original)(locked))
