"""The Java example receiver as tests run it: compiled into the test's directory, started as a
server for one subscription, and a stand-in for the gateway's ``GET /v1/keys``."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import time_machine

SOURCE = Path(__file__).resolve().parents[2] / "examples" / "java" / "Receiver.java"
_NO_JDK = "no JDK (.ci/run installs default-jdk-headless)"


def compiled(where: Path, **drivers: str) -> str:
    """``Receiver.java``, and ``drivers`` (class name → source) that call into it, compiled
    into ``where``; the ``java`` command that runs them."""
    javac, java = shutil.which("javac"), shutil.which("java")
    assert javac, _NO_JDK
    assert java, _NO_JDK
    sources = [str(SOURCE)]
    for name, text in drivers.items():
        (where / f"{name}.java").write_text(text, encoding="utf-8")
        sources.append(str(where / f"{name}.java"))
    subprocess.run(  # noqa: S603 - the JDK's compiler on the example
        [javac, "-d", str(where), *sources], check=True, capture_output=True, timeout=180
    )
    return java


@contextmanager
def serving(java: str, where: Path, gateway: str, secret: str | None = None) -> Iterator[int]:
    """The receiver serving ``sub-hunan`` (region 430000) with ``gateway`` as its gateway (a
    ``v1`` subscription's ``secret``, if given); the port it listens on."""
    env = {
        **os.environ,
        "GATEWAY_URL": gateway,
        "SUBSCRIPTION_ID": "sub-hunan",
        "REGION": "430000",
        "PORT": "0",
        **({"WEBHOOK_SECRET": secret} if secret else {}),
    }
    run = subprocess.Popen(  # noqa: S603 - the example as its README starts it
        [java, "-cp", str(where), "Receiver"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        started = run.stdout.readline() if run.stdout else ""
        yield int(started.strip().rsplit(":", 1)[1])
    finally:
        run.kill()
        run.wait()


@contextmanager
def keys_server(answer: Callable[[], tuple[int, bytes]]) -> Iterator[tuple[str, list[str]]]:
    """A stand-in gateway answering every GET with ``answer()`` (status, body): its URL, and
    the paths it was asked for."""
    asked: list[str] = []

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = answer()
            asked.append(self.path)
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()


def machine_now() -> int:
    """The machine's clock in seconds, as Java reads it, whatever a test's time travel says."""
    hatch = time_machine.escape_hatch
    return int(hatch.time.time() if hatch.is_travelling() else time.time())
