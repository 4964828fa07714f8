"""Witnesses cosign the exchange log's checkpoints: a province's ``gateway witness serve`` on
127.0.0.1 is asked by the tick (and the operator's POST /v1/log/checkpoints); what it cosigns
is served with the checkpoints, and ``verify-log``'s k-of-n rule holds on it."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import time_machine
from app_support import CITY, Gateway, black_entry
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError
from test_log_routes import (
    checkpoints_listed,
    listings,
    log_entries,
    operator_get,
    operator_post,
    push_and_fan_out,
    tile_bytes,
)

import app as gateway_app
from chalicelib.settings import get_settings
from chalicelib.tick_function import scheduled_event
from gateway_client.contract.log import Checkpoint
from gateway_client.contract.signing import Ed25519Signer, load_private_key
from gateway_client.log_audit import audit
from gateway_client.tlog import (
    CosignatureSigner,
    CosignatureVerifier,
    NoteVerifier,
    open_note,
    tile_hash_reader,
)
from gateway_client.witness_server import WitnessService, WitnessState, serve


def scheduled_tick() -> Any:
    """The lifecycle function as its schedule runs it (its role holds every call it makes)."""
    return gateway_app.lifecycle_tick(scheduled_event("cn-northwest-1"), None)


NAME = "witness.hunan.example.cn"


@dataclass
class RunningWitness:
    signer: CosignatureSigner
    state: Path
    url: str

    @property
    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier.from_vkey(self.signer.vkey)

    def config(self, url: str | None = None) -> dict[str, str]:
        return {"name": self.signer.name, "vkey": self.signer.vkey, "url": url or self.url}

    def recorded_size(self) -> int:
        [record] = json.loads(self.state.read_text(encoding="utf-8")).values()
        return int(record["size"])


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    return gateway.register_platform(CITY)


@pytest.fixture
def witness(gateway: Gateway, tmp_path: Path) -> Iterator[RunningWitness]:
    """湖南's witness, given the log's vkey as GET /v1/log/vkey serves it, and made known to
    the gateway through CG_WITNESSES."""
    vkey = gateway.client.http.get("/v1/log/vkey").json_body["vkey"]
    signer = CosignatureSigner(NAME, Ed25519PrivateKey.generate())
    state = tmp_path / "witness.json"
    service = WitnessService(signer, NoteVerifier.from_vkey(vkey), WitnessState(state), print)
    server = serve(service, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    running = RunningWitness(signer, state, f"http://{host!s}:{port}")
    gateway.configure(witnesses=json.dumps([running.config()]))
    try:
        yield running
    finally:
        server.shutdown()
        server.server_close()


def latest_note(gateway: Gateway) -> str:
    response = gateway.client.http.get("/v1/log/checkpoint")
    assert response.status_code == 200
    return str(response.body.decode())


def cosigned_by(note: str, witness: RunningWitness) -> bool:
    try:
        return open_note(note, [witness.verifier])[1] == [NAME]
    except ValueError:
        return False


def cosignature_objects(aws: Any) -> list[str]:
    listed = aws.s3.list_objects_v2(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Prefix="checkpoints/")
    keys = [x["Key"] for x in listed.get("Contents", [])]
    return [x for x in keys if ".cosignatures/" in x or x.startswith("checkpoints/fresh/")]


def test_the_log_vkey_is_public_and_verifies_the_checkpoints(gateway, stream, city):
    push_and_fan_out(gateway, stream, city, listings(1))

    response = gateway.client.http.get("/v1/log/vkey")

    assert response.status_code == 200
    origin, vkey = response.json_body["origin"], response.json_body["vkey"]
    assert open_note(latest_note(gateway), [NoteVerifier.from_vkey(vkey)])[1] == [origin]
    assert vkey.startswith(origin + "+")


def test_the_tick_has_the_witness_cosign_each_latest_checkpoint(gateway, stream, city, witness):
    push_and_fan_out(gateway, stream, city, listings(1))
    scheduled_tick()
    first = witness.recorded_size()
    push_and_fan_out(gateway, stream, city, listings(3)[1:])
    head = operator_get(gateway, "/v1/log").json_body["head"]

    assert head > first
    assert not cosigned_by(latest_note(gateway), witness)  # not asked yet
    scheduled_tick()  # from the first size to the head, with a proof from the published tiles

    note = latest_note(gateway)
    assert cosigned_by(note, witness)
    assert witness.recorded_size() == head
    listed = {c.sequence: c.cosignatures for c in checkpoints_listed(gateway)}
    assert len(listed[first]) == len(listed[head]) == 1
    assert listed[head][0] + "\n" in note
    assert all(listed[size] == () for size in listed if size not in (first, head))


def test_the_operators_publish_asks_the_witness_too(gateway, stream, city, witness):
    push_and_fan_out(gateway, stream, city, listings(1))

    response = operator_post(gateway, "/v1/log/checkpoints")

    assert response.status_code == 200
    assert response.json_body == {"published": None}  # the shape is unchanged
    assert cosigned_by(latest_note(gateway), witness)


def test_a_witness_that_lost_its_place_answers_409_and_the_gateway_resumes_there(
    gateway, stream, city, witness, aws
):
    push_and_fan_out(gateway, stream, city, listings(1))
    scheduled_tick()
    table = aws.env["CG_EXCHANGE_LOG_TABLE"]
    aws.dynamodb.delete_item(TableName=table, Key={"pk": {"S": f"witness#{NAME}"}})
    push_and_fan_out(gateway, stream, city, listings(2)[1:])

    scheduled_tick()  # old 0: 409 with the witness's size, then from there with its proof

    assert cosigned_by(latest_note(gateway), witness)
    assert witness.recorded_size() == operator_get(gateway, "/v1/log").json_body["head"]


def test_a_witness_that_saw_another_history_refuses_and_nothing_is_stored(
    gateway, stream, city, witness, aws
):
    forked = {"size": 1, "root": "07" * 32}  # it cosigned a size-1 tree with another root
    origin = gateway.client.http.get("/v1/log/vkey").json_body["origin"]
    witness.state.write_text(json.dumps({origin: forked}), encoding="utf-8")
    push_and_fan_out(gateway, stream, city, listings(2))

    scheduled_tick()  # 409 "1", then 422: 2 does not extend the witness's 1

    assert not cosigned_by(latest_note(gateway), witness)
    assert cosignature_objects(aws) == []
    assert json.loads(witness.state.read_text(encoding="utf-8")) == {origin: forked}


def test_a_witness_that_is_down_is_skipped_and_the_tick_goes_on(gateway, stream, city, witness):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    gateway.configure(witnesses=json.dumps([witness.config(closed)]))
    push_and_fan_out(gateway, stream, city, listings(1))

    report = scheduled_tick()

    assert report["checkpoint"] is None  # fan-out published; the tick had nothing more
    assert not cosigned_by(latest_note(gateway), witness)
    gateway.configure(witnesses=json.dumps([witness.config()]))
    scheduled_tick()
    assert cosigned_by(latest_note(gateway), witness)  # asked again next time


@pytest.fixture
def garbling() -> Iterator[str]:
    """A witness's URL that answers 200 with a cosignature line whose base64 is not ASCII."""

    class Garbled(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            body = "— witness.hubei.example.cn AAAAé\n".encode()
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Garbled)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_witness_answering_garbage_is_skipped_and_the_others_cosign(
    gateway, stream, city, witness, garbling
):
    """Review 33: its line raised out of the parser, and the publish answered 500."""
    hubei = CosignatureSigner("witness.hubei.example.cn", Ed25519PrivateKey.generate())
    garbled = {"name": hubei.name, "vkey": hubei.vkey, "url": garbling}
    gateway.configure(witnesses=json.dumps([garbled, witness.config()]))
    push_and_fan_out(gateway, stream, city, listings(1))

    published = operator_post(gateway, "/v1/log/checkpoints")
    push_and_fan_out(gateway, stream, city, listings(2)[1:])
    scheduled_tick()

    assert published.status_code == 200, published.json_body
    assert cosigned_by(latest_note(gateway), witness)
    assert [line.split(" ")[1] for line in checkpoints_listed(gateway)[0].cosignatures] == [NAME]


def audited(gateway: Gateway, city: Ed25519Signer, required: int, *vkeys: str) -> Any:
    """verify-log's audit over what the routes serve: the log, the checkpoints with their
    cosignatures, the tiles; no deliveries stored (the log alone is vouched for)."""
    entries = log_entries(operator_get(gateway, "/v1/log"))
    checkpoints = checkpoints_listed(gateway)
    return audit(
        entries,
        checkpoints,
        [load_private_key(gateway.signing_key).public_key()],
        [],
        lambda _: False,
        lambda size: tile_hash_reader(size, lambda path: tile_bytes(gateway, city, path)),
        datetime.now(UTC),
        witnesses=[CosignatureVerifier.from_vkey(v) for v in vkeys],
        witnesses_required=required,
    )


def test_verify_log_passes_with_one_witness_required_and_fails_with_two(
    gateway, stream, city, witness
):
    push_and_fan_out(gateway, stream, city, listings(2))
    scheduled_tick()
    other = CosignatureSigner("witness.hubei.example.cn", Ed25519PrivateKey.generate())

    one = audited(gateway, city, 1, witness.signer.vkey, other.vkey)
    two = audited(gateway, city, 2, witness.signer.vkey, other.vkey)

    assert one.ok, one.problems
    assert one.witnessed_through == operator_get(gateway, "/v1/log").json_body["head"]
    assert not two.ok
    assert any("cosignatures of 2" in p for p in two.problems)


@pytest.mark.parametrize("gateway_lost_its_place", [False, True], ids=["kept", "lost"])
def test_an_idle_logs_witness_cosigns_its_latest_checkpoint_again_and_it_is_not_frozen(
    gateway, stream, city, witness, aws, gateway_lost_its_place
):
    """Review 51, F1: verify-log holds a log frozen whose witnesses' latest cosignatures are a
    day old; an honest idle log stays fresh because each tick asks its witnesses again — also
    when the gateway lost its record of the witness's size (review 52: the 409 naming the very
    size was given up), and kept apart from the first lines (a name may end in anything)."""
    push_and_fan_out(gateway, stream, city, listings(2))
    scheduled_tick()
    head = operator_get(gateway, "/v1/log").json_body["head"]
    if gateway_lost_its_place:
        table = aws.env["CG_EXCHANGE_LOG_TABLE"]
        aws.dynamodb.delete_item(TableName=table, Key={"pk": {"S": f"witness#{NAME}"}})

    with time_machine.travel(datetime.now(UTC) + timedelta(days=2)):
        stale = audited(gateway, city, 1, witness.signer.vkey)
        scheduled_tick()  # nothing logged meanwhile: the same checkpoint, cosigned afresh
        fresh = audited(gateway, city, 1, witness.signer.vkey)
        listed = {c.sequence: c.cosignatures for c in checkpoints_listed(gateway)}
        # the note's reader takes the witness's first line: the fresh one (review 195)
        noted = witness.verifier.timestamp_of(latest_note(gateway))
        assert noted >= (datetime.now(UTC) - timedelta(hours=1)).timestamp()

    assert any("in the last 25 hours" in p for p in stale.problems), stale.problems
    assert fresh.ok, fresh.problems
    assert witness.recorded_size() == head
    assert len(listed[head]) == 2  # the first cosignature, and the latest beside it
    assert sorted(cosignature_objects(aws)) == [
        f"checkpoints/{head:012d}.cosignatures/{NAME}",
        f"checkpoints/fresh/{head:012d}/{NAME}",
    ]


def test_an_unwitnessed_checkpoint_lists_no_cosignatures(gateway, stream, city):
    push_and_fan_out(gateway, stream, city, listings(1))

    listed = gateway.client.http.get("/v1/log/checkpoints").json_body["checkpoints"]

    assert "cosignatures" not in listed[0]  # left out, as before witnesses existed
    assert Checkpoint.model_validate(listed[0]).cosignatures == ()


def witness_entry(
    name: str = NAME, url: str = "https://witness.hunan.example.cn"
) -> dict[str, str]:
    signer = CosignatureSigner(name, Ed25519PrivateKey.generate())
    return {"name": name, "vkey": signer.vkey, "url": url}


@pytest.mark.parametrize(
    ("stage", "witnesses", "refusal"),
    [
        ("prod", [witness_entry(url="http://w.hunan.example.cn")], "https"),
        ("local", [witness_entry(), witness_entry()], "twice"),
        ("local", [{**witness_entry(), "vkey": witness_entry("other")["vkey"]}], "names other"),
        ("local", [{**witness_entry(), "vkey": f"{NAME}+00000000+AAAA"}], "verifier key"),
    ],
)
def test_the_settings_refuse_a_witness_list_that_cannot_work(gateway, stage, witnesses, refusal):
    extra = {"identity_key": "k" * 32} if stage == "prod" else {}
    gateway.configure(stage=stage, witnesses=json.dumps(witnesses), **extra)

    with pytest.raises(ValidationError, match=refusal):
        get_settings()


def test_the_checkpoint_a_witness_cosigned_stays_listed_behind_twenty_newer_ones(
    gateway, stream, city, witness
):
    """Fan-out signs one a stream batch, the tick asks hourly: an honest log failed the k-of-n
    rule once 20 batches followed the cosigned checkpoint (review 33, F4)."""
    push_and_fan_out(gateway, stream, city, listings(1))
    scheduled_tick()  # the witness cosigns checkpoint 1
    for n in range(20):  # twenty stream batches within the hour
        push_and_fan_out(gateway, stream, city, [black_entry(decision_number=f"(2024)黑09执{n}号")])

    listed = checkpoints_listed(gateway)
    report = audited(gateway, city, 1, witness.signer.vkey)

    assert [c.sequence for c in listed] == list(range(1, 22))  # the newest 20, and 1
    assert (report.ok, report.witnessed_through) == (True, 1), report.problems
