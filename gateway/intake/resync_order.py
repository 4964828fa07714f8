"""Which of two resyncs of a region decides: the one issued later, whichever run ends last.

A resync's removals revoke what its file no longer holds. Two resyncs of the same domains in
flight at once (a corrected list sent after a first one) could end in either order, and an
older one ending last revoked what the newer one holds — a listing revoked so is not put back
by the newer file's same line, a duplicate of the version held (review 128). So a resync
withholds its removals while a newer one stands. Issue times compared are the platform's own.
"""

from __future__ import annotations

from gateway.intake.bulk import Upload, UploadStatus
from gateway.intake.ports import UploadStore

LOOKED_AT = 50
"""A region's latest uploads a resync looks through for a newer one before it removes."""


def newer_resync(uploads: UploadStore, upload: Upload) -> str | None:
    """The id of a resync of the region naming some of the same domains, issued after
    ``upload`` and not refused; ``None`` if there is none."""
    manifest = upload.manifest
    for other in uploads.for_region(manifest.region, LOOKED_AT):
        theirs = other.manifest
        if (
            theirs.mode == "resync"
            and theirs.upload_id != manifest.upload_id
            and theirs.issued_at > manifest.issued_at
            and set(theirs.domains) & set(manifest.domains)
            and other.status is not UploadStatus.REFUSED
        ):
            return theirs.upload_id
    return None
