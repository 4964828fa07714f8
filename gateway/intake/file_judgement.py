"""Pass 1's verdict on an uploaded file: refused (it differs from its signed manifest, or a
resync would remove more than its region's threshold allows) or ready to ingest.

Kept apart from ``BulkIngest`` so the rule reads in one place: nothing in a file is applied
before the whole file matches what was signed, and a resync's removals are weighed before any
of its lines is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from gateway.intake.bulk import Upload, UploadStatus, removal_refusal, stamp, with_errors
from gateway.intake.file_check import FileCheck, Held


def judged_file(
    upload: Upload,
    version_id: str | None,
    check: FileCheck,
    now: datetime,
    held: Iterable[Held],
    threshold: float,
    sealed: Callable[[str], str] | None,
) -> Upload:
    """The upload refused or ``ingesting`` (one range) after ``check`` has run over its file
    (the object's ``version_id``);
    ``held`` (the region's listings in the manifest's domains) is read only for a resync whose
    file matches."""
    manifest = upload.manifest
    resync = manifest.mode == "resync"
    refusal = check.mismatch(manifest, sealed)
    if refusal is None and resync:
        count = absent = 0
        for listing in held:
            count += 1
            absent += not check.holds(listing)
        refusal = removal_refusal(absent, count, threshold, manifest, check.rejected)
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
    )
    return verified.model_copy(update={"ranges": 1})
