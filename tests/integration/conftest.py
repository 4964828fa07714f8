"""Repositories against the real resource definitions: the shared ``aws`` fixture lives in
tests/conftest.py."""

from __future__ import annotations

import functools
import threading
from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler

from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.s3_archive import S3Archive


def lock_moto(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Run these moto operations under one lock: DynamoDB's are atomic, moto's check and then
    write (and a concurrent read could see a half-written item). Both the backend's method and
    the request handler's: the handler of ``update_item`` copies the item it read outside the
    backend's call, while another thread's update may be changing it."""
    lock = threading.RLock()
    for cls in (DynamoDBBackend, DynamoHandler):
        for name in names:
            original = getattr(cls, name)

            def locked(self, *args, _original=original, **kwargs):  # type: ignore[no-untyped-def]
                with lock:
                    return _original(self, *args, **kwargs)

            monkeypatch.setattr(cls, name, functools.wraps(original)(locked))


@pytest.fixture
def atomic_moto_updates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Conditional puts and updates atomic with reads, as DynamoDB's are."""
    lock_moto(monkeypatch, "update_item", "put_item", "get_item")


@pytest.fixture
def atomic_moto_transactions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Transactions atomic and isolated, as DynamoDB's are: moto checks and writes each item in
    turn and rolls back by restoring a copy of the whole table, so two threads' transactions
    would interleave, a read could see a head without its sequence, and a rollback would undo
    an update made meanwhile (the exchange log's claims)."""
    lock_moto(
        monkeypatch, "transact_write_items", "get_item", "batch_get_item", "put_item", "update_item"
    )


@pytest.fixture
def log(aws: Any) -> DynamoExchangeLog:
    """The exchange log on the provisioned table and bucket."""
    archive = S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"])
    return DynamoExchangeLog(aws.dynamodb, aws.env["CG_EXCHANGE_LOG_TABLE"], archive)
