"""moto's TransactWriteItems deep-copies the whole table once per *item* for its rollback, so a
transaction gets slower as the table grows (100 items × every stored item). The local stack
copies each table once per transaction instead — same rollback, linear cost. And a table
without a stream is not copied at all: the items the transaction names (at most 100) are, and a
rollback puts those back. A whole-table copy still cost a transaction ~15 ms at 200 items and
~70 ms at 1,000 — the exchange log's, on the way to every webhook, grows by four items a change.
(A table with a stream keeps the whole-table copy: its stream records are part of what a
rollback restores.)

And moto lists a response class's methods (``inspect.getmembers``) on every API call to find
the action: the list depends on the class alone, so it is worked out once per class.

And moto's server lists its own package directory (a ``listdir`` and a ``stat`` per entry, about
150 of them) twice on every request to see whether the Host names a service: the list is the
installed package's, so it is read once.

And moto's SQS queues are not thread-safe: its server answers each request on a thread, and the
delivery handler's workers change and delete messages at once, so a queue's "message group in
flight" set could keep a group that no message holds any more, and that FIFO group was never
received again (a demo drain stalled with its messages visible). One lock serialises the
queue operations, as SQS itself does per queue.

And a long poll (``WaitTimeSeconds``) must not hold that queue lock while it waits, or no message
could be sent to wake it: it waits on a condition of the lock instead, notified by every other
queue operation (a send, a delete that frees a FIFO group), and looks again at least every
0.25 s (a delay or visibility timeout ends without an operation). moto's own wait would also
spin while a FIFO group is in flight (its messages visible but not receivable).

And moto's DynamoDB is not thread-safe either: a conditional write checks and then writes, a
transaction checks and writes item by item and rolls back by restoring a copy of the whole
table, and a scan iterates a table's dict while another request adds to it. Two requests at once
(two platforms pushing) could both pass one condition, a cancelled transaction could undo a
write made meanwhile, and a scan could fail with "dictionary changed size during iteration".
One lock serialises DynamoDB's requests, each answered as of one moment, as DynamoDB's are —
which also keeps two writes from numbering their stream records alike (moto numbers a record
by the shard's length before appending it; a reader whose batch ended on such a pair was handed
the second record again and again, fanning it out anew each time). And S3's: versioned
writes to one key at once lost versions (the current one among them).

And an update's expression is parsed and checked with less work: ``moto_update_expressions``.

And moto turns each request's action name into a Python name, character by character, once per
request: a pure function of the name, so each name is turned once."""

from __future__ import annotations

import copy
import functools
import threading
import time
from typing import Any

from moto import backends as moto_backends
from moto.core import responses as core_responses
from moto.dynamodb import models
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.s3.responses import S3Response
from moto.sqs.models import SQSBackend

from infra.local import moto_http, moto_responses, moto_update_expressions
from infra.local.moto_patching import replace_once

_active = threading.local()


class _TableCopiedOnce:
    """Stands in for the ``copy`` module inside moto's DynamoDB models."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        copies: dict[int, Any] | None = getattr(_active, "copies", None)
        if copies is None or not isinstance(value, Table):
            return copy.deepcopy(value, memo)
        if value.stream_shard is None:
            return value  # moto "restores" the live table; ``_put_back`` restores its items
        if id(value) not in copies:
            copies[id(value)] = copy.deepcopy(value, memo)
        return copies[id(value)]


_SQS_LOCK = threading.RLock()
_SQS_CHANGED = threading.Condition(_SQS_LOCK)
_RECHECK_SECONDS = 0.25
_READS = ("receive_message", "get_queue_attributes")
_SQS_CALLS = (
    "send_message",
    "send_message_batch",
    "receive_message",
    "delete_message",
    "delete_message_batch",
    "change_message_visibility",
    "change_message_visibility_batch",
    "get_queue_attributes",
    "purge_queue",
)


def _serialise_sqs() -> None:
    sqs: Any = SQSBackend
    for name in _SQS_CALLS:
        original = getattr(sqs, name)
        if getattr(original, "serialised", False):
            continue

        @functools.wraps(original)
        def locked(
            *args: Any, __original: Any = original, __name: str = name, **kwargs: Any
        ) -> Any:
            with _SQS_CHANGED:
                result = __original(*args, **kwargs)
                if __name not in _READS:  # a read wakes no one (or two polls would ping-pong)
                    _SQS_CHANGED.notify_all()
                return result

        locked.serialised = True  # type: ignore[attr-defined]
        setattr(sqs, name, locked)
    sqs.receive_message = _long_poll(sqs.receive_message)


def _long_poll(locked: Any) -> Any:
    """``receive_message`` that waits for messages with the queue lock released."""
    if getattr(locked, "long_polls", False):
        return locked

    @functools.wraps(locked)
    def receive(self: Any, queue: str, count: int, wait_seconds: int, *args: Any) -> Any:
        deadline = time.monotonic() + wait_seconds
        with _SQS_CHANGED:
            while True:
                result = locked(self, queue, count, 0, *args)
                left = deadline - time.monotonic()
                if result or left <= 0:
                    return result
                _SQS_CHANGED.wait(min(left, _RECHECK_SECONDS))

    receive.long_polls = True  # type: ignore[attr-defined]
    return receive


def _serialised(owner: Any, *names: str) -> None:
    """Each request ``owner``'s ``names`` handle answered whole (its checks, writes, rollback
    and answer) under one lock of the service's: the handler's, not the backend's methods, as
    the handler copies what it read and writes the answer outside them."""
    lock = threading.RLock()  # re-entered: S3's ambiguous request turns into a bucket's or key's

    def make(original: Any) -> Any:
        @functools.wraps(original)
        def handled(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return original(*args, **kwargs)

        return handled

    for name in names:
        replace_once(owner, name, make)


def install() -> None:
    moto_http.install()  # kept-alive connections (its docstring says why)
    moto_responses.install()  # answers written with less work (its docstring says why)
    _cache_action_names()
    moto_update_expressions.install()
    _serialise_sqs()
    _serialised(DynamoHandler, "call_action")
    _serialised(S3Response, "bucket_response", "key_response")
    backend: Any = models.DynamoDBBackend
    if getattr(backend.transact_write_items, "copies_once", False):
        return
    original = backend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        _active.copies = {}
        held = _items_named(self, transact_items)
        try:
            original(self, transact_items)
        except Exception:
            _put_back(held)
            raise
        finally:
            _active.copies = None

    transact_write_items.copies_once = True  # type: ignore[attr-defined]
    backend.transact_write_items = transact_write_items
    models.copy = _TableCopiedOnce()  # type: ignore[assignment,attr-defined]


_Held = list[tuple[Any, Any, Any, Any]]  # (table, hash key, range key, the item before or None)


def _items_named(backend: Any, transact_items: list[dict[str, Any]]) -> _Held:
    """A copy of each item a transaction names in a table without a stream, as it is now."""
    held: _Held = []
    for entry in transact_items:
        op: Any = next(iter(entry.values()), None)
        table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
        if table is None or table.stream_shard is not None:
            continue
        key = op.get("Item") if "Item" in op else op.get("Key")
        try:
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        except (KeyError, TypeError):
            continue  # moto refuses it before writing anything
        before = table.get_item(hash_key, range_key)
        held.append((table, hash_key, range_key, copy.deepcopy(before)))
    return held


def _put_back(held: _Held) -> None:
    for table, hash_key, range_key, before in reversed(held):
        if range_key is None and before is None:
            table.items.pop(hash_key, None)
        elif range_key is None:
            table.items[hash_key] = before
        elif before is None:
            table.items.get(hash_key, {}).pop(range_key, None)
        else:
            table.items[hash_key][range_key] = before


def _cache_action_names() -> None:
    responses: Any = core_responses
    if not hasattr(responses.method_names_from_class, "cache_info"):
        responses.method_names_from_class = functools.cache(responses.method_names_from_class)
    if not hasattr(responses.camelcase_to_underscores, "cache_info"):
        responses.camelcase_to_underscores = functools.lru_cache(maxsize=1024)(
            responses.camelcase_to_underscores
        )
    modules: Any = moto_backends
    if not hasattr(modules.list_of_moto_modules, "cache_info"):
        listed = modules.list_of_moto_modules
        modules.list_of_moto_modules = functools.cache(lambda: tuple(listed()))
