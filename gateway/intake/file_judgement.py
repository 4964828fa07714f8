"""Pass 1's verdict on an uploaded file: refused (it differs from its signed manifest, or a
resync would remove more than its region's threshold allows) or ready to ingest.

Kept apart from ``BulkIngest`` so the rule reads in one place: nothing in a file is applied
before the whole file matches what was signed, and a resync's removals are weighed before any
of its lines is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from gateway.intake.bulk import Upload, UploadStatus, removal_refusal, stamp, with_errors
from gateway.intake.file_check import FileCheck, Held

_WEIGHED_AT_ONCE = 100  # absent listings read at once to weigh them (one BatchGetItem)


def judged_file(
    upload: Upload,
    version_id: str | None,
    check: FileCheck,
    now: datetime,
    held: Iterable[Held],
    threshold: float,
    sealed: Callable[[str], str] | None,
    would_end: Callable[[Sequence[Held]], int] = len,
) -> Upload:
    """The upload refused or ``ingesting`` (one range) after ``check`` has run over its file
    (the object's ``version_id``);
    ``held`` (the region's listings in the manifest's domains) is read only for a resync whose
    file matches: those it does not hold are weighed a batch at a time by ``would_end`` (how
    many of them its removals would end), and the removals reach no listing stored after this
    count (``counted_at``)."""
    manifest = upload.manifest
    resync = manifest.mode == "resync"
    refusal = check.mismatch(manifest, sealed)
    if refusal is None and resync:
        count, ending, absent = 0, 0, []
        for listing in held:
            count += 1
            if not check.holds(listing):
                absent.append(listing)
            if len(absent) == _WEIGHED_AT_ONCE:
                ending, absent = ending + would_end(absent), []
        ending += would_end(absent) if absent else 0
        refusal = removal_refusal(ending, count, threshold, manifest, check.rejected)
    if refusal is not None:
        refused = stamp(upload, now, status=UploadStatus.REFUSED, refusal=refusal)
        if refusal.details.get("rejected_lines"):  # which lines, as a completed run says
            refused = with_errors(refused, check.errors, rejected=check.rejected)
            dropped = refused.errors_truncated or check.errors_dropped
            refused = refused.model_copy(update={"errors_truncated": dropped})
        return refused
    verified = stamp(
        upload,
        now,
        status=UploadStatus.INGESTING,
        version_id=version_id,
        refusal=None,
        removal="pending" if resync else "not_requested",
        counted_at=now if resync else None,
    )
    return verified.model_copy(update={"ranges": 1})
