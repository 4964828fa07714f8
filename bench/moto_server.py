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

And DynamoDB's ``Query`` answers from the query's partition or index group alone
(``bench.moto_query``).

``BENCH_MOTO_LATENCY_MS`` (default 0) delays every answer by that much: the bench's "with
network latency" variant.
"""

from __future__ import annotations

import faulthandler
import functools
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

from moto.core.utils import camelcase_to_underscores as _python_name
from moto.server import ThreadedMotoServer
from moto.sqs import models as sqs_models

from bench.moto_query import install_query_speedup
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
        return getattr(queue, _attribute_name(name))

    def __getattr__(self, name: str) -> Any:  # anything else: the real dict
        return getattr(_full_attributes(self._queue), name)


_full_attributes = sqs_models.Queue.attributes.fget
_attribute_name = functools.lru_cache(maxsize=64)(_python_name)  # per message: turned once


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
