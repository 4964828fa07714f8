"""`gateway listen` keeps, beside its store, the proof it verified each delivery by: a single
delivery's webhook headers (and the signed bytes where the line is not them), a batch's signed
announcement and its file. Kept before the line it proves, crash-safe as the store is, and
erased with a purged listing — the store's own format unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from batch_support import GATEWAY, HUNAN, BatchGateway, batched, changes, numbered
from builders import NOW
from proof_support import ED25519, announced, listening, reverified, signed_singly

from gateway.delivery.batching import file_of
from gateway_client.contract import file_digest, purged
from gateway_client.delivery_store import DeliveryStore
from gateway_client.subscriber_files import read_deliveries, read_kept


def test_a_delivery_is_stored_as_before_and_its_signature_kept_beside_it(tmp_path: Path) -> None:
    store = tmp_path / "d.ndjson"
    [delivery] = numbered(changes(1), [batched()])
    headers, body = signed_singly(delivery)

    assert listening(store).handle(headers, body)[0] == 204

    assert store.read_bytes() == body + b"\n"  # the store's format: unchanged
    [kept] = [json.loads(line) for line in (tmp_path / "d.ndjson.signatures").read_text().split()]
    assert kept == {
        "kind": "delivery",
        "delivery_id": delivery.delivery_id,
        "webhook_id": headers["webhook-id"],
        "webhook_timestamp": int(headers["webhook-timestamp"]),
        "webhook_signature": headers["webhook-signature"],
        "key_id": "gw-1",
    }


def test_a_pretty_printed_body_is_stored_on_one_line_and_kept_as_signed(tmp_path: Path) -> None:
    """A line cannot hold a raw newline, so the store re-serialises such a body: the bytes the
    signature covers are kept with it, and the line is checked to be their serialisation."""
    store = tmp_path / "d.ndjson"
    [delivery] = numbered(changes(1), [batched()])
    _, compact = signed_singly(delivery)
    pretty = json.dumps(json.loads(compact), indent=2, ensure_ascii=False).encode()
    stamp = int(NOW.timestamp())
    headers = {
        "webhook-id": delivery.delivery_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": GATEWAY.ed25519.sign(delivery.delivery_id, stamp, pretty),
    }

    assert listening(store).handle(headers, pretty)[0] == 204

    assert b"\n" not in store.read_bytes().rstrip(b"\n")
    [proof] = read_kept(store).deliveries[delivery.delivery_id]
    assert proof.signed_body(b"") == pretty
    assert reverified(store).reverified == 1


def test_a_batch_keeps_its_announcement_and_its_file_named_by_the_signed_digest(
    tmp_path: Path,
) -> None:
    store = tmp_path / "d.ndjson"
    gateway = BatchGateway()
    planned = numbered(changes(3), [gateway.target])
    headers, body, files = announced(gateway, planned)

    assert listening(store, files).handle(headers, body)[0] == 204

    file = file_of(planned, HUNAN)
    assert store.read_bytes() == file  # the lines, byte for byte, as before
    assert (tmp_path / "d.ndjson.batches" / f"{file_digest(file)}.ndjson").read_bytes() == file
    [proof] = read_kept(store).batches
    assert (proof.webhook_id, proof.sha256, proof.signed_body()) == (
        "bat_test",
        file_digest(file),
        body,
    )
    assert reverified(store).reverified == 3


def test_a_signature_line_cut_short_by_a_crash_is_cut_off_at_start(tmp_path: Path) -> None:
    store = tmp_path / "d.ndjson"
    first, second = numbered(changes(2), [batched()])
    listening(store).handle(*signed_singly(first))
    sidecar = tmp_path / "d.ndjson.signatures"
    whole = sidecar.read_bytes()
    sidecar.write_bytes(whole + whole[: len(whole) // 2])  # died writing the second's proof

    restarted = listening(store)
    assert sidecar.read_bytes() == whole
    assert restarted.handle(*signed_singly(second))[0] == 204

    assert len(sidecar.read_bytes().splitlines()) == 2
    assert reverified(store).reverified == 2


def test_a_signature_that_cannot_be_written_stores_nothing_and_answers_503(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "d.ndjson"
    [delivery] = numbered(changes(1), [batched()])
    listener = listening(store)

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("gateway_client.durable_files.os.fsync", disk_full)
    failed, _ = listener.handle(*signed_singly(delivery))
    monkeypatch.undo()

    assert failed == 503
    assert store.read_bytes() == b""
    assert (tmp_path / "d.ndjson.signatures").read_bytes() == b""  # no partial line either
    assert listener.handle(*signed_singly(delivery))[0] == 204
    assert reverified(store).reverified == 1


def test_a_proof_kept_before_a_crash_that_lost_its_line_proves_nothing_stored(
    tmp_path: Path,
) -> None:
    """The proof goes to disk first: a crash before the line leaves a proof of a delivery
    never acknowledged (sent again), never a line without its proof."""
    store = tmp_path / "d.ndjson"
    [delivery] = numbered(changes(1), [batched()])
    listener = listening(store)
    listener.handle(*signed_singly(delivery))
    store.write_bytes(b"")  # the line never reached the disk

    assert listening(store).handle(*signed_singly(delivery))[0] == 204

    found = reverified(store)
    assert (found.reverified, found.problems) == (1, ())


def test_a_purged_listing_takes_its_signatures_and_its_lines_in_kept_files_with_it(
    tmp_path: Path,
) -> None:
    store = tmp_path / "d.ndjson"
    gateway = BatchGateway()
    made = changes(3)
    gone = made[0].listing
    in_file = numbered(made, [gateway.target])
    headers, body, files = announced(gateway, in_file)
    listener = listening(store, files)
    assert listener.handle(headers, body)[0] == 204
    [again] = numbered([made[0]], [gateway.target], first_log=70)  # a re-drive, singly
    again = again.model_copy(update={"delivery_id": "dlv_redriven"})
    assert listener.handle(*signed_singly(again))[0] == 204
    [tombstone] = numbered([purged(gone, NOW)], [gateway.target], first_log=90)

    assert listener.handle(*signed_singly(tombstone))[0] == 204

    assert [d.delivery_id for d in read_deliveries(store)] == [
        in_file[1].delivery_id,
        in_file[2].delivery_id,
        tombstone.delivery_id,
    ]
    kept = read_kept(store)
    assert set(kept.deliveries) == {tombstone.delivery_id}  # the re-drive's signature: gone
    [file] = kept.files.values()
    assert gone.listing_id.encode() not in file
    assert gone.credit_code.encode() not in file
    assert file == file_of(in_file[1:], HUNAN)
    [cut] = [c for cuts in kept.cuts.values() for c in cuts]
    assert (cut.listing_id, cut.lines) == (gone.listing_id, 1)
    found = reverified(store)
    assert found.problems == ()
    assert found.reverified == 1  # the tombstone
    assert found.cut == (in_file[1].delivery_id, in_file[2].delivery_id)


def test_an_erasure_cut_short_by_a_crash_is_finished_at_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tombstone is stored first, and what is cut from a kept file recorded before the
    file is cut: a crash in between leaves the record and the whole file (still proven by its
    digest) beside the stored tombstone, and the next start cuts it; the tombstone, never
    acknowledged, comes again and finds nothing left to erase."""
    store = tmp_path / "d.ndjson"
    gateway = BatchGateway()
    made = changes(2)
    headers, body, files = announced(gateway, numbered(made, [gateway.target]))
    assert listening(store, files).handle(headers, body)[0] == 204
    [tombstone] = numbered([purged(made[0].listing, NOW)], [gateway.target], first_log=90)

    def crash(path: Path, data: bytes) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("gateway_client.delivery_store.replace_durably", crash)
    assert listening(store, files).handle(*signed_singly(tombstone))[0] == 503
    assert reverified(store).reverified == 3  # the file is whole, and the tombstone stored
    monkeypatch.undo()

    restarted = listening(store, files)
    assert [d.delivery_id for d in read_deliveries(store)][1:] == [tombstone.delivery_id]
    assert restarted.handle(*signed_singly(tombstone))[0] == 204

    found = reverified(store)
    assert found.problems == ()
    assert found.reverified == 1  # the tombstone
    assert len(found.cut) == 1
    assert len([c for cuts in read_kept(store).cuts.values() for c in cuts]) == 2


def test_a_store_opened_again_keeps_what_was_kept(tmp_path: Path) -> None:
    store = tmp_path / "d.ndjson"
    gateway = BatchGateway()
    headers, body, files = announced(gateway, numbered(changes(2), [gateway.target]))
    listening(store, files).handle(headers, body)
    stale = tmp_path / "d.ndjson.batches" / "0123.ndjson.tmp"
    stale.write_bytes(b"a file being kept when the process died\n")

    DeliveryStore(store)

    assert not stale.exists()
    assert reverified(store, (ED25519,)).reverified == 2
