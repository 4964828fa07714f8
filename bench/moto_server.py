"""moto as a process of its own, so that the bench process's memory is the gateway's alone.

``python -m bench.moto_server`` prints ``PORT <n>`` once it listens on 127.0.0.1 and serves until
its standard input closes (so it never outlives the bench that started it). The local stack's
TransactWriteItems speed-up (``infra.local.moto_speedup``) is installed here, where moto runs,
exactly as ``LocalStack`` installs it in-process.

One more speed-up, for the bench only: moto's SQS ``send_message``/``send_message_batch`` read
the whole ``Queue.attributes`` dict several times per message just to look up
``ContentBasedDeduplication``, and building that dict scans every message in the queue three
times (the approximate counts). Sending N messages to one queue is then O(N²) with a large
constant: fanning 2,000 changes out to 10 subscribers (20,000 messages) did not finish in
10 minutes. Inside those two calls, ``attributes`` answers lookups lazily instead, attribute by
attribute — the same values, without the scans nobody reads. Nothing the gateway sends or
receives changes; only moto's own time does.

And one for DynamoDB's ``Query``: moto answers every query from ``Table.all_items()``, which
lists and sorts the whole table (``DynamoType`` comparisons, O(N log N)) before it picks the
query's items and sorts those again by the query's own keys. A query on the table's key then
costs as much as one on an index, and a re-evaluation, which queries each subject once, is
quadratic in the table (5,000 listings: 40 ms a query, 200 s a job). Inside ``query``,
``all_items`` answers unsorted (the query sorts what it keeps itself), and with only the
partition's items when the query reads the table's key: the same answers, without the sort or
the walk. Index queries still walk the table once each (O(N)).

``BENCH_MOTO_LATENCY_MS`` (default 0) delays every answer by that much: the bench's "with
network latency" variant.
"""

from __future__ import annotations

import faulthandler
import functools
import inspect
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

from moto.core.utils import camelcase_to_underscores
from moto.dynamodb.models.table import Table
from moto.server import ThreadedMotoServer
from moto.sqs import models as sqs_models

from infra.local import moto_speedup

_sending = threading.local()


class _LazyAttributes:
    """What ``Queue.attributes.get(name)`` answers, computed for ``name`` alone."""

    def __init__(self, queue: Any) -> None:
        self._queue = queue

    def get(self, name: str, default: Any = None) -> Any:
        queue = self._queue
        known = list(queue.BASE_ATTRIBUTES)
        if queue.fifo_queue:
            known += queue.FIFO_ATTRIBUTES
        if name not in known:
            return _full_attributes(queue).get(name, default)
        return getattr(queue, camelcase_to_underscores(name))

    def __getattr__(self, name: str) -> Any:  # anything else: the real dict
        return getattr(_full_attributes(self._queue), name)


_full_attributes = sqs_models.Queue.attributes.fget


def _attributes(queue: Any) -> Any:
    if getattr(_sending, "active", False):
        return _LazyAttributes(queue)
    return _full_attributes(queue)


def _while_sending(method: Any) -> Any:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        outer = getattr(_sending, "active", False)
        _sending.active = True
        try:
            return method(*args, **kwargs)
        finally:
            _sending.active = outer

    return wrapper


def install_sqs_speedup() -> None:
    queue: Any = sqs_models.Queue
    if getattr(queue, "_bench_lazy_attributes", False):
        return
    queue.attributes = property(_attributes)
    queue._bench_lazy_attributes = True
    backend: Any = sqs_models.SQSBackend
    backend.send_message = _while_sending(backend.send_message)
    backend.send_message_batch = _while_sending(backend.send_message_batch)


_querying = threading.local()
_sorted_items = Table.all_items
_QUERY_ARGUMENTS = inspect.signature(Table.query)


def _all_items(table: Any) -> Any:
    partition = getattr(_querying, "partition", None)
    if partition is None:
        return _sorted_items(table)
    if partition is _EVERY_PARTITION:
        held = table.items.values()
        return [x for group in held for x in group.values()] if table.range_key_attr else held
    group = table.items.get(partition)
    if group is None:
        return []
    return list(group.values()) if table.range_key_attr else [group]


_EVERY_PARTITION = object()


def _query(method: Any) -> Any:
    @functools.wraps(method)
    def wrapper(table: Any, *args: Any, **kwargs: Any) -> Any:
        called = _QUERY_ARGUMENTS.bind(table, *args, **kwargs).arguments
        on_index = called.get("index_name") is not None
        _querying.partition = _EVERY_PARTITION if on_index else called["hash_key"]
        try:
            return method(table, *args, **kwargs)
        finally:
            _querying.partition = None

    return wrapper


def install_query_speedup() -> None:
    table: Any = Table
    if getattr(table, "_bench_query_speedup", False):
        return
    table.all_items = _all_items
    table.query = _query(table.query)
    table._bench_query_speedup = True


def install_latency(milliseconds: float) -> None:
    """Answer every request ``milliseconds`` later: a model of the network round trip to AWS
    (moto answers from memory on loopback in well under a millisecond of network time)."""
    if milliseconds <= 0:
        return
    from moto.moto_server import werkzeug_app

    dispatcher: Any = werkzeug_app.DomainDispatcherApplication
    original = dispatcher.__call__

    def __call__(self: Any, environ: Any, start_response: Any) -> Any:
        time.sleep(milliseconds / 1000)
        return original(self, environ, start_response)

    dispatcher.__call__ = __call__


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # kill -USR1: where is moto busy?
    moto_speedup.install()
    install_sqs_speedup()
    install_query_speedup()
    install_latency(float(os.environ.get("BENCH_MOTO_LATENCY_MS", "0") or 0))
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    print(f"PORT {port}", flush=True)
    try:
        sys.stdin.read()  # returns when the parent closes the pipe or exits
    finally:
        server.stop()


if __name__ == "__main__":
    main()
