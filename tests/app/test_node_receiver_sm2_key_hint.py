"""Review 336 (now the named key first, then the others): README "Rotating the gateway key", step 3:
"A function started between the secret update and the deploy signs with gw-2 under the id gw-1:
receivers try every valid listed key, so that still verifies." The Node example, for v1sm2, tries
only the key `x-credit-key-id` names whenever that id is listed (`named()`), so a genuine v1sm2
webhook signed by the new SM2 key under the old, still-listed id is refused: deliveries bounce until
retried, and what is sent once (a URL-verification challenge, a subscription.test / failing /
disabled notice) is lost."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gateway_client.contract.sm2 import Sm2PrivateKey
from gateway_client.contract.sm2_signing import Sm2Signer

NODE = Path(__file__).parents[2] / "examples" / "node"

DRIVER = """
import { readFileSync } from "node:fs";
import { verifyDelivery } from "%s";
const c = JSON.parse(readFileSync(process.argv[2], "utf8"));
const mine = { subscriptionId: "sub-hunan", region: "430000", scheme: "v1sm2", keys: c.keys };
let reason = null;
try {
  verifyDelivery(c.headers, Buffer.from(c.body, "utf8"), mine, c.now);
} catch (error) { reason = error.message; }
console.log(JSON.stringify({ reason }));
"""


def test_a_v1sm2_delivery_signed_by_the_next_key_under_the_old_id_verifies(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not (NODE / "node_modules" / "sm-crypto").is_dir():
        pytest.fail("node / examples/node/node_modules missing")
    old, new = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    keys = [  # step 2 published: gw-1.sm2 signs, gw-2.sm2 is next
        {
            "key_id": "gw-1.sm2",
            "algorithm": "sm2",
            "status": "current",
            "public_key": old.public_key.text(),
            "user_id": "1234567812345678",
        },
        {
            "key_id": "gw-2.sm2",
            "algorithm": "sm2",
            "status": "next",
            "public_key": new.public_key.text(),
        },
    ]
    now = 1_796_000_000
    body = json.dumps(
        {
            "type": "listing.changed",
            "delivery_id": "msg_1",
            "subscription_id": "sub-hunan",
            "subscriber_region": "430000",
        }
    ).encode()
    # step 3's window: the new secret already signs, the function still names the old id
    signer = Sm2Signer("gw-1.sm2", new)
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": signer.sign("msg_1", now, body),
        "x-credit-key-id": "gw-1.sm2",
    }
    case = tmp_path / "case.json"
    case.write_text(
        json.dumps({"keys": keys, "headers": headers, "body": body.decode(), "now": now})
    )
    driver = tmp_path / "driver.mjs"
    driver.write_text(DRIVER % (NODE / "receiver.mjs").as_uri())

    ran = subprocess.run(  # noqa: S603 - the distribution's node on our own module
        [node, str(driver), str(case)], capture_output=True, text=True, timeout=120
    )

    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {"reason": None}  # genuine: signed by a listed, valid key
