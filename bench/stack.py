"""The local stack against an external moto process.

In-process moto (``LocalStack``'s default) would put moto's memory — every stored item, the S3
object, the stream — into the bench process's RSS; ``ExternalStack`` is ``LocalStack`` on the
endpoint of a moto process started by ``MotoProcess``, plus what every part does through the API.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import CITY, REGION_NAMES, cpu_seconds, peak_rss_mb, rss_mb
from gateway_client.contract import (
    Ed25519Signer,
    generate_signing_key,
    load_private_key,
    public_key_text,
)
from gateway_client.push_client import PushClient, http_request
from gateway_client.uploader import BulkUploader
from infra.local.stack import LocalStack

REGION = "cn-northwest-1"
ROOT = Path(__file__).resolve().parents[1]


class MotoProcess:
    """``python -m bench.moto_server`` as a child process; stopped by closing its stdin.

    ``latency_ms`` delays each of moto's answers (a model of the round trip to AWS)."""

    def __init__(self, latency_ms: float = 0.0) -> None:
        self.latency_ms = latency_ms
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.moto_server"],
            cwd=ROOT,
            env={**os.environ, "BENCH_MOTO_LATENCY_MS": str(latency_ms)},
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


@dataclass
class ExternalStack(LocalStack):
    """The local stack on a moto process of its own: moto's memory stays out of this one."""

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
        return BulkUploader(self.source_client(), lambda: datetime.now(UTC))

    def source_client(self) -> PushClient:
        """Register the source city (and its province) and a platform key; its push client."""
        self.register_regions(REGION_NAMES)
        private = load_private_key(generate_signing_key())
        self.operator(
            "POST",
            f"/v1/regions/{CITY}/keys",
            {"key_id": "cs-bench", "public_key": public_key_text(private)},
        )
        return PushClient(self.url, CITY, Ed25519Signer("cs-bench", private))
