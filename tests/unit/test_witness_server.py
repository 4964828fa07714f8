"""``gateway witness serve`` over HTTP: C2SP tlog-witness answers, and a record that moves only
after a cosignature (written whole, beside the file, then swapped in)."""

from __future__ import annotations

import json
import os
import stat
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway_client.cli.main import main
from gateway_client.contract import generate_signing_key
from gateway_client.tlog import (
    CosignatureSigner,
    CosignatureVerifier,
    NoteSigner,
    NoteVerifier,
    consistency_proof,
    format_add_checkpoint,
    format_checkpoint,
    leaf_hash,
    node_hash,
    open_note,
    root_of,
    sign_note,
)
from gateway_client.witness_server import SIZE_TYPE, WitnessService, WitnessState, serve

ORIGIN = "credit.example.gov.cn/exchange-log"
LOG = NoteSigner(ORIGIN, Ed25519PrivateKey.generate())
WITNESS = CosignatureSigner("witness.hunan.example.cn", Ed25519PrivateKey.generate())
LEAVES = [leaf_hash(f"entry {i}".encode()) for i in range(8)]


def note(
    size: int,
    leaves: list[bytes] = LEAVES,
    signer: NoteSigner = LOG,
    extensions: tuple[str, ...] = (),
) -> str:
    text = format_checkpoint(ORIGIN, size, root_of(leaves[:size]), extensions)
    return sign_note(text, [signer])


def proof(old: int, new: int) -> list[bytes]:
    """A consistency proof over the in-memory tree of LEAVES."""

    def read(nodes: list[tuple[int, int]]) -> list[bytes]:
        return [_subtree(h, n) for h, n in nodes]

    return consistency_proof(old, new, read) if old else []


def _subtree(height: int, index: int) -> bytes:
    if height == 0:
        return LEAVES[index]
    return node_hash(_subtree(height - 1, 2 * index), _subtree(height - 1, 2 * index + 1))


@pytest.fixture
def witness(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    state = tmp_path / "witness.json"
    service = WitnessService(
        WITNESS, NoteVerifier.from_vkey(LOG.vkey), WitnessState(state), lambda _: None
    )
    server = serve(service, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    yield f"http://{host!s}:{port}/add-checkpoint", state
    server.shutdown()
    server.server_close()


def post(url: str, body: str) -> tuple[int, str, str]:
    request = urllib.request.Request(url, data=body.encode(), method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:  # noqa: S310 (local)
            return reply.status, reply.headers["content-type"], reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["content-type"], error.read().decode()


def recorded(state: Path) -> dict[str, dict[str, object]]:
    return dict(json.loads(state.read_text(encoding="utf-8")))


def test_it_cosigns_a_first_checkpoint_and_records_it(witness) -> None:
    url, state = witness

    status, _, body = post(url, format_add_checkpoint(0, [], note(3)))

    assert status == 200, body
    verifier = CosignatureVerifier.from_vkey(WITNESS.vkey)
    assert open_note(note(3) + body, [verifier])[1] == [WITNESS.name]
    assert recorded(state) == {ORIGIN: {"size": 3, "root": root_of(LEAVES[:3]).hex()}}


def test_its_record_keeps_the_statements_it_cosigned_durably(
    witness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record written before statements were kept reads as stating none; the one written
    holds them, and its swap is made durable (the directory synced) before the answer
    (review 195: a power cut could bring back the old record)."""
    url, state = witness
    state.write_text(json.dumps({ORIGIN: {"size": 3, "root": root_of(LEAVES[:3]).hex()}}))
    directories: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            directories.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    said = ("credit-gateway/salted-since 2026-01-01T00:00:00Z",)

    status, _, body = post(url, format_add_checkpoint(3, proof(3, 5), note(5, extensions=said)))
    moved = ("credit-gateway/salted-since 2026-06-01T00:00:00Z",)
    refused = post(url, format_add_checkpoint(5, [], note(5, extensions=moved)))

    assert status == 200, body
    assert recorded(state)[ORIGIN]["extensions"] == list(said)
    assert directories, "the record's directory was synced"
    assert refused[0] == 422


def test_it_cosigns_a_consistent_extension(witness) -> None:
    url, state = witness
    post(url, format_add_checkpoint(0, [], note(3)))

    status, _, _ = post(url, format_add_checkpoint(3, proof(3, 7), note(7)))

    assert status == 200
    assert recorded(state)[ORIGIN]["size"] == 7


def test_a_wrong_old_size_gets_409_with_the_recorded_size(witness) -> None:
    url, state = witness
    post(url, format_add_checkpoint(0, [], note(3)))

    status, content_type, body = post(url, format_add_checkpoint(0, [], note(5)))

    assert (status, content_type, body) == (409, SIZE_TYPE, "3\n")
    assert recorded(state)[ORIGIN]["size"] == 3


def test_a_fork_gets_422_and_the_record_stays(witness) -> None:
    url, state = witness
    post(url, format_add_checkpoint(0, [], note(3)))
    before = state.read_bytes()
    forked = [*LEAVES[:2], leaf_hash(b"rewritten"), *LEAVES[3:]]

    status, _, _ = post(url, format_add_checkpoint(3, proof(3, 7), note(7, forked)))

    assert status == 422
    assert state.read_bytes() == before


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("nonsense", 400),
        ("old " + "9" * 5000 + "\n\n" + note(3), 400),  # int() would refuse it: a 400, no 500
        (
            format_add_checkpoint(
                0, [], note(3, signer=NoteSigner(ORIGIN, Ed25519PrivateKey.generate()))
            ),
            403,
        ),
        (
            format_add_checkpoint(
                0,
                [],
                sign_note(
                    format_checkpoint("other.example/log", 3, root_of(LEAVES[:3])),
                    [NoteSigner("other.example/log", Ed25519PrivateKey.generate())],
                ),
            ),
            404,
        ),
    ],
)
def test_refusals_carry_the_specs_status_and_write_nothing(witness, body: str, status: int) -> None:
    url, state = witness

    assert post(url, body)[0] == status
    assert not state.exists()


def test_only_post_add_checkpoint_is_served(witness) -> None:
    url, _ = witness

    assert post(url.replace("/add-checkpoint", "/other"), "old 0\n\n")[0] == 404


def test_the_vkey_command_prints_the_cosignature_verifier_key(tmp_path, capsys) -> None:
    key_file = tmp_path / "witness.key"
    key_file.write_text(generate_signing_key() + "\n", encoding="utf-8")

    assert main(["witness", "vkey", "--name", "witness.hunan", "--key-file", str(key_file)]) == 0

    vkey = capsys.readouterr().out.strip()
    assert CosignatureVerifier.from_vkey(vkey).name == "witness.hunan"


@pytest.mark.parametrize("held", ["{not json", '{"x": {"size": 1}}', "[1]", '{"x": 3}'])
def test_an_unreadable_record_is_a_500_naming_it_and_nothing_is_cosigned(witness, held) -> None:
    """Never taken for an empty record (that would cosign a history rolled back), nor a
    dropped connection the log only retries (review 139)."""
    url, state = witness
    state.write_text(held, encoding="utf-8")

    status, _, body = post(url, format_add_checkpoint(0, [], note(3)))

    assert (status, str(state) in body) == (500, True), body
    assert state.read_text(encoding="utf-8") == held
