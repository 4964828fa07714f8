"""Which of two resyncs of a region decides: the one issued later, whichever run ends last.

A resync's removals revoke what its file no longer holds. Two resyncs of the same domains in
flight at once (a corrected list sent after a first one) could end in either order, and an
older one ending last revoked what the newer one holds — a listing revoked so is not put back
by the newer file's same line, a duplicate of the version held (review 128). So a resync
withholds its removals in the domains a newer one names while it stands. Issue times compared
are the platform's own.
"""

from __future__ import annotations

from datetime import datetime

from gateway.intake.bulk import Upload, UploadStatus, stamp
from gateway.intake.ports import UploadStore


def superseded(uploads: UploadStore, upload: Upload, verified: bool = False) -> dict[str, str]:
    """Of ``upload``'s domains, those a resync of the region issued after it also names, each
    with that resync's id: the newer list decides there, this one elsewhere (review 133: one
    newer resync of a single domain withheld all of an older one's). One not refused counts, or
    refused for a file that did not match while another may still (``awaits_file``); with
    ``verified``, only one whose file matched. Looked for among the region's resyncs alone (an
    index of them), not its latest uploads of any kind, which routine bulk checks crowd
    (review 304) — every one of them, however many (review 309: 200 refused retries or
    other domains' resyncs hid the one that decides), until each domain is taken."""
    manifest = upload.manifest
    taken: dict[str, str] = {}
    for other in uploads.resyncs_after(upload):
        theirs = other.manifest
        # issued at the same moment, the one with the greater id is the newer: two that held
        # each other as older both removed, and the last run decided (review 185)
        newer = (theirs.issued_at, theirs.upload_id) > (manifest.issued_at, manifest.upload_id)
        counts = other.status in _VERIFIED if verified else _may_stand(other)
        if newer and theirs.mode == "resync" and counts:
            for domain in set(theirs.domains) & set(manifest.domains):
                taken.setdefault(domain, theirs.upload_id)
            if len(taken) == len(set(manifest.domains)):
                break
    return taken


def _may_stand(upload: Upload) -> bool:
    """Not refused, or refused for a file another may still replace (review 305)."""
    return upload.status is not UploadStatus.REFUSED or upload.awaits_file


_VERIFIED = frozenset({UploadStatus.INGESTING, UploadStatus.COMPLETED})


def decided_by_newer(uploads: UploadStore, upload: Upload) -> dict[str, str]:
    """Of a resync's domains, those a resync issued after it decides whose file matched (being
    ingested, or done): the older one's lines there add nothing, or an older list ingested last
    would list again what the newer one dropped (review 185; its removals there are withheld
    already: review 128). A newer one still awaiting its file decides nothing yet: it may never
    come, and when it does its removals follow the older one's lines."""
    if upload.manifest.mode != "resync":
        return {}
    return superseded(uploads, upload, verified=True)


def newer_lists(taken: dict[str, str]) -> str:
    """``superseded``'s answer as a note says it: each domain and the newer resync's id."""
    return ", ".join(f"{domain} ({upload_id})" for domain, upload_id in sorted(taken.items()))


def withheld_where_newer(
    upload: Upload, taken: dict[str, str], now: datetime
) -> tuple[Upload, list[str]]:
    """The upload, withheld if newer resyncs decide every one of its domains; the domains it
    still decides."""
    left = [d for d in upload.manifest.domains if d not in taken]
    if taken and not left:
        note = f"{newer_lists(taken)}: left to resyncs issued after this one"
        upload = stamp(upload, now, removal="withheld", removal_note=note)
    return upload, left


def noted(upload: Upload, taken: dict[str, str]) -> Upload:
    """The upload saying, beside what else it says, which domains it left to newer resyncs
    (from when it found them: a run cut short may have removed there before — review 135)."""
    note = f"{newer_lists(taken)}: left to resyncs issued after this one"
    if not taken or note in upload.removal_note:
        return upload
    said = "; ".join(x for x in (upload.removal_note, note) if x)
    return upload.model_copy(update={"removal_note": said})
