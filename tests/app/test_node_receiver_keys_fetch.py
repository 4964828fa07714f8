"""Review 337: the Node example's key cache.

1. No single flight: while one read of GET /v1/keys is under way (the copy stale), every other
   webhook starts its own read. framed() refuses only what is unsigned or stale, which costs an
   anonymous caller nothing to pass (any current stamp, any `v1a,…`), so N anonymous requests make
   the receiver send N GETs to the gateway at once. `gateway listen` reads them under a lock
   (Listener._keys_lock: one handler reads, the others wait).
2. A key list answered 200 but not JSON (a proxy's or captive portal's HTML page) throws a
   SyntaxError from reply.json(), which the handler takes for a malformed *webhook*: every
   delivery, genuine or not, is answered 401 "refused" instead of 503 "try again", and the
   operator reads forgeries in the log. `gateway listen` counts a list that is not JSON as
   out of reach (_UNREACHABLE holds ValueError): 503.
"""

from __future__ import annotations

import functools
import http.client
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from node_receiver_support import LISTED

NODE = Path(__file__).parents[2] / "examples" / "node"


def start(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def node() -> str:
    found = shutil.which("node")
    if found is None or not (NODE / "node_modules" / "standardwebhooks").is_dir():
        pytest.fail("node / examples/node/node_modules missing")
    return found


def receiver(node: str, gateway: str) -> Iterator[int]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "GATEWAY_URL": gateway,
        "SUBSCRIPTION_ID": "sub-hunan",
        "REGION": "430000",
        "PORT": "0",
    }
    server = subprocess.Popen(  # noqa: S603 - the distribution's node on our own module
        [node, str(NODE / "receiver.mjs")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        said = server.stdout.readline()
        assert said.startswith("listening on http://127.0.0.1:"), said
        yield int(said.strip().rsplit(":", 1)[1].rstrip("/"))
    finally:
        server.kill()
        server.wait(timeout=10)


def clock(node: str) -> int:
    """The receiver's clock (the tests' may be frozen)."""
    said = [node, "-e", "console.log(Math.floor(Date.now()/1000))"]
    return int(subprocess.check_output(said))  # noqa: S603


def post(port: int, now: int) -> int:
    body = json.dumps(
        {
            "type": "listing.changed",
            "delivery_id": "del_1",
            "subscription_id": "sub-hunan",
            "subscriber_region": "430000",
        }
    ).encode()
    headers = {
        "content-type": "application/json",
        "webhook-id": "del_1",
        "webhook-timestamp": str(now),
        "webhook-signature": "v1a,AAAA",  # anyone's: nothing but a current stamp is needed
    }
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/hooks/gateway", body, headers)
    return connection.getresponse().status


def _post_into(statuses: list[int], port: int, now: int) -> None:
    statuses.append(post(port, now))


def test_concurrent_webhooks_read_the_key_list_once(node: str) -> None:
    reads: list[str] = []

    class SlowKeys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            reads.append(self.path)
            time.sleep(3)  # the gateway's API under load
            body = json.dumps({"keys": [LISTED]}).encode()
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    keys = start(SlowKeys)
    try:
        for port in receiver(node, f"http://127.0.0.1:{keys.server_address[1]}"):
            statuses: list[int] = []
            now = clock(node)
            callers = [
                threading.Thread(target=functools.partial(_post_into, statuses, port, now))
                for _ in range(12)
            ]
            for caller in callers:
                caller.start()
            for caller in callers:
                caller.join(60)
    finally:
        keys.shutdown()
        keys.server_close()

    assert statuses == [401] * 12
    assert len(reads) <= 2, f"{len(reads)} reads of /v1/keys for 12 anonymous requests"


@pytest.mark.parametrize(
    "answer",
    [b"<html><body>Please log in</body></html>", b"{}", b'{"keys": []}'],
    ids=["html-page", "no-keys-field", "no-key"],
)
def test_a_key_list_that_is_not_json_is_a_503_not_a_refusal(node: str, answer: bytes) -> None:
    """`gateway listen` (fetch_gateway_keys): no list, or not one key readable, is a
    VerificationError inside _UNREACHABLE: 503, and not cached. The Node example caches `{}`
    or `[]` for 5 minutes and refuses everything (401) meanwhile."""

    class PortalKeys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = answer
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    keys = start(PortalKeys)
    try:
        for port in receiver(node, f"http://127.0.0.1:{keys.server_address[1]}"):
            status = post(port, clock(node))
    finally:
        keys.shutdown()
        keys.server_close()

    assert status == 503  # the keys could not be read: not verified, not refused either
