"""``v1sm2`` against an SM2 the gateway shares no code with: ``sm-crypto`` 0.5.8 on Node, as
``examples/node`` uses it. GM/T 0003.5's own example verifies in both; pushes and a signed GET
that ``sign.mjs`` signs with a key sm-crypto made pass the gateway's ``authenticate``; deliveries
the gateway signs pass ``receiver.mjs``. Each beside a twin that must be refused (a changed
byte, another user ID, another key), so an implementation that accepted anything would fail.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway.authentication import authenticate
from gateway.delivery.planning import plan_deliveries
from gateway.delivery.sending import DeliveryService
from gateway.delivery.subscription import Subscription
from gateway.registry import PlatformKey
from gateway_client.contract import (
    DEFAULT_TOLERANCE,
    FixedClock,
    GatewaySigners,
    PublishedKey,
    RequestTarget,
    key_set,
)
from gateway_client.contract.errors import InvalidSignature
from gateway_client.contract.sm2 import Sm2PrivateKey, Sm2PublicKey

UNIT_TESTS = str(Path(__file__).parents[1] / "unit")  # their builders and fakes
if UNIT_TESTS not in sys.path:
    sys.path.append(UNIT_TESTS)
from builders import (  # noqa: E402
    CITY,
    NOW,
    change,
    entry,
    envelope_body,
    gateway_signers,
    make_sm2_signer,
    region,
    subscription,
)
from fakes import (  # noqa: E402
    InMemoryDeliveryLog,
    InMemoryRegistry,
    InMemorySubscriptionStore,
    RecordingTransport,
)

pytestmark = pytest.mark.e2e

NODE = Path(__file__).parents[2] / "examples" / "node"
HUNAN = "430000"
CITY_KEY_ID = "qingyuan-sm2-1"
REFUSED = "no v1sm2 signature verifies under a listed key"  # receiver.mjs's reason
GATEWAY, STRANGER = gateway_signers("gw-1"), gateway_signers("gw-9")
RETIRED = make_sm2_signer("gw-0.sm2")
V1A = subscription("sub-hunan", region=HUNAN)
V1SM2 = subscription("sub-hunan", region=HUNAN, signature_scheme="v1sm2")

# GM/T 0003.5-2012 (GB/T 32918.5) appendix A.2: "message digest" signed under the default ID
VECTOR_D = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
VECTOR_PUBLIC = (
    "04"
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
VECTOR_RS = (
    "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
)
VERIFY_VECTOR = """
const { sm2 } = require("sm-crypto");
const [d, publicKey, rs] = process.argv.slice(1);
const verifies = (message, userId) =>
  sm2.doVerifySignature(Buffer.from(message), rs, publicKey, { hash: true, der: false, userId });
console.log(JSON.stringify({
  derived: sm2.getPublicKeyFromPrivateKey(d),
  verifies: verifies("message digest"),
  altered: verifies("message digesT"),
  other_id: verifies("message digest", "1234567812345679"),
}));
"""


def node(*args: str, env: dict[str, str] | None = None) -> list[Any]:
    """Each line node printed (as JSON), run in ``examples/node``, where sm-crypto resolves."""
    assert (NODE / "node_modules" / "sm-crypto").is_dir(), (
        "run `npm ci --prefix examples/node` (make test does)"
    )
    found = shutil.which("node")
    assert found, "node is not installed (.ci/run installs nodejs)"
    ran = subprocess.run(  # noqa: S603 - the example under test
        [found, *args],
        cwd=NODE,
        env={"PATH": os.environ.get("PATH", ""), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    return [json.loads(line) for line in ran.stdout.splitlines()]


def test_the_gmt_0003_example_verifies_in_sm_crypto_and_in_the_gateway() -> None:
    [said] = node("-e", VERIFY_VECTOR, VECTOR_D, VECTOR_PUBLIC, VECTOR_RS)
    gateway_key = Sm2PublicKey.from_text(VECTOR_PUBLIC)

    assert said["derived"] == VECTOR_PUBLIC.lower()
    assert (said["verifies"], said["altered"], said["other_id"]) == (True, False, False)
    assert Sm2PrivateKey(int(VECTOR_D, 16)).public_key == gateway_key
    assert gateway_key.verify(bytes.fromhex(VECTOR_RS), b"message digest")
    assert not gateway_key.verify(bytes.fromhex(VECTOR_RS), b"message digesT")


@pytest.fixture(scope="module")
def city() -> dict[str, str]:
    """A key pair sm-crypto made, as a city platform on Node makes its own."""
    [pair] = node("sign.mjs", "new-key")
    return dict(pair)


def node_signed(
    city: dict[str, str], msg_id: str, body: bytes, at: Path, *extra: str, user_id: str = ""
) -> dict[str, str]:
    """The headers ``sign.mjs`` gives: the push form, or with ``extra`` = (METHOD, TARGET) the
    request form."""
    at.write_bytes(body)
    signing = {"SM2_PRIVATE_KEY": city["private_key"], "SM2_USER_ID": user_id}
    timestamp = str(int(NOW.timestamp()))
    [headers] = node("sign.mjs", CITY_KEY_ID, msg_id, timestamp, str(at), *extra, env=signing)
    assert headers["webhook-signature"].startswith("v1sm2,"), headers
    return dict(headers)


def accepts(
    public_key: str,
    headers: dict[str, str],
    body: bytes,
    target: RequestTarget | None = None,
    user_id: str | None = None,
) -> bool:
    """Whether the gateway takes the request as signed by ``public_key`` (registered with
    ``user_id``); any refusal but a bad signature fails the test."""
    registry = InMemoryRegistry()
    registry.put_region(region(CITY, "清远市"))
    registry.put_key(
        PlatformKey(
            key_id=CITY_KEY_ID,
            region=CITY,
            algorithm="sm2",
            public_key=public_key,
            user_id=user_id,
            valid_from=NOW - timedelta(days=1),
        )
    )
    try:
        authenticate(registry, headers, body, NOW, DEFAULT_TOLERANCE, target)
    except InvalidSignature:
        return False
    return True


def test_a_push_sm_crypto_signs_passes_the_gateway_but_not_changed(
    city: dict[str, str], tmp_path: Path
) -> None:
    body = envelope_body(CITY, [entry()], "b-sm2-1", NOW)
    name = "清远某某建材有限公司".encode()
    assert name in body  # UTF-8 bytes, hashed as they are
    flipped = bytearray(body)
    flipped[body.index(name) + 1] ^= 0x01
    headers = node_signed(city, "b-sm2-1", body, tmp_path / "push.json")
    public = city["public_key"]

    assert accepts(public, headers, body)
    assert not accepts(public, headers, bytes(flipped))
    assert not accepts(public, headers, body, user_id="1234567812345679")
    assert not accepts(Sm2PrivateKey.generate().public_key.text(), headers, body)


def test_a_signed_get_sm_crypto_signs_passes_for_its_own_query_only(
    city: dict[str, str], tmp_path: Path
) -> None:
    get = "GET", "/v1/log?limit=50&from=7"  # sign.mjs sorts the query as the gateway does
    headers = node_signed(city, "req_sm2_1", b"", tmp_path / "empty", *get)
    route = functools.partial(RequestTarget.from_route, "GET", "/v1/log", None)
    public = city["public_key"]

    assert accepts(public, headers, b"", route([("from", "7"), ("limit", "50")]))
    assert not accepts(public, headers, b"", route([("from", "8"), ("limit", "50")]))
    assert not accepts(public, headers, b"")  # the push form of the same id and timestamp
    assert not accepts(public, headers, b"", route([("from", "7"), ("limit", "50")]), "其他")


def test_a_user_id_registered_on_both_sides(city: dict[str, str], tmp_path: Path) -> None:
    body = envelope_body(CITY, [entry()], "b-sm2-2", NOW)
    user_id = "清远市信用平台"  # not ASCII: ENTL counts its UTF-8 bits on both sides
    headers = node_signed(city, "b-sm2-2", body, tmp_path / "push.json", user_id=user_id)

    assert accepts(city["public_key"], headers, body, user_id=user_id)
    assert not accepts(city["public_key"], headers, body)  # the default ID


def delivered(
    to: Subscription, at: datetime, signers: GatewaySigners
) -> tuple[dict[str, str], bytes]:
    """The headers and body the gateway posts for one change."""
    transport = RecordingTransport()
    stores = InMemorySubscriptionStore(to), InMemoryDeliveryLog()
    service = DeliveryService(*stores, transport, signers, FixedClock(at))
    [delivery] = plan_deliveries(change(), [to], [])
    service.deliver(delivery, 1)
    [post] = transport.posts
    return post.headers, post.body


def published(now: datetime, retired_until: timedelta, user_id: str | None = None) -> list[Any]:
    """``GET /v1/keys``: the gateway's Ed25519 and SM2 keys, and a previous SM2 key valid
    until ``now + retired_until``; ``user_id`` misstates the current SM2 key's."""
    previous = PublishedKey(
        key_id=RETIRED.key_id,
        algorithm="sm2",
        public_key=RETIRED.private_key.public_key.text(),
        valid_until=now + retired_until,
    )
    keys = [key.model_dump(mode="json") for key in key_set(GATEWAY, [previous])]
    assert [key["algorithm"] for key in keys] == ["ed25519", "sm2", "sm2"]
    if user_id is not None:
        keys[1]["user_id"] = user_id
    return keys


def test_deliveries_the_gateway_signs_pass_receiver_mjs(tmp_path: Path) -> None:
    now = datetime.now(UTC)  # check.mjs judges against the real clock
    keys, still_valid = published(now, -timedelta(hours=1)), published(now, timedelta(hours=1))
    sm2 = delivered(V1SM2, now, GATEWAY)
    assert sm2[0]["x-credit-key-id"] == GATEWAY.for_scheme("v1sm2").key_id
    assert sm2[0]["webhook-signature"].startswith("v1sm2,")
    tampered = json.dumps({**json.loads(sm2[1]), "type": "listing.removed"}).encode()
    by_retired = delivered(V1SM2, now, GatewaySigners(GATEWAY.ed25519, RETIRED))
    v1a = delivered(V1A, now, GATEWAY)
    five = {**sm2[0], "webhook-signature": " ".join([sm2[0]["webhook-signature"]] * 5)}
    cases = {
        "v1sm2": (sm2, True, keys),
        "v1a beside an sm2 key": (v1a, True, keys),
        "v1a to a v1sm2 receiver": (v1a, False, keys),
        "v1sm2 tampered body": ((sm2[0], tampered), False, keys),
        "v1sm2 under another user id": (sm2, False, published(now, -timedelta(hours=1), "x")),
        "v1sm2 by a key not listed": (delivered(V1SM2, now, STRANGER), False, keys),
        "v1sm2 by a key past valid_until": (by_retired, False, keys),
        "v1sm2 by a previous key still valid": (by_retired, True, still_valid),
        "v1sm2 five signatures": ((five, sm2[1]), False, keys),
    }
    mine = {"kind": "delivery", "subscription_id": "sub-hunan", "region": HUNAN}
    judged = [
        {
            **mine,
            "name": name,
            "scheme": "v1a" if name.startswith("v1a beside") else "v1sm2",
            "keys": listed,
            "headers": headers,
            "body": body.decode(),
        }
        for name, ((headers, body), _, listed) in cases.items()
    ]
    written = tmp_path / "cases.json"
    written.write_text(json.dumps(judged, ensure_ascii=False), encoding="utf-8")

    verdicts = node("check.mjs", str(written))

    assert {v["name"]: v["ok"] for v in verdicts} == {n: c[1] for n, c in cases.items()}
    reasons = {v["name"]: v["reason"] for v in verdicts if not v["ok"]}
    assert reasons.pop("v1sm2 five signatures") == "too many signatures"
    assert set(reasons.values()) == {REFUSED}
