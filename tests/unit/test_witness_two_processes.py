"""Two ``gateway witness serve`` processes given the same --state file (a restart while the old
one still answers, or two behind one name for availability) held only their own thread lock:
both read the record before either wrote it, and both cosigned two forks of one size (review
254). The record is now locked across processes, as the listener's store is."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway_client.tlog import (
    CosignatureSigner,
    NoteSigner,
    NoteVerifier,
    format_add_checkpoint,
    format_checkpoint,
    leaf_hash,
    root_of,
    sign_note,
)
from gateway_client.tlog.witness import Cosigned
from gateway_client.witness_server import WitnessService, WitnessState

ORIGIN = "credit.example.gov.cn/exchange-log"
LOG = NoteSigner(ORIGIN, Ed25519PrivateKey.generate())
WITNESS = CosignatureSigner("witness.hunan.example.cn", Ed25519PrivateKey.generate())


def fork(tag: str) -> bytes:
    leaves = [leaf_hash(f"{tag} {i}".encode()) for i in range(2)]
    text = format_checkpoint(ORIGIN, 2, root_of(leaves))
    return format_add_checkpoint(0, [], sign_note(text, [LOG])).encode()


class SlowState(WitnessState):
    """The same file; each load waits (at most 2 s) for the other process's load: the
    interleaving two processes meet by chance under load."""

    def __init__(self, path: Path, barrier: threading.Barrier) -> None:
        super().__init__(path)
        self._barrier = barrier

    def load(self) -> dict[str, Cosigned]:
        with contextlib.suppress(threading.BrokenBarrierError):  # the other is locked out
            self._barrier.wait(timeout=2)
        return super().load()

    def save(self, state: dict[str, Cosigned]) -> None:
        with _ONE_WRITER:  # the two saves a moment apart, as two processes' usually are
            super().save(state)


_ONE_WRITER = threading.Lock()


def test_two_witness_processes_on_one_state_file_never_cosign_two_forks(tmp_path: Path) -> None:
    state = tmp_path / "witness.json"
    barrier = threading.Barrier(2)
    log = NoteVerifier.from_vkey(LOG.vkey)
    first = WitnessService(WITNESS, log, SlowState(state, barrier), lambda _: None)
    second = WitnessService(WITNESS, log, SlowState(state, barrier), lambda _: None)
    answers: dict[str, int] = {}

    def ask(name: str, service: WitnessService, body: bytes) -> None:
        answers[name] = service.add_checkpoint(body)[0]

    threads = [
        threading.Thread(target=ask, args=("A", first, fork("A"))),
        threading.Thread(target=ask, args=("B", second, fork("B"))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)

    # one fork of size 2 is cosigned, never both: the other is 409 (size 2, another root)
    assert sorted(answers.values()) == [200, 409], answers
