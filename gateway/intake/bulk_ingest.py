"""Ingesting an uploaded file: verify it whole, then stream it through dedup in batches.

Three passes over the object, each in constant memory: (1) SHA-256 and line count against the
signed manifest — and for a resync, which listings the file holds and how many would go;
(2) the entries, a batch of lines at a time, through the same dedup and compare-and-set writes
as a push; (3) for a resync, removal of the listings the file no longer holds
(``gateway.intake.bulk_removal``). The upload record is the checkpoint: an ingest cut short
(Lambda's time limit) resumes where it stopped. A large file's pass 2 is split into ranges
ingested at once (``gateway.intake.bulk_ranges`` says how and why that guarantees the same).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from functools import partial
from itertools import takewhile

from gateway.intake.bulk import (
    Upload,
    UploadStatus,
    stamp,
)
from gateway.intake.bulk_batches import ingest_batches
from gateway.intake.bulk_ranges import RangeCheck, RangeState, as_upload, progressed
from gateway.intake.bulk_removal import ResyncRemoval
from gateway.intake.bulk_terms import BulkPolicy, RangeRun, UploadBusy
from gateway.intake.file_check import FileCheck
from gateway.intake.file_judgement import judged_file
from gateway.intake.own_listings import Purged
from gateway.intake.ports import (
    SourceIndex,
    UploadChecker,
    UploadedFiles,
    UploadQueue,
    UploadStore,
)
from gateway.intake.resync_order import (
    decided_by_newer,
    noted,
    superseded,
    withheld_where_newer,
)
from gateway.intake.upload_rules import as_permitted_now, permitted_now, rules_now
from gateway.ownership import may_change
from gateway.ports import ListingStore, Registry
from gateway_client.contract import (
    CHECK_LINE_BYTES,
    Clock,
    Line,
    lines_of,
)

DEFAULT_POLICY = BulkPolicy()


class BulkIngest:
    def __init__(
        self,
        uploads: UploadStore,
        files: UploadedFiles,
        listings: ListingStore,
        index: SourceIndex,
        clock: Clock,
        registry: Registry,
        policy: BulkPolicy = DEFAULT_POLICY,
        checker: UploadChecker | None = None,
        queue: UploadQueue | None = None,
        *,
        purged: Purged,
    ) -> None:
        """Without a ``queue`` an upload is never split (one invocation at a time)."""
        self._purged = purged
        self._checker = checker
        self._queue = queue
        self._removal = ResyncRemoval(files, listings, index, clock)
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
            # read again under the lease: what was saved before it (a manifest asked for again
            # under a current key rebinds the upload) is what this run goes on from
            upload = self._uploads.get(region, upload_id) or upload
            upload, cut_short = self._run(upload, version_id, out_of_time)
            if not upload.finished and self._refused_now(upload):
                # read again: a range may have stored lines since this run read its sums
                upload = self._as_permitted_now(self._uploads.get(region, upload_id) or upload)
                self._uploads.save(upload)
                cut_short = False
        finally:
            self._uploads.release(region, upload_id, owner)
        if cut_short and upload.ranges > 1 and self._queue is not None:
            # a whole one's continuation is its handler's; a split one's, queued here, once
            # the lease is released (picked up at once, it would find the upload busy)
            self._queue.continue_later(region, upload_id)
        return upload

    def _run(
        self, upload: Upload, version_id: str | None, out_of_time: Callable[[], bool]
    ) -> tuple[Upload, bool]:
        """The upload taken as far as time allows, and whether its removals were cut short."""
        check: FileCheck | None = None  # pass 1's, reused by pass 3 within one invocation
        now_permitted = self._as_permitted_now(upload)
        if now_permitted is not upload:  # under the upload's lease: saved at once
            self._uploads.save(now_permitted)
        upload = now_permitted
        if upload.status is UploadStatus.REFUSED and not _mismatched(upload):
            return upload, False
        if upload.status is UploadStatus.AWAITING_UPLOAD or _mismatched(upload):
            upload, check = self._verify(upload, version_id)
            self._uploads.save(upload)
        if upload.status is not UploadStatus.INGESTING:
            return upload, False
        if upload.manifest.mode == "check":
            return self._check(upload), False
        if upload.ranges > 1:
            if self._waiting(upload):
                return upload, False
            # every range done: their sums as they are now, not as read before — a range that
            # ended since holds the removals back with its rejected lines, and its month counts
            # its lines (review 227)
            upload = self._uploads.get(upload.manifest.region, upload.manifest.upload_id) or upload
            if upload.status is not UploadStatus.INGESTING:
                return upload, False
        elif upload.offset < upload.manifest.size:
            upload = self._ingest(upload, out_of_time, self._uploads.save)
            self._uploads.save(upload)
            if upload.offset < upload.manifest.size:
                return upload, False
        taken = superseded(self._uploads, upload) if upload.removal == "pending" else {}
        upload, left = withheld_where_newer(upload, taken, self._clock.now())
        if upload.removal == "pending":
            rules = partial(rules_now, self._registry, upload)

            def decided_since() -> dict[str, str]:
                """As it stands now, the note keeping every one found: a newer resync refused
                meanwhile decides nothing any more (review 314)."""
                now = superseded(self._uploads, upload)
                taken.update(now)
                return now

            upload = self._removal.apply(
                upload,
                check,
                self._uploads.save,
                out_of_time,
                rules,
                left,
                self._revoked(upload),
                decided_since,
            )
            upload = noted(upload, taken)
            if upload.removal == "pending":  # out of time: the next run goes on
                return upload, True
        upload = stamp(upload, self._clock.now(), status=UploadStatus.COMPLETED)
        self._uploads.save(upload)
        return upload, False

    # --- ranges ------------------------------------------------------------------------------

    def _waiting(self, upload: Upload) -> list[int]:
        """The ranges still to run, each queued (again: a duplicate message is harmless); the
        last range only once every other is done."""
        states = self._uploads.ranges(
            upload.manifest.region, upload.manifest.upload_id, upload.ranges
        )
        waiting = [s.index for s in states if not s.done and not s.last]
        if not waiting:
            waiting = [s.index for s in states if not s.done]
        if waiting and self._queue is not None:
            self._queue.ingest_ranges(upload.manifest.region, upload.manifest.upload_id, waiting)
        return waiting

    def process_range(
        self,
        region: str,
        upload_id: str,
        index: int,
        out_of_time: Callable[[], bool] = lambda: False,
    ) -> RangeRun | None:
        """Take one range as far as time allows (``None``: nothing to do, the upload is
        finished, refused or unknown). The range done, the upload's own step follows when every
        range is: a duplicate message later does the same, so a crash in between loses nothing.
        """
        upload = self._uploads.get(region, upload_id)
        if upload is None or upload.status is not UploadStatus.INGESTING:
            return None
        upload = self._as_permitted_now(upload)  # a new policy: the range's, not saved
        if upload.status is UploadStatus.REFUSED:
            self._refuse(region, upload_id)
            return None
        if not 0 <= index < upload.ranges:
            return None
        owner, now = uuid.uuid4().hex, self._clock.now()
        if not self._uploads.lease(region, upload_id, owner, now, now + self._policy.lease, index):
            raise UploadBusy(f"range {index} of {region}/{upload_id} is being ingested")
        try:
            states = self._uploads.ranges(region, upload_id, upload.ranges)
            before = states[index]
            if before.last and not all(s.done for s in states if not s.last):
                return None  # early: the range finishing last queues it again
            after = before if before.done else self._ingest_range(upload, before, out_of_time)
        finally:
            self._uploads.release(region, upload_id, owner, index)
        settled = self._uploads.get(region, upload_id)
        if settled is not None and settled.status is UploadStatus.REFUSED:
            # refused by another range's run while this one stored lines: saved again with
            # them, so its month's pushes count them too (review 211)
            self._uploads.save(settled)
            return RangeRun(before, after)
        states = self._uploads.ranges(region, upload_id, upload.ranges)
        if after.done and all(s.done for s in states if not s.last):
            try:
                self.process(region, upload_id, upload.version_id, out_of_time)
            except UploadBusy:  # the range is stored and counted all the same (review 185)
                return RangeRun(before, after, closing=True)
        return RangeRun(before, after)

    def _refuse(self, region: str, upload_id: str) -> None:
        """A range's start check found the upload refused: saved under the upload's lease, from
        a read taken under it, never over a newer save made since the range read it (review
        231: a completed upload turned refused). The lease held, ``UploadBusy``: the range's
        message comes again, and finds the upload refused by the run holding it (which looks
        before its next batch and at its end, ``_revoked``) or, that run dead, its lease over
        (review 232: the refusal was dropped, and the upload stayed ``ingesting``)."""
        owner, now = uuid.uuid4().hex, self._clock.now()
        if not self._uploads.lease(region, upload_id, owner, now, now + self._policy.lease):
            raise UploadBusy(f"upload {region}/{upload_id} is refused; another run holds it")
        try:
            held = self._uploads.get(region, upload_id)
            if held is not None and held.status is UploadStatus.INGESTING:
                refused = self._as_permitted_now(held)
                if refused.status is UploadStatus.REFUSED:
                    self._uploads.save(refused)
                    # a range's batch stored between the read and the save read the upload
                    # still ingesting, and left it to be counted here (review 232)
                    again = self._uploads.get(region, upload_id)
                    if again is not None and again != refused:
                        self._uploads.save(again)
        finally:
            self._uploads.release(region, upload_id, owner)

    def _ingest_range(
        self, upload: Upload, state: RangeState, out_of_time: Callable[[], bool]
    ) -> RangeState:
        region, upload_id = upload.manifest.region, upload.manifest.upload_id

        def checkpoint(part: Upload) -> None:
            self._uploads.save_ranges(region, upload_id, [progressed(state, part)])

        part = self._ingest(
            as_upload(upload, state), out_of_time, checkpoint, state.end_offset, state.keeps()
        )
        done = progressed(state, part)
        self._uploads.save_ranges(region, upload_id, [done])
        return done

    def _refused_now(self, upload: Upload) -> bool:
        now = as_permitted_now(self._registry, upload, self._clock.now())
        return now.status is UploadStatus.REFUSED

    def _revoked(self, upload: Upload) -> Callable[[], bool]:
        """Asked before every batch of lines and of removals: the upload refused under the
        rules of now — the manifest's key no longer valid (review 224), a resync's domain no
        longer the source's (review 231: only a range's run found it, and its save was lost) —
        the run stops there, and the upload is refused."""
        return lambda: self._refused_now(upload)

    def _as_permitted_now(self, upload: Upload) -> Upload:
        """Checked again on every resumption (``upload_rules.permitted_now``); a range, which
        holds no lease on the upload, does not save a policy (the upload's own run does)."""
        return permitted_now(self._registry, upload, self._clock.now())

    # --- pass 1 ------------------------------------------------------------------------------

    def _verify(self, upload: Upload, version_id: str | None) -> tuple[Upload, FileCheck]:
        manifest = upload.manifest
        split = (  # a file that matches its manifest fits one range: no identities to collect
            self._queue is not None
            and manifest.mode != "check"
            and manifest.count > self._policy.range_lines
        )
        check = (
            RangeCheck(self._policy.range_lines, manifest.region)
            if split
            else FileCheck(manifest.mode == "resync", manifest.region)
        )
        check.run(self._files.read(upload.object_key, version_id, 0))
        checker = self._checker if manifest.mode == "check" else None
        relays, _ = rules_now(self._registry, upload)
        held = (  # what the removal pass may end: not a county's its relaying stopped (290)
            x
            for x in self._index.held_by(manifest.region, manifest.domains)
            if may_change(x.origin_region, manifest.region, relays)
        )
        judged = judged_file(
            upload,
            version_id,
            check,
            self._clock.now(),
            held,
            self._policy.removal_threshold,
            checker.sealed if checker is not None else None,
        )
        if manifest.mode == "resync":
            judged = judged.model_copy(update={"counted_relays": relays})
        ranges = check.ranges(manifest.size) if isinstance(check, RangeCheck) else []
        if judged.status is not UploadStatus.INGESTING or not ranges:
            return judged, check
        # stored before the record says so: a crash before it only repeats pass 1
        self._uploads.save_ranges(manifest.region, manifest.upload_id, ranges)
        return judged.model_copy(update={"ranges": len(ranges)}), check

    def _check(self, upload: Upload) -> Upload:
        """A bulk check reads the verified file once, in one run (100,000 codes fit well within
        a Lambda's time): a run cut short starts over, its trail entries written again."""
        if self._checker is None:
            raise RuntimeError("bulk checks need a checker (gateway.checks.BulkCheck)")
        read = self._files.read(upload.object_key, upload.version_id, 0)
        lines = lines_of(read, most=CHECK_LINE_BYTES)
        return self._checker.check(upload, lines, self._uploads.save, self._as_permitted_now)

    # --- pass 2 ------------------------------------------------------------------------------

    def _ingest(
        self,
        upload: Upload,
        out_of_time: Callable[[], bool],
        checkpoint: Callable[[Upload], None],
        end: int | None = None,
        keep: Callable[[Line], bool] | None = None,
    ) -> Upload:
        """The lines from the upload's offset, batch by batch (``bulk_batches.ingest_batches``).
        A range reads up to its ``end`` and ingests the lines it ``keep``s."""
        end = upload.manifest.size if end is None else end
        lines: Iterator[Line] = takewhile(
            lambda line: line.end <= end,
            lines_of(
                self._files.read(upload.object_key, upload.version_id, upload.offset),
                start_line=upload.line,
                start_offset=upload.offset,
            ),
        )
        if keep is not None:
            lines = filter(keep, lines)
        return ingest_batches(
            upload,
            lines,
            end,
            self._listings,
            self._purged,
            self._clock,
            self._policy.tolerance,
            out_of_time,
            checkpoint,
            partial(rules_now, self._registry, upload),
            partial(decided_by_newer, self._uploads, upload),
            self._revoked(upload),
            self._policy.retention_years,
        )


def _mismatched(upload: Upload) -> bool:
    """A file that did not match its manifest in its bytes may be uploaded again."""
    return upload.status is UploadStatus.REFUSED and upload.awaits_file
