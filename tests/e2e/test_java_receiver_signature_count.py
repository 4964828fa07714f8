"""(Review 390) the Java example receiver tries every ``v1a`` entry of a ``webhook-signature``
header against every listed key, however many there are. ``gateway listen`` and the Node
example refuse a header of more than ``MAX_SIGNATURES`` (4: the gateway sends at most 3) before
any verification — an anonymous caller passes the framing with any current timestamp, and each
extra entry is one more Ed25519 verification per listed key (a header of thousands of them is
seconds of CPU per request on a receiver with a fixed pool of 16 handlers)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway_client.contract import MAX_SIGNATURES, VerificationError, public_key_text
from gateway_client.receiver import verify_delivery

SOURCE = Path(__file__).resolve().parents[2] / "examples" / "java" / "Receiver.java"


def test_the_java_receiver_refuses_a_header_of_more_signatures_than_the_gateway_sends(
    tmp_path: Path,
) -> None:
    javac, java = shutil.which("javac"), shutil.which("java")
    assert javac, "no JDK (.ci/run installs default-jdk-headless)"
    assert java, "no JDK (.ci/run installs default-jdk-headless)"
    subprocess.run(  # noqa: S603
        [javac, "-d", str(tmp_path), str(SOURCE)], check=True, capture_output=True, timeout=180
    )
    key = Ed25519PrivateKey.generate()
    body = json.dumps(
        {
            "type": "listing.changed",
            "delivery_id": "msg_x",
            "subscription_id": "sub-hunan",
            "subscriber_region": "430000",
            "data": {},
        }
    ).encode()
    hatch = time_machine.escape_hatch  # Java's clock is the machine's
    stamp = int(hatch.time.time() if hatch.is_travelling() else time.time())
    good = "v1a," + base64.b64encode(key.sign(f"msg_x.{stamp}.".encode() + body)).decode()
    junk = " ".join("v1a," + base64.b64encode(bytes([n]) * 64).decode() for n in range(40))
    headers = {
        "webhook-id": "msg_x",
        "webhook-timestamp": str(stamp),
        "webhook-signature": f"{junk} {good}",
    }
    listed = [{"key_id": "gw-1", "public_key": public_key_text(key), "status": "current"}]
    # the Python receiver refuses it before verifying anything
    with pytest.raises(VerificationError, match=f"at most {MAX_SIGNATURES} signatures"):
        verify_delivery(
            headers,
            body,
            datetime_of(stamp),
            subscription_id="sub-hunan",
            region="430000",
            public_keys=[key.public_key()],
        )
    case = {
        "name": "forty-one signatures",
        "kind": "delivery",
        "headers": headers,
        "body": body.decode(),
        "subscription_id": "sub-hunan",
        "region": "430000",
        "keys": listed,
    }
    (tmp_path / "cases.json").write_text(json.dumps([case]), encoding="utf-8")
    ran = subprocess.run(  # noqa: S603
        [java, "-cp", str(tmp_path), "Receiver", "--check", str(tmp_path / "cases.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    [verdict] = [json.loads(line) for line in ran.stdout.splitlines()]
    assert verdict["ok"] is False, verdict  # refused, as gateway listen and Node refuse it


def datetime_of(stamp: int):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(stamp, UTC)
