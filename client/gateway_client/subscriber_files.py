"""What a subscriber keeps on its own disk for ``gateway verify-log``: the stored webhook
bodies, the signatures and batch files ``gateway listen`` kept beside them, and the state of
the last verified checkpoint (``--state``). A file that is not what the gateway's tools wrote is
a ``LocalFileError`` naming its line and field, never a crash or a silent skip."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from gateway_client.contract import DeliveryPayload, erases
from gateway_client.durable_files import locked, replace_durably
from gateway_client.kept_proofs import RECORD, BatchProof, KeptProofs, batch_file, signatures_path
from gateway_client.log_audit import AuditReport, Seen

_Parsed = TypeVar("_Parsed")


class LocalFileError(ValueError):
    """A file of the subscriber's is not what verify-log wrote or stored there: a line of the
    stored deliveries is no webhook body the gateway sends, or the ``--state`` is no state."""


def read_deliveries(path: Path) -> list[DeliveryPayload]:
    """Stored webhook bodies, one JSON document per line."""
    return [delivery for delivery, _ in read_stored(path)]


def read_stored(path: Path) -> list[tuple[DeliveryPayload, bytes]]:
    """Each stored delivery with its line's bytes (split at ``\\n`` only: the bodies may hold
    U+2028 and the like, which ``splitlines`` would split at)."""
    return _parsed(
        path, "stored delivery", lambda line: (DeliveryPayload.model_validate_json(line), line)
    )


def read_copy(store: Path) -> tuple[list[tuple[DeliveryPayload, bytes]], KeptProofs]:
    """The store's lines and what ``gateway listen`` kept beside them (nothing, for a store
    kept otherwise), as of one moment: read under the lock the listener writes under, since an
    erasure seen half done — the store before it, the proofs after — would look like an edit;
    which listings are purged is read from the same lines."""
    with locked(store, shared=True):
        stored = read_stored(store)
        path = signatures_path(store)
        records = _parsed(path, "kept signature", RECORD.validate_json) if path.exists() else []
        files = {
            record.sha256: batch_file(store, record.sha256).read_bytes()
            for record in records
            if isinstance(record, BatchProof) and batch_file(store, record.sha256).exists()
        }
    purged = (d.data.listing.listing_id for d, _ in stored if erases(d))
    return stored, KeptProofs.of(records, files, purged)


def read_kept(store: Path) -> KeptProofs:
    """What ``gateway listen`` kept beside ``store`` (``read_copy``)."""
    return read_copy(store)[1]


def _parsed(path: Path, what: str, parse: Callable[[bytes], _Parsed]) -> list[_Parsed]:
    """Each line of ``path``, parsed; a last line without its newline that does not parse is
    one being written when a crash stopped the listener (its next start cuts it off): the
    delivery it was for was not acknowledged, nor stored after its proof."""
    lines = path.read_bytes().split(b"\n")
    found: list[_Parsed] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            found.append(parse(line))
        except ValidationError as exc:
            if number < len(lines):
                said = first_error(exc, "the line")
                raise LocalFileError(f"{path} line {number}: not a {what} ({said})") from exc
    return found


def first_error(exc: ValidationError, whole: str) -> str:
    """The field of the first error and what is wrong with it (never the value)."""
    first = exc.errors()[0]
    return f"{'.'.join(str(part) for part in first['loc']) or whole}: {first['msg']}"


def read_seen(path: Path | None) -> Seen | None:
    """The checkpoint the previous run verified (``--state``), if there was one."""
    if path is None or not path.exists():
        return None
    try:
        return Seen.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        said = first_error(exc, "the file")
        raise LocalFileError(f"{path}: not a state verify-log wrote ({said})") from exc


def write_seen(path: Path | None, report: AuditReport) -> None:
    """Remember a verified checkpoint; never after a failed run, which proved nothing. Written
    whole or not at all: a crash mid-write left a state the next run refused (review 161)."""
    if path is not None and report.ok and report.latest_root is not None:
        seen = Seen(
            size=report.verified_through,
            root=report.latest_root,
            origin=report.latest_origin,
            owed_from=report.owed_from,
            salted_since=report.salted_since,
            moves_since=report.moves_since,
            terms=report.terms,
            terms_after_checkpoint=True,
            checked_at=report.checked_at,
            at=report.latest_at,
        )
        replace_durably(path, (seen.model_dump_json() + "\n").encode())
