"""(Review 390) the Java example receiver reads GET /v1/keys for every request it is sent before it
looks at the request at all (``handle``: ``new Mine(…, gatewayKeys(gatewayUrl))`` comes first).
While the list cannot be read (the gateway's API answering 5xx, or stalling: 60 s a read, inside
a ``synchronized`` method every handler waits on), each anonymous POST without any webhook
header makes the receiver send one GET to the gateway and is answered 503 ("try again"), not
401. The Node example refuses what is unsigned or stale before the keys are fetched (``framed``),
and ``gateway listen`` reads them under a lock once per max-age."""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "examples" / "java" / "Receiver.java"


def test_an_unsigned_post_is_refused_without_reading_the_keys(tmp_path: Path) -> None:
    javac, java = shutil.which("javac"), shutil.which("java")
    assert javac, "no JDK (.ci/run installs default-jdk-headless)"
    assert java, "no JDK (.ci/run installs default-jdk-headless)"
    subprocess.run(  # noqa: S603
        [javac, "-d", str(tmp_path), str(SOURCE)], check=True, capture_output=True, timeout=180
    )
    reads: list[str] = []

    class Down(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            reads.append(self.path)
            self.send_response(503)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            return

    gateway = ThreadingHTTPServer(("127.0.0.1", 0), Down)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    env = {
        **os.environ,
        "GATEWAY_URL": f"http://127.0.0.1:{gateway.server_address[1]}",
        "SUBSCRIPTION_ID": "sub-hunan",
        "REGION": "430000",
        "PORT": "0",
    }
    run = subprocess.Popen(  # noqa: S603
        [java, "-cp", str(tmp_path), "Receiver"], env=env, stdout=subprocess.PIPE, text=True
    )
    statuses = []
    try:
        started = run.stdout.readline() if run.stdout else ""
        port = int(started.strip().rsplit(":", 1)[1])
        for _ in range(5):  # anyone's POSTs: no webhook-* header at all
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("POST", "/", body=b"{}", headers={"content-type": "text/plain"})
            statuses.append(connection.getresponse().status)
            connection.close()
    finally:
        run.kill()
        run.wait()
        gateway.shutdown()
    assert statuses == [401] * 5  # refused as unsigned, as Node and gateway listen refuse it
    assert reads == []  # and costing the gateway nothing
