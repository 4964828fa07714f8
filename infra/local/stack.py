"""Start and stop the whole gateway on 127.0.0.1: moto, resources, the app over HTTP, the pump."""

from __future__ import annotations

import functools
import importlib
import json
import logging
import os
import secrets
import sys
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
from chalice.config import Config
from chalice.local import (
    LocalChalice,
    LocalDevServer,
    create_local_server,
)

from chalicelib import bootstrap, observability
from gateway_client.contract import generate_signing_key
from infra.local.http_handler import LocalHandler
from infra.local.provision import Provisioner
from infra.local.pump import EventPump, QueueSource

REGION = "cn-northwest-1"


# Court defaulters listed anywhere must reach the national platform (信用中国, 100000) within a
# day (seed 004 二(二)2: reported to "信用湖北" and "信用中国"); the monthly statistics say how
# many did (infra/local/demo_national.py shows it).
UPWARD_REPORTING = json.dumps(
    {
        "rules": [
            {
                "rule": "court-defaulters-to-nation",
                "target": "100000",
                "kinds": ["black"],
                "domains": ["court_defaulter"],
                "within_hours": 24,
            }
        ]
    }
)


@dataclass
class LocalStack:
    """Everything a demo or an end-to-end test needs, with no AWS account and no network."""

    retry_schedule_seconds: tuple[int, ...] = (1, 1, 2, 2, 3, 3, 5)
    moto_endpoint: str | None = None
    """A moto server already running (benchmarks keep its memory out of their process)."""
    operator_token: str = field(default_factory=lambda: secrets.token_hex(24))
    log_level: str = "WARNING"
    """The handlers' JSON log lines: ``gateway dev`` shows INFO (one per request and batch)."""
    url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    pump: EventPump | None = None
    app_module: ModuleType | None = None
    _moto: Any = None  # the in-process ThreadedMotoServer, unless moto_endpoint is given
    _http: LocalDevServer | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _activity: threading.Event = field(default_factory=threading.Event)  # the pump's wake-up

    def start(self) -> LocalStack:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request log lines
        endpoint = self.moto_endpoint or self._start_moto()
        # moto's backends are per process: start from a clean slate even after another stack.
        reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310
        urllib.request.urlopen(reset, timeout=10).close()  # noqa: S310 - our loopback server
        # Fake credentials: the local stack must never reach for a real account.
        os.environ.update(
            {
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_DEFAULT_REGION": REGION,
            }
        )
        session = boto3.session.Session(region_name=REGION)
        provisioner = Provisioner(
            session.client("dynamodb", endpoint_url=endpoint),
            session.client("sqs", endpoint_url=endpoint),
            session.client("s3", endpoint_url=endpoint),
            prefix="cg-local",
        )
        self.env = provisioner.provision()
        sns = session.client("sns", endpoint_url=endpoint)
        topic = sns.create_topic(Name="cg-local-operations")
        self.env.update(
            {
                "CG_STAGE": "local",
                "CG_AWS_ENDPOINT_URL": endpoint,
                "CG_AWS_REGION": REGION,
                "CG_SIGNING_KEY": generate_signing_key(),
                "CG_SIGNING_KEY_ID": "gw-local-1",
                "CG_SM2_SIGNING": "true",  # the demo shows SM2 (v1sm2) beside Ed25519
                "CG_UPWARD_REPORTING": UPWARD_REPORTING,  # the demo shows 向上报送
                "CG_OPERATOR_TOKEN": self.operator_token,
                "CG_RETRY_SCHEDULE_SECONDS": str(list(self.retry_schedule_seconds)),
                "CG_OPERATIONS_TOPIC_ARN": topic["TopicArn"],
                # No X-Ray daemon and no CloudWatch here: no traces, no EMF lines in the log.
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_METRICS_DISABLED": "true",
            }
        )
        os.environ.update(self.env)
        bootstrap.reset()
        observability.set_level(self.log_level)
        self.app_module = _load_app()
        self._serve_app(self.app_module)
        self.pump = EventPump(
            session.client("dynamodbstreams", endpoint_url=endpoint),
            session.client("sqs", endpoint_url=endpoint),
            self.env["CG_LISTINGS_STREAM_ARN"],
            self.app_module.fan_out_changes,
            [self.delivery_source(), self.upload_source(), self.reevaluation_source()],
            on_failure_url=self.env["CG_STREAM_FAILURE_QUEUE_URL"],
            wake=self._activity,
        )
        self._wake_on_listing_writes()
        return self

    def _wake_on_listing_writes(self) -> None:
        """Wake the pump as soon as the app has written the listings table (its stream then
        holds the record), not only once the request is answered: on AWS the stream triggers
        the fan-out while the request is still finishing. For the container built now; one
        built later (a test's injected clock) leaves the HTTP layer's wake-up."""
        table = bootstrap.container().settings.listings_table
        events = bootstrap.container().aws_clients["dynamodb"].meta.events

        def note(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            named = {params.get("TableName"), *params.get("RequestItems", {})}
            named |= {next(iter(t.values()))["TableName"] for t in params.get("TransactItems", [])}
            context["wakes_pump"] = table in named

        def wake(context: dict[str, Any], **_: Any) -> None:
            if context.get("wakes_pump"):
                self._activity.set()

        for operation in ("PutItem", "UpdateItem", "BatchWriteItem", "TransactWriteItems"):
            events.register(f"before-parameter-build.dynamodb.{operation}", note)
            events.register(f"after-call.dynamodb.{operation}", wake)

    def _start_moto(self) -> str:
        from moto.server import ThreadedMotoServer  # only when moto runs in this process

        from infra.local import moto_speedup

        moto_speedup.install()
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        return f"http://{host}:{port}"

    def delivery_source(self) -> QueueSource:
        """The delivery queue's event source mapping (as the deployed template declares it)."""
        return QueueSource("deliver", self.env["CG_DELIVERY_QUEUE_URL"], self._app.deliver_webhooks)

    def upload_source(self) -> QueueSource:
        """The upload queue's: one upload per invocation, Lambda's 15-minute limit."""
        return QueueSource(
            "ingest_uploads",
            self.env["CG_UPLOAD_QUEUE_URL"],
            self._app.ingest_uploads,
            batch_size=1,
            timeout_ms=900_000,
        )

    def reevaluation_source(self) -> QueueSource:
        """The re-evaluation queue's: one job per invocation, the function's 300 s."""
        return QueueSource(
            "reevaluate_agreements",
            self.env["CG_REEVALUATION_QUEUE_URL"],
            self._app.reevaluate_agreements,
            batch_size=1,
            timeout_ms=300_000,
        )

    @property
    def _app(self) -> ModuleType:
        if self.app_module is None:
            raise RuntimeError("start the stack first")
        return self.app_module

    def _serve_app(self, module: ModuleType) -> None:
        config = Config.create(chalice_stage="local", app_name="credit-gateway", project_dir=".")
        handler = functools.partial(LocalHandler, activity=self._activity)
        if isinstance(module.app, LocalChalice):  # a second stack in the same process
            server = LocalDevServer(module.app, config, "127.0.0.1", 0, handler_cls=handler)
        else:
            server = create_local_server(module.app, config, "127.0.0.1", 0)
            server.server.RequestHandlerClass = functools.partial(
                handler, app_object=module.app, config=config
            )
        self._http = server
        host, port = server.server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._spawn(lambda: server.server.serve_forever(poll_interval=0.05))

    def run_pump_in_background(self) -> None:
        if self.pump is None:
            raise RuntimeError("start the stack first")
        self._spawn(lambda: self.pump.run(self._stop) if self.pump else None)

    def _spawn(self, target: Any) -> None:
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        if self._http is not None:
            self._http.shutdown()
        if self._moto is not None:
            self._moto.stop()
        for thread in self._threads:
            thread.join(timeout=5)
        for name in self.env:
            os.environ.pop(name, None)
        bootstrap.reset()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _load_app() -> ModuleType:
    """Import the project's ``app.py`` (it lives beside ``infra/``, outside any package)."""
    root = str(Path(__file__).resolve().parents[2])
    if root not in sys.path:
        sys.path.insert(0, root)
    return importlib.import_module("app")
