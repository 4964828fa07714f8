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
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from node_receiver_support import key_list, node_binary, running_receiver


def start(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def node() -> str:
    return node_binary()


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
    statuses: list[int] = []
    # the gateway's API under load: each read takes 3 s
    with key_list(reads, delay=3) as gateway, running_receiver(GATEWAY_URL=gateway) as (_, port):
        now = clock(node)
        callers = [
            threading.Thread(target=functools.partial(_post_into, statuses, port, now))
            for _ in range(12)
        ]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(60)

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
        with running_receiver(GATEWAY_URL=f"http://127.0.0.1:{keys.server_address[1]}") as (
            _,
            port,
        ):
            status = post(port, clock(node))
    finally:
        keys.shutdown()
        keys.server_close()

    assert status == 503  # the keys could not be read: not verified, not refused either
