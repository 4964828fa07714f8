"""The newer resync that decides is found however many resyncs of the region came between
(review 309): ``superseded`` read only the first 200 issued after the older one, so 200 refused
retries, or resyncs of other domains, hid the corrected list, and the older list ingested last
ended what the corrected one holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from gateway.intake import Upload, UploadManifest, UploadStatus
from gateway.intake.bulk import Refusal
from gateway.intake.resync_order import superseded

CITY = "230900"
START = datetime(2026, 11, 2, 8, tzinfo=UTC)


def _resync(n: int, domain: str, status: UploadStatus = UploadStatus.AWAITING_UPLOAD) -> Upload:
    manifest = UploadManifest(
        region=CITY,
        upload_id=f"u-{n:04d}",
        issued_at=START + timedelta(seconds=n),
        count=1,
        sha256="0" * 64,
        size=10,
        mode="resync",
        domains=(domain,),
    )
    refused = (
        Refusal(code="count_mismatch", message="the count") if status.value == "refused" else None
    )
    return Upload(
        manifest=manifest,
        key_id="k",
        object_key=f"uploads/{CITY}/u-{n:04d}.ndjson",
        status=status,
        refusal=refused,
        created_at=START,
        updated_at=START,
    )


class Resyncs:
    def __init__(self, held: list[Upload]) -> None:
        self.held = held

    def resyncs_after(self, upload: Upload) -> Iterator[Upload]:
        mine = (upload.manifest.issued_at, upload.manifest.upload_id)
        return (u for u in self.held if (u.manifest.issued_at, u.manifest.upload_id) > mine)


def test_a_newer_resync_behind_three_hundred_others_still_decides() -> None:
    older = _resync(0, "court_defaulter")
    between = [_resync(n, "food_drug") for n in range(1, 151)]
    between += [_resync(n, "court_defaulter", UploadStatus.REFUSED) for n in range(151, 301)]
    corrected = _resync(301, "court_defaulter")

    taken = superseded(Resyncs([*between, corrected]), older)  # type: ignore[arg-type]

    assert taken == {"court_defaulter": corrected.manifest.upload_id}
