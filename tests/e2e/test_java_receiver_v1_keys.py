"""(Review 390) the Java example receiver serving a ``v1`` (HMAC) subscription needs nothing but
its secret to verify a delivery, yet ``handle`` reads GET /v1/keys before judging every webhook
(``new Mine(…, gatewayKeys(gatewayUrl))``). While the key list is out of reach (the gateway's
API down, an egress firewall letting the gateway's POSTs in but not the receiver's GETs out)
every genuine delivery is answered 503, retried until its attempts run out, and the endpoint is
disabled — what the subscriber is owed never stored. Review 336 fixed this in the Node example
(keys only for the challenge); ``gateway listen`` with --secret-file never fetches keys."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import time_machine

from gateway_client.contract import HmacSigner, generate_hmac_secret

SOURCE = Path(__file__).resolve().parents[2] / "examples" / "java" / "Receiver.java"


def test_a_java_v1_receiver_takes_a_genuine_delivery_while_the_key_list_is_out_of_reach(
    tmp_path: Path,
) -> None:
    javac, java = shutil.which("javac"), shutil.which("java")
    assert javac, "no JDK (.ci/run installs default-jdk-headless)"
    assert java, "no JDK (.ci/run installs default-jdk-headless)"
    (tmp_path / "Receiver.java").write_text(SOURCE.read_text(encoding="utf-8"), encoding="utf-8")
    subprocess.run(  # noqa: S603
        [javac, "-d", str(tmp_path), str(tmp_path / "Receiver.java")],
        check=True,
        capture_output=True,
        timeout=180,
    )
    with socket.socket() as closed:  # a port nothing listens on once closed
        closed.bind(("127.0.0.1", 0))
        gateway = f"http://127.0.0.1:{closed.getsockname()[1]}"
    secret = generate_hmac_secret()
    env = {
        **os.environ,
        "GATEWAY_URL": gateway,
        "SUBSCRIPTION_ID": "sub-hunan",
        "REGION": "430000",
        "WEBHOOK_SECRET": secret,
        "PORT": "0",
    }
    run = subprocess.Popen(  # noqa: S603
        [java, "-cp", str(tmp_path), "Receiver"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started = run.stdout.readline() if run.stdout else ""
        port = int(started.strip().rsplit(":", 1)[1])
        body = json.dumps(
            {
                "type": "listing.changed",
                "delivery_id": "msg_genuine",
                "subscription_id": "sub-hunan",
                "subscriber_region": "430000",
                "data": {},
            }
        ).encode()
        hatch = time_machine.escape_hatch  # the machine's clock, as Java's
        stamp = int(hatch.time.time() if hatch.is_travelling() else time.time())
        signature = HmacSigner(secret).sign("msg_genuine", stamp, body)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(
            "POST",
            "/",
            body=body,
            headers={
                "content-type": "application/json",
                "webhook-id": "msg_genuine",
                "webhook-timestamp": str(stamp),
                "webhook-signature": signature,
            },
        )
        status = connection.getresponse().status
        connection.close()
    finally:
        run.kill()
        _, said = run.communicate()
    # a v1 delivery is checked with the secret alone (the keys only for a challenge)
    assert status == 204, said
