"""What intake needs from outside: the batch ledger, the upload store and files, the source
index, and the checker a bulk check hands its lines to (``gateway.checks``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from gateway.intake.bulk import Upload
from gateway.intake.bulk_ranges import RangeState
from gateway.intake.file_check import Held
from gateway.intake.push import PushResult
from gateway_client.contract import Line


class BatchLedger(Protocol):
    def claim(
        self, region: str, batch_id: str, body_sha256: str, now: datetime, lease: timedelta
    ) -> PushResult | None:
        """Start a batch; return its stored result if it already finished.

        Raises ``BatchIdReused`` for another body under the same id and ``BatchInProgress``
        while another claim's lease runs.
        """
        ...

    def finish(self, region: str, batch_id: str, result: PushResult) -> None: ...


class UploadStore(Protocol):
    def create(self, upload: Upload) -> Upload | None:
        """Store a new upload; if its id is taken in its region, return the one stored."""
        ...

    def get(self, region: str, upload_id: str) -> Upload | None: ...

    def resyncs_after(self, upload: Upload) -> Iterator[Upload]:
        """The resyncs of ``upload``'s region issued after it (by issue time, then id), the
        earliest first, read as they are asked for."""
        ...

    def save(self, upload: Upload) -> None: ...

    def save_if_awaiting(self, upload: Upload, now: datetime) -> bool:
        """Save ``upload`` only while the stored one still awaits its file and no ingest run
        holds its lease at ``now`` (atomically): ``False`` once an ingest has begun."""
        ...

    def lease(
        self,
        region: str,
        upload_id: str,
        owner: str,
        now: datetime,
        until: datetime,
        part: int | None = None,
    ) -> bool:
        """Hold the upload (or one of its ranges, ``part``) for one ingest run; ``False``
        while another run's lease lasts."""
        ...

    def release(self, region: str, upload_id: str, owner: str, part: int | None = None) -> None: ...

    def save_ranges(self, region: str, upload_id: str, states: Sequence[RangeState]) -> None:
        """Store each range's state (its lease stays)."""
        ...

    def ranges(self, region: str, upload_id: str, count: int) -> list[RangeState]:
        """The ``count`` ranges of a split upload, by index."""
        ...


class UploadQueue(Protocol):
    def ingest_ranges(self, region: str, upload_id: str, indexes: Sequence[int]) -> None:
        """Queue one message per range: each is ingested by an invocation of its own."""
        ...

    def continue_later(self, region: str, upload_id: str) -> None:
        """Queue the upload's own step again (an invocation short of time stopped it)."""
        ...


class UploadedFiles(Protocol):
    def read(self, key: str, version_id: str | None, start: int) -> Iterable[bytes]:
        """The object's bytes from ``start`` on, in chunks (never the whole file at once)."""
        ...


class SourceIndex(Protocol):
    def held_by(self, region: str, domains: Sequence[str]) -> Iterator[Held]:
        """The listings in force in ``domains`` that ``region`` published or relayed."""
        ...


class UploadChecker(Protocol):
    def sealed(self, sha256: str) -> str:
        """The digest a check's upload keeps of its codes file (keyed)."""
        ...

    def check(
        self,
        upload: Upload,
        lines: Iterator[Line],
        save: Callable[[Upload], None],
        permitted: Callable[[Upload], Upload],
    ) -> Upload:
        """Check a verified file's codes (one ``{"credit_code": …}`` a line), keep the result
        file, and ``save`` the upload completed with its counts and the result's key (its
        results withdrawn, should a purge have destroyed the file meanwhile): as saved last.
        Each block under the rules ``permitted`` gives the upload then (refused: saved so, and
        nothing more checked)."""
        ...
