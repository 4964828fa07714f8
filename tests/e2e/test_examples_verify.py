"""The receivers in ``examples/`` (Node.js, Java) judge the gateway's own webhooks as the Python
receiver does: ``v1`` (one secret, and mid-rotation either of two), ``v1a`` (Ed25519 under a key
``/v1/keys`` lists, valid when it signed), 5 minutes either way, and only deliveries addressed to
their own subscription and region; a batch's announcement as a delivery, and its file by its
digest, its lines' audience and their order. Each verifier judges every case in one process; then
each example's HTTP server answers the gateway's real challenge, delivery and batch over HTTP
(fetching the batch's file from a stand-in for the bucket).

The deliveries are made now (the examples check against the real clock, as
``standardwebhooks`` does) by ``DeliveryService`` and ``UrlVerifier``, through recording fakes
for the cases and the gateway's own HTTP transport for the servers.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from chalicelib.http_transport import Urllib3Transport
from gateway.delivery.batching import described, file_of, key_of
from gateway.delivery.planning import plan_deliveries
from gateway.delivery.ports import WebhookTransport
from gateway.delivery.records import DeliveryState, HttpResponse
from gateway.delivery.sending import DeliveryService
from gateway.delivery.subscription import Subscription
from gateway.delivery.url_verification import UrlVerifier
from gateway.delivery.webhook_signing import webhook_headers
from gateway_client.batch_receiver import batch_lines
from gateway_client.contract import (
    FixedClock,
    GatewaySigners,
    PublishedKey,
    VerificationError,
    generate_hmac_secret,
    key_set,
    public_key_text,
)
from gateway_client.contract.notices import TEST, EndpointNotice
from gateway_client.receiver import Audience, verify_challenge, verify_delivery

UNIT_TESTS = str(Path(__file__).parents[1] / "unit")  # their builders and fakes
if UNIT_TESTS not in sys.path:
    sys.path.append(UNIT_TESTS)
from batch_support import InMemoryFiles, batched, changes, numbered  # noqa: E402
from builders import change, gateway_signers, make_signer, paired, subscription  # noqa: E402
from fakes import InMemoryDeliveryLog, InMemorySubscriptionStore, RecordingTransport  # noqa: E402

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).parents[2] / "examples"
HUNAN, GUANGDONG = "430000", "440000"
GATEWAY = gateway_signers("gw-1")
RETIRED, STRANGER = paired(make_signer("gw-0")), paired(make_signer("gw-9"))
SECRET, OLD_SECRET, OTHER_SECRET = (generate_hmac_secret() for _ in range(3))
V1A = subscription("sub-hunan", region=HUNAN)
V1 = subscription("sub-hunan", region=HUNAN, signature_scheme="v1", secret=SECRET)
BATCHED = batched("sub-hunan", HUNAN)


def published_keys(now: datetime, retired_until: timedelta) -> list[dict[str, Any]]:
    """``GET /v1/keys``: the signing key, and the previous one valid until ``retired_until``."""
    previous = PublishedKey(
        key_id=RETIRED.ed25519.key_id,
        public_key=public_key_text(RETIRED.ed25519.private_key),
        valid_until=now + retired_until,
    )
    return [key.model_dump(mode="json") for key in key_set(GATEWAY, [previous])]


def delivered(
    to: Subscription, at: datetime, signer: GatewaySigners = GATEWAY
) -> tuple[dict[str, str], bytes]:
    """The headers and body the gateway posts for one change."""
    transport = RecordingTransport()
    sent(to, at, transport, signer)
    [post] = transport.posts
    return post.headers, post.body


def sent(
    to: Subscription, at: datetime, transport: WebhookTransport, signer: GatewaySigners = GATEWAY
) -> DeliveryState | None:
    """How the gateway's attempt at delivering one change to ``to`` ended."""
    stores = InMemorySubscriptionStore(to), InMemoryDeliveryLog()
    service = DeliveryService(*stores, transport, signer, FixedClock(at))
    [delivery] = plan_deliveries(change(), [to], [])
    return service.deliver(delivery, 1).state


def noticed(to: Subscription, at: datetime, transport: WebhookTransport) -> int:
    """The status a ``subscription.test`` notice, signed as the gateway signs it, got."""
    notice = EndpointNotice(
        type=TEST,
        notice_id="ntc_example",
        timestamp=at,
        subscription_id=to.subscription_id,
        subscriber_region=to.region,
        failing_since=None,
    )
    body = notice.to_bytes()
    headers = webhook_headers(to, GATEWAY, notice.notice_id, int(at.timestamp()), body)
    return transport.post(to.url, headers, body, 10).status


def batch_sent(
    to: Subscription,
    at: datetime,
    transport: WebhookTransport,
    files: InMemoryFiles,
    file: bytes | None = None,
) -> tuple[DeliveryState | None, bytes]:
    """How the gateway's attempt at delivering a file of three changes to ``to`` (or ``file``,
    signed as it is), written to ``files``, ended; and the file (gone once delivered)."""
    key = key_of(to.subscription_id, 40, 42, "bat_test")
    stored = files.write(key, file or file_of(numbered(changes(3), [to]), to.region))
    stores = InMemorySubscriptionStore(to), InMemoryDeliveryLog()
    service = DeliveryService(*stores, transport, GATEWAY, FixedClock(at), files=files)
    batch = described(stored, key, to.subscription_id, FixedClock(at))
    return service.deliver(batch, 1).state, stored


def announced(
    to: Subscription, at: datetime, file: bytes | None = None
) -> tuple[dict[str, str], bytes, bytes]:
    """The headers and body the gateway posts to announce a file to ``to``, and the file."""
    files, transport = InMemoryFiles(), RecordingTransport()
    _, stored = batch_sent(to, at, transport, files, file)
    [post] = transport.posts
    return post.headers, post.body, stored


def batch_cases(now: datetime, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A genuine batch; its file altered, cut or swapped for another; and files the gateway
    signed although they break its promises (order, audience), which only the line checks
    catch."""
    headers, body, file = announced(BATCHED, now)
    lines = file.splitlines(keepends=True)
    theirs = announced(batched("sub-other", HUNAN), now)[2].splitlines(keepends=True)
    altered = file[:100] + bytes([file[100] ^ 1]) + file[101:]  # one bit, size kept
    return [
        case("batch", (headers, body), True, keys, file=file),
        case("batch, file altered", (headers, body), False, keys, file=altered),
        case("batch, a line dropped", (headers, body), False, keys, file=b"".join(lines[:2])),
        case("batch, tampered announcement", (headers, tampered(body)), False, keys, file=file),
        case("batch 10 minutes old", announced(BATCHED, now - timedelta(minutes=10)), False, keys),
        case(
            "batch for another region", announced(batched("sub-hunan", GUANGDONG), now), False, keys
        ),
        case("batch for another subscription", announced(batched("sub-other"), now), False, keys),
        case(
            "batch signed with its lines out of order",
            announced(BATCHED, now, lines[1] + lines[0] + lines[2]),
            False,
            keys,
        ),
        case(
            "batch signed with another subscription's line",
            announced(BATCHED, now, lines[0] + theirs[1] + lines[2]),
            False,
            keys,
        ),
    ]


def challenged(to: Subscription, at: datetime) -> tuple[dict[str, str], bytes]:
    transport = RecordingTransport()
    UrlVerifier(transport, GATEWAY, FixedClock(at)).verify(to)
    [post] = transport.posts
    return post.headers, post.body


def tampered(body: bytes) -> bytes:
    return json.dumps({**json.loads(body), "type": "listing.removed"}).encode()


def case(
    name: str,
    webhook: tuple[dict[str, str], bytes] | tuple[dict[str, str], bytes, bytes],
    ok: bool,
    keys: list[dict[str, Any]],
    *,
    secret: str | None = None,
    region: str = HUNAN,
    kind: str = "delivery",
    file: bytes | None = None,
) -> dict[str, Any]:
    """A webhook to judge; one with a file (given, or the third of ``webhook``) is a batch."""
    headers, body = webhook[:2]
    file = file if file is not None else (webhook[2] if len(webhook) == 3 else None)
    return {
        "name": name,
        "expected": ok,
        "kind": "batch" if file is not None else kind,
        "file": None if file is None else base64.b64encode(file).decode(),
        "subscription_id": "sub-hunan",
        "region": region,
        "secret": secret,
        "keys": keys,
        "headers": headers,
        "body": body.decode(),
    }


@pytest.fixture(scope="module")
def cases() -> list[dict[str, Any]]:
    """Made when the module's tests start: the examples judge them against the real clock."""
    now = datetime.now(UTC)
    keys, still_valid = (
        published_keys(now, -timedelta(hours=1)),
        published_keys(now, timedelta(hours=1)),
    )
    rotating = V1.model_copy(
        update={"previous_secret": OLD_SECRET, "previous_secret_until": now + timedelta(hours=1)}
    )
    v1a, v1, overlap = delivered(V1A, now), delivered(V1, now), delivered(rotating, now)
    assert overlap[0]["webhook-signature"].count("v1,") == 2  # the new secret's and the old's
    relabelled = ({**v1a[0], "x-credit-key-id": STRANGER.ed25519.key_id}, v1a[1])
    # more signatures than the gateway sends (3): each more is a verification per listed key
    # before the good one is reached (review 390: the Java example tried them all)
    junk = " ".join("v1a," + base64.b64encode(bytes([n]) * 64).decode() for n in range(40))
    crowded = ({**v1a[0], "webhook-signature": f"{junk} {v1a[0]['webhook-signature']}"}, v1a[1])
    old, ahead = now - timedelta(minutes=10), now + timedelta(minutes=10)
    return [
        case("v1a", v1a, True, keys),
        case("v1", v1, True, keys, secret=SECRET),
        case("v1 rotation, new secret", overlap, True, keys, secret=SECRET),
        case("v1 rotation, old secret", overlap, True, keys, secret=OLD_SECRET),
        case("v1 wrong secret", v1, False, keys, secret=OTHER_SECRET),
        case("v1 tampered body", (v1[0], tampered(v1[1])), False, keys, secret=SECRET),
        case("v1 10 minutes old", delivered(V1, old), False, keys, secret=SECRET),
        case("v1 10 minutes ahead", delivered(V1, ahead), False, keys, secret=SECRET),
        case("v1a tampered body", (v1a[0], tampered(v1a[1])), False, keys),
        case("v1a 10 minutes old", delivered(V1A, old), False, keys),
        case("v1a 10 minutes ahead", delivered(V1A, ahead), False, keys),
        case("another subscription", delivered(subscription("sub-other"), now), False, keys),
        case(
            "another region",
            delivered(subscription("sub-hunan", region=GUANGDONG), now),
            False,
            keys,
        ),
        case("a key not among the keys", delivered(V1A, now, STRANGER), False, keys),
        case("a key past its valid_until", delivered(V1A, now, RETIRED), False, keys),
        case("a previous key still valid", delivered(V1A, now, RETIRED), True, still_valid),
        # the key id is a hint: a listed key verifies under any id (README, key rotation)
        case("a listed key under another id", relabelled, True, keys),
        case("forty-one signatures", crowded, False, keys),
        case("challenge", challenged(V1A, now), True, keys, kind="challenge"),
        case("v1 challenge", challenged(V1, now), True, keys, kind="challenge", secret=SECRET),
        case(
            "challenge, other region",
            challenged(V1A, now),
            False,
            keys,
            kind="challenge",
            region=GUANGDONG,
        ),
        *batch_cases(now, keys),
    ]


def python_verdict(c: dict[str, Any]) -> bool:
    """The reference: what ``gateway_client.receiver`` says of the same case."""
    headers, body = c["headers"], c["body"].encode()
    keys = [PublishedKey.model_validate(key) for key in c["keys"]]
    try:
        if c["kind"] == "challenge":
            verify_challenge(headers, body, datetime.now(UTC), region=c["region"], public_keys=keys)
        elif c["kind"] == "batch":
            audience = Audience(c["subscription_id"], c["region"], tuple(keys))
            told = audience.batch(headers, body, datetime.now(UTC))
            batch_lines(told, base64.b64decode(c["file"]), c["subscription_id"], c["region"])
        else:
            verify_delivery(
                headers,
                body,
                datetime.now(UTC),
                subscription_id=c["subscription_id"],
                region=c["region"],
                public_keys=keys if c["secret"] is None else (),
                secret=c["secret"],
            )
    except VerificationError:
        return False
    return True


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is not installed (.ci/run installs nodejs and default-jdk-headless)"
    return found


def node_ready() -> str:
    assert (EXAMPLES / "node" / "node_modules" / "standardwebhooks").is_dir(), (
        "run `npm ci --prefix examples/node` (make test does)"
    )
    return tool("node")


@functools.cache
def java_receiver() -> list[str]:
    """``java Receiver.java`` compiles the source at every start; compiled once, both tests
    start the same classes."""
    classes = Path(tempfile.mkdtemp(prefix="receiver-java-"))
    source = str(EXAMPLES / "java" / "Receiver.java")
    compiled = subprocess.run(  # noqa: S603 - the JDK's compiler on the example
        [tool("javac"), "-d", str(classes), source], capture_output=True, text=True, timeout=120
    )
    assert compiled.returncode == 0, compiled.stderr
    return [tool("java"), "-cp", str(classes), "Receiver"]


COMMANDS: dict[str, Callable[[], list[str]]] = {
    "node": lambda: [node_ready(), str(EXAMPLES / "node" / "check.mjs")],
    "java": lambda: [*java_receiver(), "--check"],
}
SERVERS: dict[str, Callable[[], list[str]]] = {
    "node": lambda: [node_ready(), str(EXAMPLES / "node" / "receiver.mjs")],
    "java": java_receiver,
}


def test_the_python_receiver_agrees_with_the_expected_verdicts(cases: list[dict[str, Any]]) -> None:
    assert {c["name"]: python_verdict(c) for c in cases} == {
        c["name"]: c["expected"] for c in cases
    }


@pytest.mark.parametrize("example", sorted(COMMANDS))
def test_each_example_verifier_judges_every_case_as_expected(
    example: str, cases: list[dict[str, Any]], tmp_path: Path
) -> None:
    written = tmp_path / "cases.json"
    written.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")

    ran = subprocess.run(  # noqa: S603 - the example under test
        [*COMMANDS[example](), str(written)], capture_output=True, text=True, timeout=120
    )

    assert ran.returncode == 0, ran.stderr
    verdicts = [json.loads(line) for line in ran.stdout.splitlines()]
    assert {v["name"]: v["ok"] for v in verdicts} == {c["name"]: c["expected"] for c in cases}
    for verdict, made in zip(verdicts, cases, strict=True):
        if verdict["ok"] and made["kind"] == "challenge":
            assert verdict["answer"] == {"challenge": json.loads(made["body"])["challenge"]}
        if verdict["ok"] and made["kind"] == "batch":
            assert verdict["lines"] == 3


BUCKET = InMemoryFiles()  # what the stand-in below serves under /files/
MOVED = InMemoryFiles()  # what it redirects /moved/<key> to, serving it under /elsewhere/


@dataclass
class Answered:
    """The gateway's own HTTP client, remembering each answer's status."""

    transport: WebhookTransport
    statuses: list[int] = field(default_factory=list)

    def post(self, url: str, headers: dict[str, str], body: bytes, timeout: float) -> HttpResponse:
        response = self.transport.post(url, headers, body, timeout)
        self.statuses.append(response.status)
        return response


@pytest.fixture(scope="module")
def keys_url() -> Iterator[str]:
    """A stand-in for the gateway's ``GET /v1/keys``, and for the bucket's presigned links
    (``/files/<key>``: what ``BUCKET`` holds)."""

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/moved/"):  # a link that answers with a redirect
                self.send_response(302)
                self.send_header("location", self.path.replace("/moved/", "/elsewhere/", 1))
                self.send_header("content-length", "0")
                self.end_headers()
                return
            keys = published_keys(datetime.now(UTC), -timedelta(hours=1))
            body = json.dumps({"keys": keys}).encode() if self.path == "/v1/keys" else b"{}"
            path = self.path.partition("?")[0]
            file = BUCKET.read(path.removeprefix("/files/"))
            if path.startswith("/elsewhere/"):
                file = MOVED.read(path.removeprefix("/elsewhere/"))
            if file is not None:
                body = file
            self.send_response(200 if self.path == "/v1/keys" or file is not None else 404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("example", sorted(SERVERS))
def test_each_example_server_answers_the_gateways_challenge_and_delivery(
    example: str, keys_url: str
) -> None:
    env = {"GATEWAY_URL": keys_url, "SUBSCRIPTION_ID": "sub-hunan", "REGION": HUNAN, "PORT": "0"}
    server = subprocess.Popen(  # noqa: S603 - the example under test
        SERVERS[example](),
        env={"PATH": os.environ.get("PATH", ""), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        said = server.stdout.readline()
        assert said.startswith("listening on http://127.0.0.1:"), said
        url = said.split()[-1] + "/hooks/gateway"
        transport = Answered(Urllib3Transport(allow_private=True))
        now = datetime.now(UTC)
        mine = V1A.model_copy(update={"url": url, "state": "pending"})
        theirs = subscription("sub-guangdong", region=GUANGDONG).model_copy(update={"url": url})
        verifier = UrlVerifier(transport, GATEWAY, FixedClock(now))

        verified = verifier.verify(mine)

        assert verified.state == "verified", verified.verification_failure
        assert verifier.verify(theirs).state == "pending"  # another region's challenge
        assert sent(verified, now, transport) is DeliveryState.DELIVERED
        assert sent(theirs, now, transport) is DeliveryState.RETRYING  # 401: not addressed to it
        batching = verified.model_copy(update={"delivery_mode": "batched"})
        lost = InMemoryFiles(base=keys_url + "/nowhere/")  # links the stand-in answers 404
        BUCKET.base = keys_url + "/files/"
        assert batch_sent(batching, now, transport, lost)[0] is DeliveryState.RETRYING
        assert transport.statuses[-1] == 503  # not refused: the retry brings a fresh link
        MOVED.base = keys_url + "/moved/"  # the file is there, behind a redirect: not followed
        assert batch_sent(batching, now, transport, MOVED)[0] is DeliveryState.RETRYING
        assert transport.statuses[-1] == 503
        assert batch_sent(batching, now, transport, BUCKET)[0] is DeliveryState.DELIVERED
        assert noticed(verified, now, transport) == 204
        said = [server.stdout.readline().split()[:3] for _ in range(5)]
    finally:
        server.kill()
        server.wait(timeout=10)
    lines = numbered(changes(3), [batching])
    assert said[0][0] == "verified"  # the single delivery
    assert said[1:4] == [["verified", f"{d.delivery_id}:", "listing.changed"] for d in lines]
    # an endpoint notice is told apart: no delivery to store (review 210)
    assert said[4] == ["notice", "ntc_example:", "subscription.test"]
