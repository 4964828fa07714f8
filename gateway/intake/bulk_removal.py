"""Pass 3 of a resync: removing the listings its file no longer holds."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime

from gateway.intake.bulk import RESYNC_REMOVAL, Upload, stamp
from gateway.intake.bulk_batches import batches, resync_removal
from gateway.intake.file_check import FileCheck
from gateway.intake.ports import SourceIndex, UploadedFiles
from gateway.intake.storing import RACE_RETRIES, REMOVABLE
from gateway.lifecycle import as_on, remove
from gateway.national import domain_problem
from gateway.ownership import may_change
from gateway.ports import ListingStore
from gateway_client.contract import Clock, china_date

_REMOVALS_PER_BATCH = 100


class ResyncRemoval:
    def __init__(
        self, files: UploadedFiles, listings: ListingStore, index: SourceIndex, clock: Clock
    ) -> None:
        self._files = files
        self._listings = listings
        self._index = index
        self._clock = clock

    def apply(
        self,
        upload: Upload,
        check: FileCheck | None,
        save: Callable[[Upload], None],
        out_of_time: Callable[[], bool] = lambda: False,
        rules_now: Callable[[], tuple[bool, tuple[str, ...]]] | None = None,
        domains: Sequence[str] | None = None,
        stopped: Callable[[], bool] = lambda: False,
        decided_since: Callable[[], Collection[str]] = lambda: (),
    ) -> Upload:
        """Remove what the resync no longer holds — unless some lines were rejected: a listing
        on a rejected line would look absent, so nothing is removed then. Lines set aside (a
        period not in force today, a settled commitment) name their listing all the same, and
        do not hold removals back. The file is read again only when an earlier invocation did
        pass 1. The count is saved after each batch (``save``): a run cut short is resumed from
        it, and the listings it ended are out of the index by then (review 86 F2: a resumed
        resync said it removed 0). Each batch asks ``rules_now`` whether the region still
        relays for its subtree, and in which domains it may list (review 104 F1, 106 F4).
        Short of time after a batch (``out_of_time``), it stops there, the removal still
        ``pending``, for the next run to go on from (review 97 F3: a forced resync's every
        removal in one run could outlast the function). ``domains``: those of the manifest's it
        still decides (``resync_order``), all of them by default; before each batch,
        ``decided_since`` names those a resync issued after it decides now (review 305: one
        asked for during the removals stopped none of them until the run was over)."""
        now = self._clock.now()
        if upload.rejected > upload.set_aside:
            blocking = upload.rejected - upload.set_aside
            note = f"{blocking} lines were rejected; correct them and resync again"
            return stamp(upload, now, removal="withheld", removal_note=note)
        manifest = upload.manifest
        if check is None:
            check = FileCheck(collect_identities=True, region=manifest.region).run(
                self._files.read(upload.object_key, upload.version_id, 0)
            )
        absent = (
            (held.credit_code, held.listing_id)
            for held in self._index.held_by(manifest.region, domains or manifest.domains)
            if not check.holds(held)
        )
        removed, contended = upload.removed, 0  # what a run cut short had removed
        for keys in batches(absent, _REMOVALS_PER_BATCH):
            if stopped():  # the manifest's key revoked: no removal more, still pending
                return stamp(upload, now, removed=removed)
            rules = (
                rules_now() if rules_now else (upload.relays_subregions, upload.permitted_domains)
            )
            done, lost = self._remove_batch(upload, keys, now, rules, decided_since())
            removed, contended = removed + done, contended + lost
            save(stamp(upload, now, removed=removed))
            if out_of_time():
                return stamp(upload, now, removed=removed)
        note = (
            f"{contended} listings kept changing while being removed; resync again to remove them"
            if contended
            else ""
        )
        return stamp(upload, now, removal="applied", removed=removed, removal_note=note)

    def _remove_batch(
        self,
        upload: Upload,
        keys: Sequence[tuple[str, str]],
        now: datetime,
        rules: tuple[bool, tuple[str, ...]],
        decided_elsewhere: Collection[str] = (),
    ) -> tuple[int, int]:
        """(removed, still contended): a removal that loses a race is planned again against
        what won, like any write; one still losing after ``RACE_RETRIES`` is reported. Under
        the region's relay policy and domains as they are for this batch (``rules``):
        relaying turned off, or a source's domain taken from it, during a run ends no listing
        it no longer may change after it (review 104 F1, review 106 F4). None in a domain
        ``decided_elsewhere``, by a newer resync."""
        relays, domains = rules
        relays = relays and upload.counted_relays is not False  # never past what was counted
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
                owned = (
                    may_change(held.origin_region, manifest.region, relays)
                    and domain_problem(held.domain, manifest.region, domains) is None
                    and held.domain not in decided_elsewhere
                )
                ended = as_on(held, china_date(now)).status not in REMOVABLE  # as lookups say
                if owned and not ended and removal.version > held.version:
                    ended_now = remove(held, removal, manifest.region, now, RESYNC_REMOVAL)
                    writes.append((ended_now, held.version))
            written = self._listings.write(writes, None) if writes else set()
            removed += len(written)
            pending = [
                (x.credit_code, x.listing_id) for x, _ in writes if x.listing_id not in written
            ]
        return removed, len(pending)
