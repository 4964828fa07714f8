"""The Node example receiver (``examples/node/receiver.mjs``) run as its README runs it, on a
port of its own, for tests that hold it to what a province's endpoint must survive."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gateway_client.contract import public_key_text
from gateway_client.contract.signing import generate_signing_key, load_private_key

NODE = Path(__file__).parents[2] / "examples" / "node"
LISTED = {
    "key_id": "gw-listed",
    "public_key": public_key_text(load_private_key(generate_signing_key())),
}
"""A key for a key list of one (``/v1/keys``), which signs nothing the tests send."""


def node_binary() -> str:
    node = shutil.which("node")
    if node is None or not (NODE / "node_modules" / "standardwebhooks").is_dir():
        pytest.fail("node / examples/node/node_modules missing: run infra/system_packages.sh")
    return node


@contextmanager
def running_receiver(**env: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """The receiver for 湖南's ``sub-hunan`` with ``env`` added (``GATEWAY_URL``, a secret…):
    the process and its port; killed on the way out."""
    settings = {"SUBSCRIPTION_ID": "sub-hunan", "REGION": "430000", "PORT": "0", **env}
    server = subprocess.Popen(  # noqa: S603 - the distribution's node on our own module
        [node_binary(), str(NODE / "receiver.mjs")],
        env={"PATH": os.environ.get("PATH", ""), **settings},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        said = server.stdout.readline()
        assert said.startswith("listening on http://127.0.0.1:"), said
        yield server, int(said.strip().rsplit(":", 1)[1].rstrip("/"))
    finally:
        server.kill()
        server.wait(timeout=10)


@contextmanager
def key_list(reads: list[str], delay: float = 0.0) -> Iterator[str]:
    """A ``GET /v1/keys`` of one key (``LISTED``), answered after ``delay`` seconds, each read's
    path noted in ``reads``: its base URL, for ``GATEWAY_URL``."""

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            reads.append(self.path)
            time.sleep(delay)
            body = json.dumps({"keys": [LISTED]}).encode()
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
