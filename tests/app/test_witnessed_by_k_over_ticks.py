"""An honest log whose two witnesses each missed one tick: no checkpoint still listed carries
both cosignatures (GET /v1/log/checkpoints lists the newest twenty and each witness's last),
yet each witness cosigned a checkpoint the latest extends, so verify-log --witnesses-required
2 counts the smaller of the two as witnessed and is OK (review 298: it failed an honest log
until both witnesses answered at the same tick)."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

from app_support import black_entry
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from test_log_routes import push_and_fan_out
from test_witnessing import RunningWitness, audited, city, scheduled_tick  # noqa: F401 (city: a fixture)

from gateway_client.tlog import CosignatureSigner, NoteVerifier
from gateway_client.witness_server import WitnessService, WitnessState, serve


def _start(gateway, tmp_path: Path, name: str) -> tuple[RunningWitness, object]:
    vkey = gateway.client.http.get("/v1/log/vkey").json_body["vkey"]
    signer = CosignatureSigner(name, Ed25519PrivateKey.generate())
    state = tmp_path / f"{name}.json"
    service = WitnessService(signer, NoteVerifier.from_vkey(vkey), WitnessState(state), print)
    server = serve(service, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return RunningWitness(signer, state, f"http://{host!s}:{port}"), server


def _closed_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def _push(gateway, stream, signer, n: int) -> None:
    push_and_fan_out(gateway, stream, signer, [black_entry(decision_number=f"(2024)黑09执{n}号")])


def test_witnesses_cosigning_at_different_ticks_vouch_together(
    gateway,
    stream,
    city,  # noqa: F811 (the fixture imported above)
    tmp_path,
):
    one, s1 = _start(gateway, tmp_path, "witness.hunan.example.cn")
    two, s2 = _start(gateway, tmp_path, "witness.hubei.example.cn")
    closed = _closed_url()
    try:
        both = json.dumps([one.config(), two.config()])
        gateway.configure(witnesses=both)
        _push(gateway, stream, city, 1)
        scheduled_tick()  # both cosign S1
        first = one.recorded_size()
        assert two.recorded_size() == first

        _push(gateway, stream, city, 2)
        gateway.configure(witnesses=json.dumps([one.config(), two.config(closed)]))
        scheduled_tick()  # only the first cosigns S2

        _push(gateway, stream, city, 3)
        gateway.configure(witnesses=json.dumps([one.config(closed), two.config()]))
        scheduled_tick()  # only the second cosigns S3
        gateway.configure(witnesses=both)
        assert one.recorded_size() < two.recorded_size()

        for n in range(4, 26):  # fan-out signs a checkpoint a batch: S1 leaves the newest 20
            _push(gateway, stream, city, n)

        report = audited(gateway, city, 2, one.signer.vkey, two.signer.vkey)
    finally:
        for server in (s1, s2):
            server.shutdown()
            server.server_close()

    # both witnesses cosigned S1 and each later extended it: an honest, witnessed log
    assert report.ok, report.problems
