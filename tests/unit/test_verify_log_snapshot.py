"""`gateway verify-log` reads the store and the proofs beside it as of one moment (review 14):
under the lock the listener writes under, so an erasure running meanwhile is seen whole or not
at all; which listings are purged is read with the proofs; and a last line a crash cut short is
skipped, as the listener's next start cuts it off, not refused."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from batch_support import BatchGateway, batched, changes, numbered
from builders import NOW
from proof_support import ED25519, announced, listening, reverified, signed_singly

from gateway_client.contract import Change, DeliveryPayload, purged
from gateway_client.durable_files import replace_durably
from gateway_client.kept_proofs import KeptProofs
from gateway_client.proof_audit import StoredCopy
from gateway_client.subscriber_files import read_copy, read_kept, read_stored


def kept_in_a_batch(store: Path) -> list[Change]:
    gateway = BatchGateway()
    made = changes(3)
    headers, body, files = announced(gateway, numbered(made, [gateway.target]))
    assert listening(store, files).handle(headers, body)[0] == 204
    return made


def test_verify_log_reading_while_the_listener_erases_waits_for_the_erasure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "d.ndjson"
    made = kept_in_a_batch(store)
    [tombstone] = numbered([purged(made[0].listing, NOW)], [batched()], first_log=90)
    read: list[tuple[list[tuple[DeliveryPayload, bytes]], KeptProofs]] = []
    reader = threading.Thread(target=lambda: read.append(read_copy(store)))

    def cut_while_read(path: Path, data: bytes) -> None:
        replace_durably(path, data)
        if not reader.is_alive() and not read:
            reader.start()  # verify-log, after the kept file was cut
            reader.join(0.5)  # it would have read the files half erased by now
            assert reader.is_alive()

    monkeypatch.setattr("gateway_client.delivery_store.replace_durably", cut_while_read)
    assert listening(store).handle(*signed_singly(tombstone))[0] == 204
    reader.join(5)

    [(stored, kept)] = read
    assert [d.delivery_id for d, _ in stored][-1] == tombstone.delivery_id
    found = StoredCopy(tuple(stored), kept).reverify([ED25519])
    assert (found.problems, found.reverified, len(found.cut)) == ((), 1, 2)


def test_proofs_read_after_an_erasure_the_store_was_read_before_report_nothing_altered(
    tmp_path: Path,
) -> None:
    """Read apart, the cut is judged by the tombstones stored when the proofs were read."""
    store = tmp_path / "d.ndjson"
    made = kept_in_a_batch(store)
    [tombstone] = numbered([purged(made[0].listing, NOW)], [batched()], first_log=90)
    lines = tuple(read_stored(store))
    assert listening(store).handle(*signed_singly(tombstone))[0] == 204

    found = StoredCopy(lines, read_kept(store)).reverify([ED25519])

    assert found.problems == ()
    assert len(found.cut) == 2


def test_a_last_proof_or_store_line_cut_short_by_a_crash_is_skipped_not_refused(
    tmp_path: Path,
) -> None:
    store = tmp_path / "d.ndjson"
    first, second = numbered(changes(2), [batched()])
    listener = listening(store)
    assert listener.handle(*signed_singly(first))[0] == 204
    sidecar = tmp_path / "d.ndjson.signatures"
    proof = sidecar.read_bytes()
    with sidecar.open("ab") as out:  # died writing the second's proof, before its line
        out.write(proof[: len(proof) // 2])

    assert reverified(store, required=True).reverified == 1
    with store.open("ab") as out:  # a store line cut short the same way
        out.write(signed_singly(second)[1][:100])
    assert [d.delivery_id for d, _ in read_stored(store)] == [first.delivery_id]


def test_a_last_store_line_whole_but_without_its_newline_is_read(tmp_path: Path) -> None:
    """A store written by another receiver may end without one: only a line that does not
    parse is taken for one cut short."""
    store = tmp_path / "d.ndjson"
    [delivery] = numbered(changes(1), [batched()])
    store.write_bytes(signed_singly(delivery)[1])

    assert [d.delivery_id for d, _ in read_stored(store)] == [delivery.delivery_id]
