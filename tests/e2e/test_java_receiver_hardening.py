"""The Java example receiver holds what the Node example and ``gateway listen`` hold (review 390,
as review 336 mended the Node example): it reads the gateway's keys again once its copy's age
is outside [0, max-age) — a clock stepped back kept a withdrawn key trusted; a ``v1``
subscription's deliveries need only its secret, not a key list that may be out of reach; what
is unsigned or stale is refused before the keys are fetched; and a body nested past the stack
is answered 401, not dropped unanswered."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import subprocess
import threading
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from java_support import compiled, keys_server, machine_now, serving

from gateway_client.contract import HmacSigner, generate_hmac_secret, public_key_text

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


def _listed(*keys: tuple[str, Ed25519PrivateKey]) -> bytes:
    shown = [
        {"key_id": key_id, "public_key": public_key_text(key), "status": "current"}
        for key_id, key in keys
    ]
    return json.dumps({"keys": shown}).encode()


def _posted(port: int, body: bytes, headers: dict[str, str]) -> int | str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/", body=body, headers=headers)
    try:
        return connection.getresponse().status
    except http.client.RemoteDisconnected:
        return "connection dropped unanswered"
    finally:
        connection.close()


def test_a_clock_stepped_back_does_not_freeze_the_copy_of_the_keys(tmp_path: Path) -> None:
    """The step back is what a JVM allows without touching the machine: the fetch time the
    receiver remembers set an hour ahead of its clock."""
    java = compiled(tmp_path, Drive=DRIVER)
    leaked, fresh = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    listed = {"body": _listed(("gw-leaked", leaked))}
    flag = tmp_path / "withdraw"

    def withdraw_when_asked() -> None:
        while not flag.exists():
            time.sleep(0.02)
        listed["body"] = _listed(("gw-2", fresh))  # the leaked key is no longer listed
        flag.unlink()

    threading.Thread(target=withdraw_when_asked, daemon=True).start()
    forged = {  # made with the withdrawn key, addressed to the receiver, in its time window
        "type": "listing.changed",
        "delivery_id": "msg_forged",
        "subscription_id": "sub-hunan",
        "subscriber_region": "430000",
        "data": {"listing": {"subject_name": "某某伪造公司"}},
    }
    body = json.dumps(forged).encode()
    stamp = str(machine_now())
    signature = leaked.sign(f"msg_forged.{stamp}.".encode() + body)
    (tmp_path / "body.json").write_bytes(body)
    with keys_server(lambda: (200, listed["body"])) as (gateway, asked):
        run = subprocess.run(  # noqa: S603
            [
                *(java, "-cp", str(tmp_path), "Drive", gateway, str(flag)),
                *(str(tmp_path / "body.json"), "msg_forged", stamp),
                "v1a," + base64.b64encode(signature).decode(),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    said = run.stdout.strip()
    assert said.startswith("REFUSED"), (said, run.stderr)
    assert len(asked) == 2, said  # read again: the withdrawn key verifies nothing


def test_a_v1_receiver_takes_a_genuine_delivery_while_the_key_list_is_out_of_reach(
    tmp_path: Path,
) -> None:
    java = compiled(tmp_path)
    with socket.socket() as closed:  # a port nothing listens on once closed
        closed.bind(("127.0.0.1", 0))
        gateway = f"http://127.0.0.1:{closed.getsockname()[1]}"
    secret = generate_hmac_secret()
    event = {
        "type": "listing.changed",
        "delivery_id": "msg_genuine",
        "subscription_id": "sub-hunan",
        "subscriber_region": "430000",
        "data": {},
    }
    body = json.dumps(event).encode()
    stamp = machine_now()
    headers = {
        "content-type": "application/json",
        "webhook-id": "msg_genuine",
        "webhook-timestamp": str(stamp),
        "webhook-signature": HmacSigner(secret).sign("msg_genuine", stamp, body),
    }

    with serving(java, tmp_path, gateway, secret) as port:
        status = _posted(port, body, headers)

    assert status == 204  # checked with the secret alone (the keys only for a challenge)


def test_an_unsigned_post_is_refused_without_reading_the_keys(tmp_path: Path) -> None:
    java = compiled(tmp_path)
    with (
        keys_server(lambda: (503, b"")) as (gateway, asked),
        serving(java, tmp_path, gateway) as port,
    ):
        statuses = [_posted(port, b"{}", {"content-type": "text/plain"}) for _ in range(5)]

    assert statuses == [401] * 5  # refused as unsigned, as Node and gateway listen refuse it
    assert asked == []  # and costing the gateway nothing


def test_an_unsigned_body_nested_deep_is_answered_401(tmp_path: Path) -> None:
    java = compiled(tmp_path)
    listed = _listed(("gw-1", Ed25519PrivateKey.generate()))
    framed = {  # what anyone can write: a current time, a signature that verifies nothing
        "webhook-id": "msg_x",
        "webhook-timestamp": str(machine_now()),
        "webhook-signature": "v1a," + base64.b64encode(bytes(64)).decode(),
    }

    with (
        keys_server(lambda: (200, listed)) as (gateway, _),
        serving(java, tmp_path, gateway) as port,
    ):
        status = _posted(port, b"[" * 500_000, framed)

    assert status == 401
