"""Review 336 (now one v1sm2 signature is tried): the Node example in v1sm2 mode let an anonymous
caller buy seconds of its single event loop per request. sm-crypto hashes SM3(Z_A || M) in
JavaScript (~0.4 s a MB) inside every doVerifySignature call, and checkSigned calls it for each of
up to 4 signatures times each listed SM2 key (all of them when x-credit-key-id names none). A forged
1 MB body with four 64-byte `v1sm2` signatures, no key id, costs 4 x 3 hashes; the gateway sends one
signature, so one hash per key (or one for the key named) is all a genuine delivery needs."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from gateway_client.contract.sm2 import Sm2PrivateKey

NODE = Path(__file__).parents[2] / "examples" / "node"

DRIVER = """
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
// the receiver's own sm-crypto (one CommonJS module object), its checks counted
const { sm2 } = createRequire("%s")("sm-crypto");
const real = sm2.doVerifySignature;
let checks = 0;
sm2.doVerifySignature = (...args) => { checks += 1; return real(...args); };
const { verifyDelivery } = await import("%s");
const c = JSON.parse(readFileSync(process.argv[2], "utf8"));
const body = Buffer.from(c.body, "utf8");
// the real clock: the test's may be frozen
c.headers["webhook-timestamp"] = String(Math.floor(Date.now() / 1000));
const mine = { subscriptionId: "sub-hunan", region: "430000", scheme: "v1sm2", keys: c.keys };
let reason = null;
try { verifyDelivery(c.headers, body, mine); } catch (error) { reason = error.message; }
console.log(JSON.stringify({ checks, reason }));
"""


def test_a_forged_request_is_checked_once_per_listed_key_not_per_signature(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not (NODE / "node_modules" / "sm-crypto").is_dir():
        pytest.fail("node / examples/node/node_modules missing")
    keys = [
        {
            "key_id": "sm2-1",
            "algorithm": "sm2",
            "status": "current",
            "public_key": Sm2PrivateKey.generate().public_key.text(),
        },
        {
            "key_id": "sm2-2",
            "algorithm": "sm2",
            "status": "next",
            "public_key": Sm2PrivateKey.generate().public_key.text(),
        },
        {
            "key_id": "sm2-0",
            "algorithm": "sm2",
            "status": "previous",
            "public_key": Sm2PrivateKey.generate().public_key.text(),
            "valid_until": "2999-01-01T00:00:00Z",
        },
    ]
    body = json.dumps({"type": "listing.changed", "pad": "x" * ((1 << 20) - 100)})[: (1 << 20)]
    forged = " ".join("v1sm2," + base64.b64encode(os.urandom(64)).decode() for _ in range(4))
    headers = {
        "webhook-id": "del_forged",
        "webhook-timestamp": str(int(time.time())),
        "webhook-signature": forged,
    }
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"keys": keys, "headers": headers, "body": body}))
    driver = tmp_path / "driver.mjs"
    receiver = (NODE / "receiver.mjs").as_uri()
    driver.write_text(DRIVER % (receiver, receiver))

    ran = subprocess.run(  # noqa: S603 - the distribution's node on our own module
        [node, str(driver), str(case)], capture_output=True, text=True, timeout=120
    )

    assert ran.returncode == 0, ran.stderr
    verdict = json.loads(ran.stdout)
    assert verdict["reason"] is not None  # refused, as it must be
    # one SM3 pass over 1 MB is ~0.4 s here; a forged request should cost about that, not 12 of them
    assert verdict["checks"] == len(keys), verdict  # one signature tried, under each key
