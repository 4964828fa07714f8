"""(Review 390) the Java example receiver answers nothing to an unsigned body nested deep.

``handle`` peeks at the body's ``type`` (``claimedType``) before any signature is checked, with
a recursive JSON reader: a 1 MB body of ``[`` overflows the stack, and the StackOverflowError
(an Error, caught neither by ``claimedType`` nor by ``handle``'s ``RuntimeException``) drops the
connection unanswered and writes a stack trace of a thousand lines per request to the log.
``gateway listen`` answers such a body 401 (``_claimed_type`` catches ``RecursionError``; review
144: whatever fails is answered, never a dropped connection)."""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway_client.contract import public_key_text

SOURCE = Path(__file__).resolve().parents[2] / "examples" / "java" / "Receiver.java"


def test_an_unsigned_body_nested_deep_is_answered_401(tmp_path: Path) -> None:
    javac, java = shutil.which("javac"), shutil.which("java")
    assert javac, "no JDK (.ci/run installs default-jdk-headless)"
    assert java, "no JDK (.ci/run installs default-jdk-headless)"
    subprocess.run(  # noqa: S603
        [javac, "-d", str(tmp_path), str(SOURCE)], check=True, capture_output=True, timeout=180
    )
    listed = json.dumps(
        {"keys": [{"key_id": "gw-1", "public_key": public_key_text(Ed25519PrivateKey.generate())}]}
    ).encode()

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-length", str(len(listed)))
            self.end_headers()
            self.wfile.write(listed)

        def log_message(self, *_: object) -> None:
            return

    gateway = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    env = {
        **os.environ,
        "GATEWAY_URL": f"http://127.0.0.1:{gateway.server_address[1]}",
        "SUBSCRIPTION_ID": "sub-hunan",
        "REGION": "430000",
        "PORT": "0",
    }
    run = subprocess.Popen(  # noqa: S603
        [java, "-cp", str(tmp_path), "Receiver"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        started = run.stdout.readline() if run.stdout else ""
        port = int(started.strip().rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        hatch = time_machine.escape_hatch  # the machine's clock, as Java's
        stamp = int(hatch.time.time() if hatch.is_travelling() else time.time())
        framed = {  # what anyone can write: a current time, a signature that verifies nothing
            "webhook-id": "msg_x",
            "webhook-timestamp": str(stamp),
            "webhook-signature": "v1a," + base64.b64encode(bytes(64)).decode(),
        }
        connection.request("POST", "/", body=b"[" * 500_000, headers=framed)
        try:
            status: int | str = connection.getresponse().status
        except http.client.RemoteDisconnected:
            status = "connection dropped unanswered"
        connection.close()
    finally:
        run.kill()
        run.wait()
        gateway.shutdown()
    assert status == 401
