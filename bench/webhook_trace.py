"""Where one push's time goes on the local stack (issue 15, point 5): each AWS request of the
push, the fan-out, the delivery and the pump's own polls, counted per stage with its wall time,
and the moments between them (what the pump waited for).

    python -m bench.webhook_trace PUSHES OUT.json

The stack is ``bench.webhook``'s (moto in a process of its own, the pump in the background).
After two warm-up pushes, each push is traced alone: every request of the gateway's clients
and of the pump's is noted on botocore's ``before-call``/``after-call`` events with the thread
it ran on, and the handlers the pump invokes are wrapped to note when they ran. A request is
put in the stage of the thread it ran on — the HTTP request's (``push``), a handler's
invocation (``fan_out``, ``deliver``, its worker threads included), or the pump between
invocations (``pump``). Counts are what to compare across runs on a shared machine; the wall
times are medians over the traced pushes, and so is the CPU each push took until its webhook
arrived, this process's (the app, the pump, the receiver) and moto's.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bench import fixtures
from bench.common import short_table
from bench.stack import ExternalStack, MotoProcess
from bench.webhook import IDLE_SECONDS, SUBSCRIBER, WARM_UP, _push, _settle, _TimedReceiver
from chalicelib.bootstrap import container
from gateway_client.receiver import fetch_gateway_keys
from infra.local.pump import EventPump

_HTTP_THREAD = "process_request"  # socketserver.ThreadingMixIn names its request threads so


@dataclasses.dataclass
class _Call:
    stage: str
    name: str
    started: float
    ended: float = 0.0


class Tracer:
    """Notes every request of the clients it is attached to, and the handlers' invocations."""

    def __init__(self) -> None:
        self.calls: list[_Call] = []
        self.invocations: list[tuple[str, float, float]] = []
        self._running: dict[int, str] = {}  # thread id → the handler it runs
        self._open: dict[int, list[_Call]] = defaultdict(list)
        self._lock = threading.Lock()
        self._names = threading.local()
        self.enabled = False

    def attach(self, clients: list[Any]) -> None:
        for client in clients:
            client.meta.events.register("before-parameter-build", self._named)
            client.meta.events.register("before-call", self._before)
            client.meta.events.register("after-call", self._after)

    def wrap(self, stage: str, handler: Any) -> Any:
        def traced(event: Any, context: Any) -> Any:
            started = time.perf_counter()
            self._running[threading.get_ident()] = stage
            try:
                return handler(event, context)
            finally:
                self._running.pop(threading.get_ident(), None)
                if self.enabled:
                    with self._lock:
                        self.invocations.append((stage, started, time.perf_counter()))

        return traced

    def _stage(self) -> str:
        thread = threading.current_thread()
        if _HTTP_THREAD in thread.name:
            return "push"
        if stage := self._running.get(thread.ident or 0):
            return stage
        if "ThreadPoolExecutor" in thread.name and self._running:
            return list(self._running.values())[-1]  # the latest handler's worker, most likely
        return "pump"

    def _named(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        """The request's name with its tables (from its API parameters, not yet serialised)."""
        table = params.get("TableName") or ",".join(params.get("RequestItems", {}))
        if not table and "TransactItems" in params:
            table = ",".join(
                sorted({next(iter(t.values()))["TableName"] for t in params["TransactItems"]})
            )
        name = f"{model.service_model.service_name}.{model.name}"
        if table:
            name += f"[{','.join(short_table(t) for t in table.split(','))}]"
        self._names.name = name

    def _before(self, model: Any, **_: Any) -> None:
        if not self.enabled:
            return
        name = getattr(self._names, "name", model.name)
        call = _Call(self._stage(), name, time.perf_counter())
        with self._lock:
            self.calls.append(call)
            self._open[threading.get_ident()].append(call)

    def _after(self, **_: Any) -> None:
        with self._lock:
            opened = self._open.get(threading.get_ident())
            if opened:
                opened.pop().ended = time.perf_counter()


def _traced_pump(pump: EventPump, tracer: Tracer) -> None:
    pump._on_stream = tracer.wrap("fan_out", pump._on_stream)
    pump._queues = [
        dataclasses.replace(q, handler=tracer.wrap(q.name, q.handler)) for q in pump._queues
    ]


def _one(
    tracer: Tracer, client: Any, receiver: _TimedReceiver, i: int, moto: MotoProcess
) -> dict[str, Any]:
    tracer.calls, tracer.invocations = [], []
    tracer.enabled = True
    cpu, moto_cpu = time.process_time(), moto.cpu_seconds()
    started = time.perf_counter()
    total, reply = _push(client, receiver, i)
    arrived = receiver.arrivals[-1]
    cpu, moto_cpu = time.process_time() - cpu, moto.cpu_seconds() - moto_cpu
    time.sleep(0.3)  # the delivery's outcome is written after the webhook answered
    tracer.enabled = False

    def ms(moment: float) -> float:
        return round((moment - started) * 1000, 1)

    per_stage: dict[str, Counter[str]] = defaultdict(Counter)
    busy: dict[str, float] = defaultdict(float)
    before_arrival: Counter[str] = Counter()
    for call in tracer.calls:
        if call.name.endswith("ReceiveMessage") and (
            not call.ended or call.ended - call.started > 0.2
        ):
            continue  # a long poll that waited (or still waits): not a request's cost
        per_stage[call.stage][call.name] += 1
        busy[call.stage] += (call.ended or call.started) - call.started
        if call.started < arrived:
            before_arrival[call.stage] += 1
    return {
        "segments": _segments(tracer, started, arrived),
        "push_to_webhook_ms": total,
        "push_reply_ms": reply,
        "cpu_ms": {"gateway": round(cpu * 1000, 1), "moto": round(moto_cpu * 1000, 1)},
        "webhook_ms": ms(arrived),
        "invocations": [(stage, ms(a), ms(b)) for stage, a, b in tracer.invocations],
        "requests": {stage: dict(sorted(c.items())) for stage, c in sorted(per_stage.items())},
        "request_counts": {stage: sum(c.values()) for stage, c in sorted(per_stage.items())},
        "requests_before_webhook": dict(before_arrival),
        "request_ms": {stage: round(s * 1000, 1) for stage, s in sorted(busy.items())},
        "timeline": [
            (c.stage, c.name, ms(c.started), ms(c.ended or c.started))
            for c in sorted(tracer.calls, key=lambda c: c.started)
        ],
    }


def _segments(tracer: Tracer, started: float, arrived: float) -> dict[str, float]:
    """The push's path cut where one stage hands over to the next (ms): the push until its
    listing is written, until the pump invokes the fan-out, until the fan-out has queued the
    delivery, until the pump invokes the sender, until the webhook arrived."""
    written = next(c.ended for c in tracer.calls if c.name == "dynamodb.PutItem[listings]")
    fan_out = next(a for stage, a, _ in tracer.invocations if stage == "fan_out")
    sent = next(c.ended for c in tracer.calls if c.name == "sqs.SendMessageBatch")
    deliver = next(a for stage, a, _ in tracer.invocations if stage == "deliver")
    marks = [started, written, fan_out, sent, deliver, arrived]
    names = [
        "push_until_written",
        "stream_noticed",
        "fan_out_until_sent",
        "queue_noticed",
        "deliver_until_webhook",
    ]
    return {
        name: round((b - a) * 1000, 1) for name, a, b in zip(names, marks, marks[1:], strict=False)
    }


def run(pushes: int) -> dict[str, Any]:
    moto = MotoProcess()
    stack = ExternalStack(moto_endpoint=moto.endpoint)
    receiver = _TimedReceiver("bench", public_keys=[])
    tracer = Tracer()
    try:
        stack.start()
        assert stack.pump is not None
        _traced_pump(stack.pump, tracer)
        tracer.attach([*container().aws_clients.values(), stack.pump._streams, stack.pump._sqs])
        stack.run_pump_in_background()
        client = stack.source_client()
        stack.register_regions({SUBSCRIBER: fixtures.SUBSCRIBER_NAMES[SUBSCRIBER]})
        receiver.public_keys = list(fetch_gateway_keys(stack.url))
        receiver.start()
        headers = {"authorization": f"Bearer {stack.operator_token}"}
        receiver.subscribe(stack.url, {"region": SUBSCRIBER, "signature_scheme": "v1a"}, headers)
        for i in range(WARM_UP):
            _push(client, receiver, i)
        _settle(stack)
        traced = []
        for i in range(WARM_UP, WARM_UP + pushes):
            time.sleep(sum(IDLE_SECONDS) / 2)
            traced.append(_one(tracer, client, receiver, i, moto))
        return {
            "pushes": pushes,
            "push_to_webhook_median_ms": statistics.median(t["push_to_webhook_ms"] for t in traced),
            "push_reply_median_ms": statistics.median(t["push_reply_ms"] for t in traced),
            "segments_median_ms": _median_of(traced, "segments"),
            "request_counts_median": _median_of(traced, "request_counts"),
            "request_ms_median": _median_of(traced, "request_ms"),
            "cpu_ms_median": _median_of(traced, "cpu_ms"),
            "traced": traced,
        }
    finally:
        receiver.stop()
        stack.stop()
        moto.stop()


def _median_of(traced: list[dict[str, Any]], key: str) -> dict[str, float]:
    stages = sorted({s for t in traced for s in t[key]})
    return {s: statistics.median(t[key].get(s, 0) for t in traced) for s in stages}


def main() -> None:
    pushes, out = int(sys.argv[1]), sys.argv[2]
    Path(out).write_text(json.dumps(run(pushes), indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
