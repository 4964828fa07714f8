"""``gateway listen``'s store: the deliveries, one webhook body per line, and beside them the
proof each was verified by (``gateway_client.kept_proofs``), so that ``gateway verify-log``
can show later that every stored line is what the gateway signed.

Everything is appended and fsynced before the answer, the proof before the line it proves: a
crash between the two leaves a proof of a delivery never acknowledged (harmless; the gateway
sends it again, signed anew), never a line without its proof. A ``purged`` tombstone erases the
listing's earlier deliveries, as every subscriber must when retention ends — from the store,
from the kept batch files (what was cut is recorded first: the file's digest no longer
matches), and their signatures with them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from pathlib import Path

from gateway_client.contract import ChangeType, DeliveryPayload
from gateway_client.durable_files import (
    TEMP_SUFFIX,
    append_durably,
    open_lines,
    replace_durably,
    sync_directory,
)
from gateway_client.kept_proofs import (
    RECORD,
    BatchCut,
    BatchProof,
    DeliveryProof,
    batch_file,
    batches_dir,
    record_line,
    signatures_path,
    stored_form,
)
from gateway_client.log_verifier import read_deliveries


class DeliveryStore:
    """Deliveries, one webhook body per line, each with its proof kept beside the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.signatures = signatures_path(path)
        self.batches = batches_dir(path)
        self._lock = threading.Lock()
        open_lines(path)
        open_lines(self.signatures)
        for stale in self.batches.glob(f"*{TEMP_SUFFIX}"):
            stale.unlink()  # a file being kept or cut when the process died
        self._ids = {d.delivery_id for d in read_deliveries(path)}

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, payload: DeliveryPayload, body: bytes, headers: Mapping[str, str] | None) -> bool:
        """Store the delivery unless its webhook-id is stored already; whether it was new.
        ``headers``: the webhook's, whose signature is kept first; ``None`` for a line of a
        batch file, which ``keep_batch`` kept with its announcement."""
        with self._lock:
            if payload.delivery_id in self._ids:
                return False
            if headers is not None:
                proof = DeliveryProof.of(headers, payload.delivery_id, body)
                append_durably(self.signatures, record_line(proof))
            if payload.data.type == ChangeType.PURGED:
                self._erase(payload.data.listing.listing_id, payload.delivery_id)
            append_durably(self.path, stored_form(body) + b"\n")
            self._ids.add(payload.delivery_id)
            return True

    def keep_batch(self, headers: Mapping[str, str], body: bytes, file: bytes, sha256: str) -> None:
        """Keep a verified batch's file (once: an erasure may have cut it since) and its
        signed announcement, before any of its lines is stored."""
        with self._lock:
            if not self.batches.exists():
                self.batches.mkdir()
                sync_directory(self.path.parent)
            kept = batch_file(self.path, sha256)
            if not kept.exists():
                replace_durably(kept, file)
            append_durably(self.signatures, record_line(BatchProof.of(headers, sha256, body)))

    def _erase(self, listing_id: str, tombstone: str) -> None:
        """Retention ran out for the listing: its copies go (the tombstone stays, and
        ``verify-log`` owes nothing of an erased listing), and every proof that held them."""
        cuts = [cut for kept in self._kept_files() if (cut := _cut(kept, listing_id))]
        if cuts:
            append_durably(self.signatures, b"".join(record_line(record) for _, _, record in cuts))
        for kept, rest, _ in cuts:
            replace_durably(kept, rest)
        remaining = [
            (line, d)
            for line in _lines(self.path)
            if (d := _delivery(line)) is None or d.data.listing.listing_id != listing_id
        ]
        replace_durably(self.path, b"".join(line + b"\n" for line, _ in remaining))
        stored = {d.delivery_id for _, d in remaining if d is not None}
        proven = stored | {tombstone}  # and orphans go: proofs of lines a crash never stored
        proofs = [line for line in _lines(self.signatures) if _still_proves(line, proven)]
        replace_durably(self.signatures, b"".join(line + b"\n" for line in proofs))

    def _kept_files(self) -> list[Path]:
        return sorted(p for p in self.batches.glob("*.ndjson") if _SHA256.fullmatch(p.stem))


_SHA256 = re.compile("[0-9a-f]{64}")


def _lines(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().split(b"\n") if line.strip()]


def _delivery(line: bytes) -> DeliveryPayload | None:
    """``None`` for a line that is not a delivery: someone else's note in a file is kept."""
    try:
        return DeliveryPayload.model_validate_json(line)
    except ValueError:
        return None


def _still_proves(line: bytes, stored: set[str]) -> bool:
    """A delivery's proof stays while the delivery is stored; a batch's or a cut's always
    (neither holds anything of a listing), as does a line that is no record (a note)."""
    try:
        record = RECORD.validate_json(line)
    except ValueError:
        return True
    return not isinstance(record, DeliveryProof) or record.delivery_id in stored


def _cut(kept: Path, listing_id: str) -> tuple[Path, bytes, BatchCut] | None:
    """The kept batch file without the listing's lines (a tombstone among them stays, as in
    the store), and the record of what was cut; ``None`` when it holds none."""
    content = kept.read_bytes()
    if listing_id.encode() not in content:  # named nowhere in the file: no line to parse
        return None
    lines = content.split(b"\n")
    gone = {n for n, line in enumerate(lines) if _erased(_delivery(line), listing_id)}
    if not gone:
        return None
    rest = b"\n".join(line for n, line in enumerate(lines) if n not in gone)
    return kept, rest, BatchCut(sha256=kept.stem, listing_id=listing_id, lines=len(gone))


def _erased(delivery: DeliveryPayload | None, listing_id: str) -> bool:
    return (
        delivery is not None
        and delivery.data.listing.listing_id == listing_id
        and delivery.data.type != ChangeType.PURGED
    )
