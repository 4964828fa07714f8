"""``gateway listen``'s store: the deliveries, one webhook body per line, and beside them the
proof each was verified by (``gateway_client.kept_proofs``), so that ``gateway verify-log``
can show later that every stored line is what the gateway signed.

Everything is appended and fsynced before the answer, the proof before the line it proves: a
crash between the two leaves a proof of a delivery never acknowledged (harmless; the gateway
sends it again, signed anew), never a line without its proof. Every change of the files is made
under the store's lock (``durable_files.locked``), which verify-log takes to read them.

A ``purged`` tombstone erases the listing's deliveries, as every subscriber must when retention
ends — from the store, from the kept batch files (what was cut is recorded first: the file's
digest no longer matches), and their signatures with them. A purged listing is never listed
again, so nothing of it is stored after its tombstone, nor kept in a batch file fetched since.
The tombstone is stored first and the listing's lines in the store go last: should a crash or a
full disk stop the erasure between, the store holds the tombstone beside them — every cut made
so far excused by it, the rest finished at the next start, or when the tombstone (never
acknowledged) comes again.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

from pydantic import ValidationError

from gateway_client.contract import DeliveryPayload, erases
from gateway_client.durable_files import (
    PRIVATE_FOLDER,
    TEMP_SUFFIX,
    append_durably,
    held_alone,
    locked,
    open_lines,
    replace_durably,
    sync_directory,
)
from gateway_client.kept_proofs import (
    BatchProof,
    DeliveryProof,
    Kept,
    KeptLine,
    batch_file,
    batches_dir,
    cut_lines,
    erased_lines,
    record_line,
    signatures_path,
    still_proves,
    stored_form,
)
from gateway_client.subscriber_files import LocalFileError, read_deliveries


@contextmanager
def serving(path: Path) -> Iterator[None]:
    """Held while one listener serves the store at ``path``, from before it reads what is
    stored: a second listener would work from its own stale copy of the ids stored and the
    listings purged, so store a delivery twice, or a purged listing after its tombstone
    (review 46g). It is refused instead, whatever the first one is doing."""
    real = path.resolve()  # the file itself, whatever link or relative path names it
    with held_alone(real.with_name(real.name + ".listening")) as alone:
        if not alone:
            raise LocalFileError(
                f"{path}: another gateway listen serves this store (one listener per store)"
            )
        yield


class Outcome(StrEnum):
    """What ``DeliveryStore.add`` did with a delivery, as the listener reports it."""

    STORED = "stored"
    ALREADY = "already stored"
    PURGED = "not stored (its listing is purged)"


class DeliveryStore:
    """Deliveries, one webhook body per line, each with its proof kept beside the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.signatures = signatures_path(path)
        self.batches = batches_dir(path)
        self._lock = threading.RLock()
        self._depth = 0
        self._unfinished: set[str] = set()  # listings whose erasure failed (answered 503)
        with self.writing():
            _retire_erasing(path)
            open_lines(path)
            open_lines(self.signatures)
            if self.batches.exists():
                self.batches.chmod(PRIVATE_FOLDER)
            for stale in self.batches.glob(f"*{TEMP_SUFFIX}"):
                stale.unlink()  # a file being kept or cut when the process died
            stored = read_deliveries(path)
            self._ids = {d.delivery_id for d in stored}
            self._purged = {d.data.listing.listing_id for d in stored if erases(d)}
            unfinished = {
                d.data.listing.listing_id
                for d in stored
                if not erases(d) and d.data.listing.listing_id in self._purged
            }
            for listing_id in sorted(unfinished):  # an erasure a crash stopped
                self._erase(listing_id)

    def __len__(self) -> int:
        return len(self._ids)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Held while the files change, against the listener's other threads and verify-log;
        re-entrant: a batch holds it from keeping its file to storing its last line, and each
        of those steps takes it too."""
        with self._lock:
            self._depth += 1
            try:
                if self._depth > 1:
                    yield
                else:
                    with locked(self.path):
                        yield
            finally:
                self._depth -= 1

    def add(
        self, payload: DeliveryPayload, body: bytes, headers: Mapping[str, str] | None
    ) -> Outcome:
        """Store the delivery unless its webhook-id is stored already or its listing is purged.
        ``headers``: the webhook's, whose signature is kept first; ``None`` for a line of a
        batch file, which ``keep_batch`` kept with its announcement. A tombstone erases its
        listing; sent again (a retry, a replay), again if that erasure failed: one a crash
        stopped was finished at start."""
        listing_id = payload.data.listing.listing_id
        with self.writing():
            if erases(payload):
                new = self._append(payload, body, headers)
                self._purged.add(listing_id)
                if new or listing_id in self._unfinished:
                    self._unfinished.add(listing_id)
                    self._erase(listing_id)
                    self._unfinished.discard(listing_id)
                return Outcome.STORED if new else Outcome.ALREADY
            if listing_id in self._purged:
                return Outcome.PURGED
            return Outcome.STORED if self._append(payload, body, headers) else Outcome.ALREADY

    def keep_batch(self, headers: Mapping[str, str], body: bytes, file: bytes, sha256: str) -> None:
        """Keep a verified batch's file and its signed announcement, before any of its lines is
        stored: the file as the erasures so far leave it (without a purged listing's lines,
        what was cut recorded first), written again should a copy kept earlier differ."""
        with self.writing():
            if not self.batches.exists():
                self.batches.mkdir(mode=PRIVATE_FOLDER)
                sync_directory(self.path.parent)
            kept = batch_file(self.path, sha256)
            rest, cuts = cut_lines(file, sha256, self._purged)
            if not kept.exists() or kept.read_bytes() != rest:
                # lines of a listing purged already are never stored: their erasure is here
                made: list[Kept] = [*cuts]
                made += erased_lines(file.split(b"\n"), self._purged) if cuts else []
                if made:
                    append_durably(self.signatures, b"".join(record_line(r) for r in made))
                replace_durably(kept, rest)
            append_durably(self.signatures, record_line(BatchProof.of(headers, sha256, body)))

    def holds_batch(self, sha256: str) -> bool:
        """Whether the batch of this digest is kept with every line of it stored (or its
        listing purged): its announcement again (a retry whose 2xx was lost, or a replay) is
        then acknowledged without fetching the file or keeping its proof once more, as a single
        delivery's is (review 161). One kept before a crash stopped its lines is taken again."""
        with self.writing():
            kept = batch_file(self.path, sha256)
            if not kept.exists():
                return False
            for line in kept.read_bytes().split(b"\n"):
                if not line.strip():
                    continue
                try:
                    payload = DeliveryPayload.model_validate_json(line)
                except ValidationError:
                    return False
                known = payload.delivery_id in self._ids
                if not known and payload.data.listing.listing_id not in self._purged:
                    return False
            return True

    def _append(
        self, payload: DeliveryPayload, body: bytes, headers: Mapping[str, str] | None
    ) -> bool:
        if payload.delivery_id in self._ids:
            return False
        if headers is not None:
            proof = DeliveryProof.of(headers, payload.delivery_id, body)
            append_durably(self.signatures, record_line(proof))
        append_durably(self.path, stored_form(body) + b"\n")
        self._ids.add(payload.delivery_id)
        return True

    def _erase(self, listing_id: str) -> None:
        """Retention ran out for the listing, whose tombstone is stored: its copies go (and
        ``verify-log`` owes nothing of an erased listing) — from the kept files, then their
        signatures (and orphans: proofs of lines a crash never stored), then, last, from the
        store. Each file is rewritten only when something of it goes."""
        gone = {listing_id}
        needle = listing_id.encode()  # a line that does not name the listing is none of it,
        escaped = b"\\"  # unless it names it in escapes (review 307)
        cuts = []
        for kept in self._kept_files():
            content = kept.read_bytes()
            named = needle in content or escaped in content
            if named and (cut := cut_lines(content, kept.stem, gone))[1]:
                cuts.append((kept, *cut))
        lines = _lines(self.path)
        erased = [
            (n, about)
            for n, line in enumerate(lines)
            if (needle in line or escaped in line) and (about := KeptLine.erased(line, gone))
        ]
        made: list[Kept] = [record for *_, records in cuts for record in records]
        # what verify-log will not find stored, and why: recorded before anything goes
        made += erased_lines((lines[n] for n, _ in erased), gone)
        if made:
            append_durably(self.signatures, b"".join(record_line(record) for record in made))
        for kept, rest, _ in cuts:
            replace_durably(kept, rest)
        stored = self._ids - {about.delivery_id for _, about in erased}
        proofs = _lines(self.signatures)
        proving = [line for line in proofs if still_proves(line, stored)]
        if len(proving) != len(proofs):
            replace_durably(self.signatures, b"".join(line + b"\n" for line in proving))
        if erased:
            dropped = {n for n, _ in erased}
            rest = b"".join(line + b"\n" for n, line in enumerate(lines) if n not in dropped)
            replace_durably(self.path, rest)
        self._ids = stored

    def _kept_files(self) -> list[Path]:
        return sorted(p for p in self.batches.glob("*.ndjson") if _SHA256.fullmatch(p.stem))


_SHA256 = re.compile("[0-9a-f]{64}")


def _lines(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().split(b"\n") if line.strip()]


def _retire_erasing(store: Path) -> None:
    """The listener before this one rewrote the store for an erasure as ``<store>.erasing``,
    then renamed it over the store, which consumes it: one left behind was never swapped in.
    The store beside it holds everything, and the tombstone of that erasure was never stored
    nor acknowledged (the gateway sends it again, and verify-log reports it missing until it
    comes), so the copy — a purged listing's names and ID numbers among what it holds — goes.
    Without the store, it may be the only copy: refused, for someone to look at."""
    erasing = store.with_name(store.name + ".erasing")
    if not erasing.exists():
        return
    if not store.exists():
        raise LocalFileError(
            f"{erasing} is a copy an earlier gateway listen made while erasing, and {store} is "
            "missing: move it to the store's name (the erasure's tombstone comes again), "
            "or remove it"
        )
    erasing.unlink()
    sync_directory(store.parent)
