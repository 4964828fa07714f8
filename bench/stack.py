"""The local stack against an external moto process.

``infra.local.stack.LocalStack.start`` always starts moto in-process (ThreadedMotoServer), which
would put moto's memory — every stored item, the S3 object, the stream — into the bench
process's RSS. ``ExternalStack`` does what ``LocalStack.start`` does (reset, provision the same
resources, configure the app, serve it over HTTP on 127.0.0.1, build the event pump) but against
the endpoint of a moto process started by ``MotoProcess``. It imports nothing from moto.
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
import os
import secrets
import subprocess
import sys
import threading
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
from chalice.config import Config
from chalice.local import ChaliceRequestHandler, LocalChalice, LocalDevServer, create_local_server

from bench.common import CITY, REGION_NAMES, cpu_seconds, peak_rss_mb, rss_mb
from chalicelib import bootstrap
from gateway.bulk_client import BulkUploader
from gateway.client import PushClient, http_request
from gateway.signing import Ed25519Signer, generate_signing_key, load_private_key, public_key_text
from infra.local.provision import Provisioner
from infra.local.pump import EventPump, QueueSource

REGION = "cn-northwest-1"
ROOT = Path(__file__).resolve().parents[1]


class MotoProcess:
    """``python -m bench.moto_server`` as a child process; stopped by closing its stdin."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bench.moto_server"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().strip()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"moto did not start: {line!r}")
        self.endpoint = f"http://127.0.0.1:{int(line.split()[1])}"

    @property
    def pid(self) -> int:
        return self._proc.pid

    def cpu_seconds(self) -> float:
        return cpu_seconds(self._proc.pid)

    def rss_mb(self) -> float:
        return rss_mb(self._proc.pid)

    def peak_rss_mb(self) -> float:
        return peak_rss_mb(self._proc.pid)

    def stop(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.terminate()  # only the process this object started
            self._proc.wait(timeout=10)


class _QuietHandler(ChaliceRequestHandler):
    disable_nagle_algorithm = True  # as in LocalStack: no 40 ms delayed-ACK stalls

    def log_message(self, format: str, *args: Any) -> None:
        return


@dataclass
class ExternalStack:
    endpoint: str
    operator_token: str = field(default_factory=lambda: secrets.token_hex(24))
    url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    pump: EventPump | None = None
    app_module: ModuleType | None = None
    _http: LocalDevServer | None = None
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> ExternalStack:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        reset = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")  # noqa: S310
        urllib.request.urlopen(reset, timeout=10).close()  # noqa: S310 - our loopback moto
        os.environ.update(
            {
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_DEFAULT_REGION": REGION,
            }
        )
        session = boto3.session.Session(region_name=REGION)
        provisioner = Provisioner(
            session.client("dynamodb", endpoint_url=self.endpoint),
            session.client("sqs", endpoint_url=self.endpoint),
            session.client("s3", endpoint_url=self.endpoint),
            prefix="cg-local",
        )
        self.env = provisioner.provision()
        self.env.update(
            {
                "CG_STAGE": "local",
                "CG_AWS_ENDPOINT_URL": self.endpoint,
                "CG_AWS_REGION": REGION,
                "CG_SIGNING_KEY": generate_signing_key(),
                "CG_SIGNING_KEY_ID": "gw-bench-1",
                "CG_OPERATOR_TOKEN": self.operator_token,
            }
        )
        os.environ.update(self.env)
        bootstrap.reset()
        self.app_module = _load_app()
        self._serve_app(self.app_module)
        app = self.app_module
        self.pump = EventPump(
            session.client("dynamodbstreams", endpoint_url=self.endpoint),
            session.client("sqs", endpoint_url=self.endpoint),
            self.env["CG_LISTINGS_STREAM_ARN"],
            app.fan_out_changes,
            [self.upload_source()],
        )
        return self

    def upload_source(self) -> QueueSource:
        """The upload queue's event source mapping, as LocalStack declares it."""
        assert self.app_module is not None
        return QueueSource(
            "ingest_uploads",
            self.env["CG_UPLOAD_QUEUE_URL"],
            self.app_module.ingest_uploads,
            batch_size=1,
            timeout_ms=900_000,
        )

    def _serve_app(self, module: ModuleType) -> None:
        config = Config.create(chalice_stage="local", app_name="credit-gateway", project_dir=".")
        if isinstance(module.app, LocalChalice):
            server = LocalDevServer(module.app, config, "127.0.0.1", 0, handler_cls=_QuietHandler)
        else:
            server = create_local_server(module.app, config, "127.0.0.1", 0)
            server.server.RequestHandlerClass = functools.partial(
                _QuietHandler, app_object=module.app, config=config
            )
        self._http = server
        host, port = server.server.server_address[:2]
        self.url = f"http://{host}:{port}"
        thread = threading.Thread(target=server.server.serve_forever, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        for name in self.env:
            os.environ.pop(name, None)
        bootstrap.reset()

    # --- what every part does through the API -------------------------------------------------

    def operator(self, method: str, path: str, body: Any) -> Any:
        reply = http_request(
            method,
            self.url + path,
            json.dumps(body, ensure_ascii=False).encode(),
            {"authorization": f"Bearer {self.operator_token}"},
        )
        if reply.status >= 300:
            raise RuntimeError(f"{method} {path}: {reply.status} {reply.body}")
        return reply.body

    def register_regions(self, names: dict[str, str]) -> None:
        for code, name in names.items():
            self.operator("PUT", f"/v1/regions/{code}", {"name": name})

    def source_uploader(self) -> BulkUploader:
        """Register the source city (and its province) and a platform key; its uploader."""
        self.register_regions(REGION_NAMES)
        private = load_private_key(generate_signing_key())
        self.operator(
            "POST",
            f"/v1/regions/{CITY}/keys",
            {"key_id": "cs-bench", "public_key": public_key_text(private)},
        )
        client = PushClient(self.url, CITY, Ed25519Signer("cs-bench", private))
        return BulkUploader(client, lambda: datetime.now(UTC))


def _load_app() -> ModuleType:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("app")
