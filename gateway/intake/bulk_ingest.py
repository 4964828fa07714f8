"""Ingesting an uploaded file: verify it whole, then stream it through dedup in batches.

Three passes over the object, each in constant memory: (1) SHA-256 and line count against the
signed manifest — and for a resync, which listings the file holds and how many would go;
(2) the entries, a batch of lines at a time, through the same dedup and compare-and-set writes
as a push; (3) for a resync, removal of the listings the file no longer holds. The upload record
is the checkpoint: an ingest cut short (Lambda's time limit) resumes where it stopped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.intake.bulk import (
    DEFAULT_REMOVAL_THRESHOLD,
    FileCheck,
    Refusal,
    Upload,
    UploadStatus,
    removal_refusal,
    stamp,
)
from gateway.intake.bulk_batches import InFlight, batches, parse_batch, resync_removal
from gateway.intake.ports import SourceIndex, UploadChecker, UploadedFiles, UploadStore
from gateway.intake.storing import RACE_RETRIES, store
from gateway.lifecycle import remove
from gateway.ownership import may_change
from gateway.ports import ListingStore, Registry
from gateway_client.contract import (
    DEFAULT_TOLERANCE,
    IN_FORCE,
    Clock,
    Conflict,
    ListingStatus,
    lines_of,
)

LINES_PER_BATCH = 500
BATCHES_PER_CHECKPOINT = 10
_REMOVALS_PER_BATCH = 100
_HELD = IN_FORCE | {ListingStatus.SUSPENDED}


@dataclass(frozen=True)
class BulkPolicy:
    removal_threshold: float = DEFAULT_REMOVAL_THRESHOLD
    lease: timedelta = timedelta(minutes=16)  # past Lambda's 15-minute limit
    tolerance: timedelta = DEFAULT_TOLERANCE  # clock skew allowed to a line's version


class UploadBusy(Conflict):
    """S3 and SQS deliver at least once: a duplicate notification finds the upload held by
    the run it duplicates, and is retried after that run is done."""

    code = "upload_busy"


class BulkIngest:
    def __init__(
        self,
        uploads: UploadStore,
        files: UploadedFiles,
        listings: ListingStore,
        index: SourceIndex,
        clock: Clock,
        registry: Registry,
        policy: BulkPolicy = BulkPolicy(),
        checker: UploadChecker | None = None,
    ) -> None:
        self._checker = checker
        self._registry = registry
        self._uploads = uploads
        self._files = files
        self._listings = listings
        self._index = index
        self._clock = clock
        self._policy = policy

    def process(
        self,
        region: str,
        upload_id: str,
        version_id: str | None,
        out_of_time: Callable[[], bool] = lambda: False,
    ) -> Upload | None:
        """Take the upload as far as time allows; ``None`` when no manifest was signed for it.

        The returned upload is still ``ingesting`` when time ran out: call again to resume.
        """
        upload = self._uploads.get(region, upload_id)
        if upload is None or (upload.finished and not _mismatched(upload)):
            return upload
        owner, now = uuid.uuid4().hex, self._clock.now()
        if not self._uploads.lease(region, upload_id, owner, now, now + self._policy.lease):
            raise UploadBusy(f"upload {region}/{upload_id} is being ingested by another run")
        try:
            return self._run(upload, version_id, out_of_time)
        finally:
            self._uploads.release(region, upload_id, owner)

    def _run(
        self, upload: Upload, version_id: str | None, out_of_time: Callable[[], bool]
    ) -> Upload:
        check: FileCheck | None = None  # pass 1's, reused by pass 3 within one invocation
        withdrawn = self._key_withdrawn(upload)
        if withdrawn is not None:
            self._uploads.save(withdrawn)
            return withdrawn
        if upload.status is UploadStatus.AWAITING_UPLOAD or _mismatched(upload):
            upload, check = self._verify(upload, version_id)
            self._uploads.save(upload)
        if upload.status is not UploadStatus.INGESTING:
            return upload
        if upload.manifest.mode == "check":
            upload = self._check(upload)
            self._uploads.save(upload)
            return upload
        if upload.offset < upload.manifest.size:
            upload = self._ingest(upload, out_of_time)
            self._uploads.save(upload)
            if upload.offset < upload.manifest.size:
                return upload
        if upload.removal == "pending":
            upload = self._remove_absent(upload, check)
        upload = stamp(upload, self._clock.now(), status=UploadStatus.COMPLETED)
        self._uploads.save(upload)
        return upload

    def _key_withdrawn(self, upload: Upload) -> Upload | None:
        """The upload refused, when the key that signed its manifest is no longer valid: a
        revocation stops what that key set going, also a file it uploaded earlier (checked
        again on every resumption)."""
        now = self._clock.now()
        key = self._registry.get_key(upload.key_id)
        if key is not None and key.region == upload.manifest.region and key.is_valid_at(now):
            return None
        refusal = Refusal(
            code="key_revoked",
            message=f"key {upload.key_id} is no longer valid: request the upload again with "
            "a current key",
        )
        return stamp(upload, now, status=UploadStatus.REFUSED, refusal=refusal)

    # --- pass 1 ------------------------------------------------------------------------------

    def _verify(self, upload: Upload, version_id: str | None) -> tuple[Upload, FileCheck]:
        manifest = upload.manifest
        resync = manifest.mode == "resync"
        check = FileCheck(collect_identities=resync).run(
            self._files.read(upload.object_key, version_id, 0)
        )
        now = self._clock.now()
        refusal = check.mismatch(manifest)
        if refusal is None and resync:
            held = absent = 0
            for _, listing_id in self._index.held_by(manifest.region, manifest.domains):
                held += 1
                absent += not check.holds(listing_id)
            refusal = removal_refusal(absent, held, self._policy.removal_threshold, manifest)
        if refusal is not None:
            return stamp(upload, now, status=UploadStatus.REFUSED, refusal=refusal), check
        verified = stamp(
            upload,
            now,
            status=UploadStatus.INGESTING,
            version_id=version_id,
            refusal=None,
            removal="pending" if resync else "not_requested",
        )
        return verified, check

    def _check(self, upload: Upload) -> Upload:
        """A bulk check reads the verified file once, in one run (100,000 codes fit well within
        a Lambda's time): a run cut short starts over, its trail entries written again."""
        if self._checker is None:
            raise RuntimeError("bulk checks need a checker (gateway.checks.BulkCheck)")
        lines = lines_of(self._files.read(upload.object_key, upload.version_id, 0))
        return self._checker.check(upload, lines)

    # --- pass 2 ------------------------------------------------------------------------------

    def _ingest(self, upload: Upload, out_of_time: Callable[[], bool]) -> Upload:
        """Parse batch k+1 while batch k is stored (one writer thread, so batches still reach
        the store in file order and a later line dedups against an earlier one)."""
        lines = lines_of(
            self._files.read(upload.object_key, upload.version_id, upload.offset),
            start_line=upload.line,
            start_offset=upload.offset,
        )
        region = upload.manifest.region
        with ThreadPoolExecutor(max_workers=1) as writer:
            in_flight: InFlight | None = None
            for done, batch in enumerate(batches(lines, LINES_PER_BATCH), start=1):
                relays = upload.relays_subregions
                parsed = parse_batch(
                    batch,
                    region,
                    relays,
                    self._clock.now(),
                    self._policy.tolerance,
                    upload.permitted_domains,
                )
                if in_flight is not None:
                    upload = in_flight.counted(upload, self._clock.now())
                stored = writer.submit(store, self._listings, parsed.candidates, region, relays)
                in_flight = InFlight(parsed, stored)
                if out_of_time():
                    return in_flight.counted(upload, self._clock.now())
                if done % BATCHES_PER_CHECKPOINT == 0:
                    self._uploads.save(upload)
            if in_flight is not None:
                upload = in_flight.counted(upload, self._clock.now())
        # The whole file is read: trailing blank lines end past the last entry's offset.
        return upload.model_copy(update={"offset": upload.manifest.size})

    # --- pass 3 ------------------------------------------------------------------------------

    def _remove_absent(self, upload: Upload, check: FileCheck | None) -> Upload:
        """Remove what the resync no longer holds — unless some lines were rejected: a listing
        on a rejected line would look absent, so nothing is removed then. The file is read
        again only when an earlier invocation did pass 1."""
        now = self._clock.now()
        if upload.rejected:
            note = f"{upload.rejected} lines were rejected; correct them and resync again"
            return stamp(upload, now, removal="withheld", removal_note=note)
        manifest = upload.manifest
        if check is None:
            check = FileCheck(collect_identities=True).run(
                self._files.read(upload.object_key, upload.version_id, 0)
            )
        absent = (
            key
            for key in self._index.held_by(manifest.region, manifest.domains)
            if not check.holds(key[1])
        )
        removed = contended = 0
        for keys in batches(absent, _REMOVALS_PER_BATCH):
            done, lost = self._remove_batch(upload, keys, now)
            removed, contended = removed + done, contended + lost
        note = (
            f"{contended} listings kept changing while being removed; resync again to remove them"
            if contended
            else ""
        )
        return stamp(upload, now, removal="applied", removed=removed, removal_note=note)

    def _remove_batch(
        self, upload: Upload, keys: Sequence[tuple[str, str]], now: datetime
    ) -> tuple[int, int]:
        """(removed, still contended): a removal that loses a race is planned again against
        what won, like any write; one still losing after ``RACE_RETRIES`` is reported."""
        manifest = upload.manifest
        removed, pending = 0, list(keys)
        for _ in range(RACE_RETRIES):
            if not pending:
                break
            writes = []
            for held in self._listings.current(pending).values():
                removal = resync_removal(held, upload)
                # A listing updated after the file was issued is newer than the resync: it
                # stays. The index finds listings by provenance; only those the region may
                # change go.
                owned = may_change(held.origin_region, manifest.region, upload.relays_subregions)
                if owned and held.status in _HELD and removal.version > held.version:
                    writes.append((remove(held, removal, manifest.region, now), held.version))
            written = self._listings.write(writes, None) if writes else set()
            removed += len(written)
            pending = [
                (x.credit_code, x.listing_id) for x, _ in writes if x.listing_id not in written
            ]
        return removed, len(pending)


def _mismatched(upload: Upload) -> bool:
    """A file that did not match its manifest may be uploaded again."""
    return upload.refusal is not None and upload.refusal.code == "upload_mismatch"
