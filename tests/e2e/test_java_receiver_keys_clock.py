"""(Review 390) the Java example receiver keeps trusting its copy of GET /v1/keys after the
machine's clock steps back (NTP), as the Node example did before review 336.

``Receiver.gatewayKeys`` reads the list again only when
``System.currentTimeMillis() - keysFetchedAt > KEYS_MAX_AGE_MS``: after a step back of an hour
the difference is negative for an hour, so a key the gateway has withdrawn (leaked) keeps
verifying forgeries for that hour and five minutes. ``gateway listen`` (``not 0 <= age < TTL``)
and the Node example (``age >= 0 && age < max``) read the list again.

The step back is simulated the only way a JVM allows without touching the machine: the fetch
time the receiver remembers is set an hour ahead of the clock, which is what a clock stepped
back an hour after the fetch leaves."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway_client.contract import public_key_text

SOURCE = Path(__file__).resolve().parents[2] / "examples" / "java" / "Receiver.java"

DRIVER = """
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
public class Drive {
    public static void main(String[] a) throws Exception {
        String url = a[0];
        Receiver.gatewayKeys(url);  // the list as it was: the leaked key still listed
        // the clock steps back an hour: the remembered fetch is now an hour in the future
        Receiver.keysFetchedAt = System.currentTimeMillis() + 3_600_000L;
        Files.writeString(Path.of(a[1]), "withdraw");  // the gateway withdraws the leaked key
        while (Files.exists(Path.of(a[1]))) Thread.sleep(20);  // (the server has done so)
        byte[] body = Files.readAllBytes(Path.of(a[2]));
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("webhook-id", a[3]);
        headers.put("webhook-timestamp", a[4]);
        headers.put("webhook-signature", a[5]);
        long now = Long.parseLong(a[4]);  // the receiver's clock as the signer read it
        try {
            Receiver.Mine mine = new Receiver.Mine(
                    "sub-hunan", "430000", null, Receiver.gatewayKeys(url));
            Receiver.verifyDelivery(headers, body, mine, now);
            System.out.println("ACCEPTED");
        } catch (Receiver.Refused e) {
            System.out.println("REFUSED " + e.getMessage());
        }
    }
}
"""


def _keys(*keys: tuple[str, Ed25519PrivateKey]) -> bytes:
    listed = [
        {"key_id": key_id, "public_key": public_key_text(key), "status": "current"}
        for key_id, key in keys
    ]
    return json.dumps({"keys": listed}).encode()


def test_a_clock_stepped_back_does_not_freeze_the_java_receivers_copy_of_the_keys(
    tmp_path: Path,
) -> None:
    javac, java = shutil.which("javac"), shutil.which("java")
    assert javac, "no JDK (.ci/run installs default-jdk-headless)"
    assert java, "no JDK (.ci/run installs default-jdk-headless)"
    (tmp_path / "Receiver.java").write_text(SOURCE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "Drive.java").write_text(DRIVER, encoding="utf-8")
    subprocess.run(  # noqa: S603
        [javac, "-d", str(tmp_path), str(tmp_path / "Receiver.java"), str(tmp_path / "Drive.java")],
        check=True,
        capture_output=True,
        timeout=180,
    )
    leaked, fresh = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    listed = {"body": _keys(("gw-leaked", leaked))}
    fetches: list[bytes] = []

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = listed["body"]
            fetches.append(body)
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    flag = tmp_path / "withdraw"

    def withdraw_when_asked() -> None:
        while not flag.exists():
            time.sleep(0.02)
        listed["body"] = _keys(("gw-2", fresh))  # the leaked key is no longer listed
        flag.unlink()

    threading.Thread(target=withdraw_when_asked, daemon=True).start()
    # a forgery made with the withdrawn key, addressed to the receiver, in its time window
    forged = {
        "type": "listing.changed",
        "delivery_id": "msg_forged",
        "subscription_id": "sub-hunan",
        "subscriber_region": "430000",
        "data": {"listing": {"subject_name": "某某伪造公司"}},
    }
    body = json.dumps(forged).encode()
    stamp = str(int(time.time()))
    signature = leaked.sign(f"msg_forged.{stamp}.".encode() + body)
    (tmp_path / "body.json").write_bytes(body)
    try:
        run = subprocess.run(  # noqa: S603
            [
                java,
                "-cp",
                str(tmp_path),
                "Drive",
                f"http://127.0.0.1:{server.server_address[1]}",
                str(flag),
                str(tmp_path / "body.json"),
                "msg_forged",
                stamp,
                "v1a," + base64.b64encode(signature).decode(),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.shutdown()
    said = run.stdout.strip()
    # read again once the clock went back (its copy's age is outside [0, max-age)), as
    # gateway listen and the Node example do: the withdrawn key verifies nothing
    assert said.startswith("REFUSED"), (said, run.stderr, len(fetches))
    assert len(fetches) == 2, said
