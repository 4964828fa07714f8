"""BulkIngest against in-memory ports: counts, line-numbered errors, resync removals and their
safety catches, refused files, and an ingest cut short that resumes to the same result."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from builders import CITY, COUNTY, OTHER_COUNTY, RESIDENT_ID, make_signer, platform_key
from fakes import InMemoryListingStore, InMemoryRegistry
from pydantic import ValidationError

from gateway.intake import bulk_removal
from gateway.intake.bulk import (
    RESYNC_REMOVAL,
    Upload,
    UploadManifest,
    UploadStatus,
    upload_key,
)
from gateway.intake.bulk_batches import LINES_PER_BATCH
from gateway.intake.bulk_ingest import BulkIngest
from gateway.intake.bulk_ranges import RangeState, upload_level, with_ranges
from gateway.intake.bulk_terms import BulkPolicy, UploadBusy
from gateway.intake.push import MAX_REPORTED_ERRORS
from gateway.promotion import promote
from gateway.registry import Region
from gateway_client.contract import identity_of, person_listing_id
from gateway_client.contract.clock import FixedClock, china_date
from gateway_client.contract.listing import Listing, ListingEntry, ListingStatus
from infra.local.synthetic import entry

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ISSUED_AT = datetime(2026, 2, 1, tzinfo=UTC)
"""Synthetic entries of version ``v`` are updated at 2026-01-01 plus ``v`` minutes."""
NEWER = 60 * 24 * 45  # a version (in minutes) after ISSUED_AT
COURT, TAX = "court_defaulter", "major_tax_violation"
SIBLING_COUNTY = "441803"  # 清新区, beside COUNTY in CITY


# --- in-memory ports ---------------------------------------------------------------------------


class InMemoryUploads:
    """Upload records by (region, upload id), and a split upload's ranges beside them, kept as
    JSON like the DynamoDB table keeps them (``chalicelib.dynamodb.uploads``)."""

    def __init__(self) -> None:
        self.docs: dict[tuple[str, str], str] = {}
        self.range_docs: dict[tuple[str, str, int], str] = {}
        self.saves = 0
        self.leases: dict[tuple[str, str, int | None], tuple[str, datetime]] = {}

    def create(self, upload: Upload) -> Upload | None:
        key = (upload.manifest.region, upload.manifest.upload_id)
        if key in self.docs:
            return Upload.model_validate_json(self.docs[key])
        self.docs[key] = upload.model_dump_json()
        return None

    def get(self, region: str, upload_id: str) -> Upload | None:
        doc = self.docs.get((region, upload_id))
        if doc is None:
            return None
        upload = Upload.model_validate_json(doc)
        return with_ranges(upload, self.ranges(region, upload_id, upload.ranges))

    def save(self, upload: Upload) -> None:
        key = (upload.manifest.region, upload.manifest.upload_id)
        self.docs[key] = upload_level(upload).model_dump_json()
        self.saves += 1

    def resyncs_after(self, upload: Upload) -> Iterator[Upload]:
        mine = upload.manifest
        held = (Upload.model_validate_json(doc) for doc in self.docs.values())
        after = [
            x
            for x in held
            if x.manifest.region == mine.region
            and x.manifest.mode == "resync"
            and (x.manifest.issued_at, x.manifest.upload_id) > (mine.issued_at, mine.upload_id)
        ]
        return iter(sorted(after, key=lambda x: (x.manifest.issued_at, x.manifest.upload_id)))

    def save_if_awaiting(self, upload: Upload, now: datetime) -> bool:
        key = (upload.manifest.region, upload.manifest.upload_id)
        held = self.get(*key)
        leased = self.leases.get((*key, None))
        if held is None or held.status is not UploadStatus.AWAITING_UPLOAD:
            return False
        if leased is not None and leased[1] > now:
            return False
        self.save(upload)
        return True

    def save_ranges(self, region: str, upload_id: str, states: Sequence[RangeState]) -> None:
        for state in states:
            self.range_docs[(region, upload_id, state.index)] = state.model_dump_json()

    def ranges(self, region: str, upload_id: str, count: int) -> list[RangeState]:
        found = (self.range_docs.get((region, upload_id, i)) for i in range(count))
        return [RangeState.model_validate_json(doc) for doc in found if doc is not None]

    def lease(
        self,
        region: str,
        upload_id: str,
        owner: str,
        now: datetime,
        until: datetime,
        part: int | None = None,
    ) -> bool:
        held = self.leases.get((region, upload_id, part))
        if held is not None and held[1] >= now:
            return False
        self.leases[(region, upload_id, part)] = (owner, until)
        return True

    def release(self, region: str, upload_id: str, owner: str, part: int | None = None) -> None:
        if self.leases.get((region, upload_id, part), ("", None))[0] == owner:
            del self.leases[(region, upload_id, part)]


class InMemoryFiles:
    """A versioned bucket served in small chunks, so lines straddle chunk boundaries."""

    def __init__(self, chunk: int = 997) -> None:
        self.versions: dict[str, list[bytes]] = {}
        self.reads: list[tuple[str, str | None, int]] = []
        self._chunk = chunk

    def put(self, key: str, body: bytes) -> str:
        self.versions.setdefault(key, []).append(body)
        return f"v{len(self.versions[key])}"

    def read(self, key: str, version_id: str | None, start: int) -> Iterator[bytes]:
        self.reads.append((key, version_id, start))
        held = self.versions[key]
        body = held[-1] if version_id is None else held[int(version_id[1:]) - 1]
        for at in range(start, len(body), self._chunk):
            yield body[at : at + self._chunk]


# --- files and listings ------------------------------------------------------------------------


def row(i: int, version: int = 0, domain: str = COURT, region: str = CITY, **extra: Any) -> Any:
    return {**entry(region, i, version, domain), **extra}


def ndjson(rows: Sequence[Any], blank_every: int = 0) -> bytes:
    """One row a line; a str row is written as is (a broken line)."""
    lines: list[str] = []
    for at, item in enumerate(rows, start=1):
        lines.append(item if isinstance(item, str) else json.dumps(item, ensure_ascii=False))
        if blank_every and at % blank_every == 0:
            lines.append("  ")
    return ("\n".join(lines) + "\n").encode()


def listing_of(raw: dict[str, Any], region: str = CITY) -> Listing:
    made = promote(ListingEntry.model_validate(raw), region, NOW - timedelta(days=30))
    assert made is not None
    return made


def non_blank(content: bytes) -> int:
    return sum(1 for line in content.split(b"\n") if line.strip())


class Gateway:
    def __init__(self, threshold: float = 0.10) -> None:
        self.uploads = InMemoryUploads()
        self.files = InMemoryFiles()
        self.listings = InMemoryListingStore()
        self.clock = FixedClock(NOW)
        self.registry = InMemoryRegistry()
        self.ingest = BulkIngest(
            self.uploads,
            self.files,
            self.listings,
            self.listings,
            self.clock,
            self.registry,
            BulkPolicy(removal_threshold=threshold),
            purged=lambda ids: {},
        )

    def seed(self, *rows: dict[str, Any], region: str = CITY, relayed_by: str = "") -> None:
        """Listings the store held before the upload, published by ``region``."""
        made = [listing_of(raw, region) for raw in rows]
        assert self.listings.write([(x, None) for x in made], region) == {
            x.listing_id for x in made
        }
        if relayed_by:
            self.listings.add_provenance(
                [(x.credit_code, x.listing_id, x.origin_region) for x in made], relayed_by
            )

    def sign(self, content: bytes, upload_id: str = "u-1", region: str = CITY, **mode: Any) -> None:
        manifest = UploadManifest.model_validate(
            {
                "region": region,
                "upload_id": upload_id,
                "issued_at": ISSUED_AT,
                "count": non_blank(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "size": len(content),
                **mode,
            }
        )
        key_id = f"{region}-k1"
        if self.registry.get_region(region) is None:
            self.registry.put_region(Region(code=region, name=region))
        if self.registry.get_key(key_id) is None:
            self.registry.put_key(platform_key(make_signer(key_id), region))
        upload = Upload(
            manifest=manifest,
            key_id=key_id,
            object_key=upload_key(region, upload_id),
            created_at=self.clock.now(),
            updated_at=self.clock.now(),
        )
        assert self.uploads.create(upload) is None

    def put(self, content: bytes, upload_id: str = "u-1", region: str = CITY) -> str:
        return self.files.put(upload_key(region, upload_id), content)

    def process(
        self,
        upload_id: str = "u-1",
        version: str | None = None,
        region: str = CITY,
        out_of_time: Callable[[], bool] = lambda: False,
    ) -> Upload:
        done = self.ingest.process(region, upload_id, version, out_of_time)
        assert done is not None
        assert self.uploads.get(region, upload_id) == done  # what it returns is what it saved
        return done

    def run(self, content: bytes, upload_id: str = "u-1", **mode: Any) -> Upload:
        self.sign(content, upload_id, **mode)
        return self.process(upload_id, self.put(content, upload_id))

    def status(self, raw: dict[str, Any]) -> ListingStatus | None:
        held = self.listings.listings.get(listing_of(raw).listing_id)
        return None if held is None else held.status

    def snapshot(self) -> dict[str, Any]:
        return {
            # the salt is each version's random secret: two runs make the same listings
            "listings": {
                lid: x.model_dump(exclude={"id_salt"}) for lid, x in self.listings.listings.items()
            },
            "provenances": {lid: set(x) for lid, x in self.listings.provenances.items()},
        }


def resync(*domains: str, force: bool = False) -> dict[str, Any]:
    return {"mode": "resync", "domains": list(domains), "force": force}


def errors_of(upload: Upload) -> list[tuple[int, str, str]]:
    return [(error.line, error.field, error.code) for error in upload.errors]


def totals(upload: Upload) -> dict[str, Any]:
    return upload.model_dump(
        include={
            "status",
            "offset",
            "line",
            "lines",
            "accepted",
            "duplicate",
            "rejected",
            "removed",
            "removal",
            "removal_note",
            "errors",
            "errors_truncated",
            "refusal",
        }
    )


# --- delta uploads -----------------------------------------------------------------------------


def test_no_manifest_no_ingest() -> None:
    gateway = Gateway()
    assert gateway.ingest.process(CITY, "u-unknown", None) is None


def test_a_duplicate_notification_during_an_ingest_is_refused_and_later_sees_it_done() -> None:
    content = ndjson([row(i) for i in range(1, 4)])
    gateway = Gateway()
    gateway.sign(content)
    version = gateway.put(content)
    assert gateway.uploads.lease(CITY, "u-1", "the-first-run", NOW, NOW + timedelta(minutes=16))

    with pytest.raises(UploadBusy):
        gateway.ingest.process(CITY, "u-1", version)
    gateway.uploads.release(CITY, "u-1", "the-first-run")
    done = gateway.process("u-1", version)
    again = gateway.process("u-1", version)

    assert (done.status, done.accepted) == (UploadStatus.COMPLETED, 3)
    assert again == done
    assert gateway.uploads.leases == {}


def test_a_crashed_runs_lease_runs_out() -> None:
    content = ndjson([row(1)])
    gateway = Gateway()
    gateway.sign(content)
    version = gateway.put(content)
    gateway.uploads.lease(
        CITY, "u-1", "crashed", NOW - timedelta(hours=1), NOW - timedelta(seconds=1)
    )

    assert gateway.process("u-1", version).status is UploadStatus.COMPLETED


def test_a_delta_upload_counts_accepted_duplicate_and_rejected_lines() -> None:
    rows = [row(i) for i in range(1, 11)]
    broken = {**row(11), "credit_code": "123"}
    content = ndjson([*rows[:5], "{not json", *rows[5:], rows[0], broken], blank_every=4)

    gateway = Gateway()
    upload = gateway.run(content)

    assert upload.status is UploadStatus.COMPLETED
    assert (upload.lines, upload.accepted, upload.duplicate, upload.rejected) == (13, 10, 1, 2)
    assert (upload.offset, upload.removal, upload.refusal) == (len(content), "not_requested", None)
    # blank lines are numbered: every fourth row is followed by one
    assert errors_of(upload) == [
        (7, "", "malformed_json"),
        (16, "credit_code", "invalid_credit_code"),
    ]
    assert not upload.errors_truncated
    held = gateway.listings
    assert len(held.listings) == 10
    assert all(held.provenances[lid] == {CITY} for lid in held.listings)
    assert all(x.status is ListingStatus.ACTIVE for x in held.listings.values())


def test_the_same_file_again_is_all_duplicates() -> None:
    gateway = Gateway()
    content = ndjson([row(i) for i in range(1, 21)])
    gateway.run(content, "u-1")
    before = gateway.snapshot()

    again = gateway.run(content, "u-2")

    assert (again.status, again.accepted, again.duplicate, again.rejected) == (
        UploadStatus.COMPLETED,
        0,
        20,
        0,
    )
    assert gateway.snapshot() == before


def test_a_newer_version_in_a_later_file_is_accepted_as_an_update() -> None:
    gateway = Gateway()
    gateway.run(ndjson([row(1), row(2)]), "u-1")
    later = gateway.run(ndjson([row(1, version=5), row(2)]), "u-2")
    assert (later.accepted, later.duplicate) == (1, 1)
    assert gateway.listings.listings[listing_of(row(1)).listing_id].version == (
        listing_of(row(1, version=5)).version
    )


def test_errors_are_capped_but_the_rejected_count_stays_exact() -> None:
    bad = [{**row(i), "domain": "nope", "reason": ""} for i in range(1, 611)]  # two errors each
    content = ndjson([row(1000), *bad, row(1001)])

    upload = Gateway().run(content)

    assert len(upload.errors) == MAX_REPORTED_ERRORS
    assert upload.errors_truncated
    assert (upload.lines, upload.accepted, upload.rejected) == (612, 2, 610)
    assert errors_of(upload)[:3] == [
        (2, "domain", "unknown_domain"),
        (2, "reason", "invalid_length"),
        (3, "domain", "unknown_domain"),
    ]
    assert upload.errors[-1].line == 1 + MAX_REPORTED_ERRORS // 2


def test_errors_up_to_the_cap_are_not_truncated() -> None:
    bad = ["{" for _ in range(MAX_REPORTED_ERRORS)]
    upload = Gateway().run(ndjson([*bad, row(1)]))
    assert (len(upload.errors), upload.errors_truncated) == (MAX_REPORTED_ERRORS, False)
    assert (upload.rejected, upload.accepted) == (MAX_REPORTED_ERRORS, 1)


def test_an_origin_outside_the_subtree_is_not_permitted() -> None:
    gateway = Gateway()
    content = ndjson(
        [
            row(1, origin_region=OTHER_COUNTY),
            row(2, origin_region=COUNTY),
            row(3),
        ]
    )

    upload = gateway.run(content)

    assert (upload.accepted, upload.rejected) == (2, 1)
    assert errors_of(upload) == [(1, "origin_region", "region_not_permitted")]
    assert OTHER_COUNTY in upload.errors[0].message
    origins = {x.origin_region for x in gateway.listings.listings.values()}
    assert origins == {COUNTY, CITY}


# --- refused and re-uploaded files -------------------------------------------------------------


def test_a_file_differing_from_its_manifest_is_refused_and_the_right_one_proceeds() -> None:
    gateway = Gateway()
    content = ndjson([row(i) for i in range(1, 6)])
    gateway.sign(content)
    wrong = gateway.put(ndjson([row(i) for i in range(1, 7)]))

    refused = gateway.process(version=wrong)

    assert refused.status is UploadStatus.REFUSED
    assert refused.refusal is not None
    assert refused.refusal.code == "upload_mismatch"
    assert refused.refusal.details["uploaded"]["count"] == 6
    assert (refused.lines, refused.accepted) == (0, 0)
    assert gateway.listings.listings == {}

    right = gateway.put(content)
    done = gateway.process(version=right)

    assert (done.status, done.refusal, done.version_id) == (UploadStatus.COMPLETED, None, right)
    assert (done.lines, done.accepted) == (5, 5)
    assert len(gateway.listings.listings) == 5


def test_a_finished_upload_is_not_ingested_again() -> None:
    gateway = Gateway()
    content = ndjson([row(1)])
    first = gateway.run(content)
    reads = len(gateway.files.reads)

    again = gateway.process(version="v1")

    assert again == first
    assert len(gateway.files.reads) == reads


# --- resync ------------------------------------------------------------------------------------


def test_a_resync_removes_what_the_region_no_longer_lists_in_the_named_domains_only() -> None:
    gateway = Gateway()
    court = [row(i, domain=COURT) for i in range(1, 31)]
    relayed = row(31, domain=COURT, origin_region=COUNTY)
    tax = [row(i, domain=TAX) for i in range(30, 35)]
    newer = row(40, version=NEWER, domain=COURT)
    others = [row(i, domain=COURT, region=OTHER_COUNTY) for i in range(50, 55)]
    county_own = row(60, domain=COURT, origin_region=COUNTY)
    gateway.seed(*court, *tax, newer)
    gateway.seed(relayed, region=COUNTY, relayed_by=CITY)
    gateway.seed(*others, region=OTHER_COUNTY)
    gateway.seed(county_own, region=COUNTY)
    # held by the city in court_defaulter: 30 + relayed + newer = 32; absent: 3 → under 10 %
    kept = court[1:]

    upload = gateway.run(ndjson(kept), **resync(COURT))

    assert upload.status is UploadStatus.COMPLETED
    assert (upload.accepted, upload.duplicate, upload.rejected) == (0, 29, 0)
    assert (upload.removal, upload.removed) == ("applied", 2)
    assert gateway.status(court[0]) is ListingStatus.REVOKED
    assert gateway.status(relayed) is ListingStatus.REVOKED
    assert gateway.status(newer) is ListingStatus.ACTIVE  # updated after the file was issued
    for untouched in (*kept, *tax, county_own):
        assert gateway.status(untouched) is ListingStatus.ACTIVE
    for untouched in others:
        assert gateway.status(untouched) is ListingStatus.ACTIVE

    gone = gateway.listings.listings[listing_of(court[0]).listing_id]
    assert gone.history[-1].event == "removed"
    assert gone.history[-1].by == CITY
    assert gone.history[-1].reason == f"removed: revoked — {RESYNC_REMOVAL}"
    assert gone.history[-1].note == "upload u-1"  # withheld where masked (review 249)
    assert gateway.listings.provenances[gone.listing_id] == {CITY}


def test_a_relay_s_resync_ends_a_county_s_person_listing_its_file_names_for_another() -> None:
    """A person's listing stored under its decision's id from before is held by a line of its
    own county only: the relay's file naming the decision for a sibling county does not keep it
    (review 179 F5: the decision's fingerprint did, whichever county the line was of)."""
    gateway = Gateway()
    court = [row(i) for i in range(1, 21)]
    person = row(30, credit_code=RESIDENT_ID)
    gateway.seed(*court)
    old = listing_of({**person, "origin_region": SIBLING_COUNTY}, SIBLING_COUNTY)
    old = old.model_copy(update={"listing_id": identity_of(old)})  # as stored before
    assert gateway.listings.write([(old, None)], SIBLING_COUNTY) == {old.listing_id}
    gateway.listings.add_provenance([(RESIDENT_ID, old.listing_id, SIBLING_COUNTY)], CITY)

    upload = gateway.run(ndjson([*court, {**person, "origin_region": COUNTY}]), **resync(COURT))

    assert (upload.accepted, upload.removal, upload.removed) == (1, "applied", 1)
    assert gateway.listings.listings[old.listing_id].status is ListingStatus.REVOKED
    mine = person_listing_id(old.listing_id, COUNTY)
    assert gateway.listings.listings[mine].status is ListingStatus.ACTIVE


def test_a_resync_removing_exactly_ten_percent_proceeds() -> None:
    gateway = Gateway()
    held = [row(i) for i in range(1, 11)]
    gateway.seed(*held)

    upload = gateway.run(ndjson(held[1:]), **resync(COURT))

    assert (upload.status, upload.removal, upload.removed) == (
        UploadStatus.COMPLETED,
        "applied",
        1,
    )


def test_a_refused_resync_says_its_rejected_lines_and_that_force_is_no_remedy_for_them() -> None:
    gateway = Gateway()
    held = [row(i) for i in range(1, 11)]
    gateway.seed(*held)
    before = gateway.snapshot()
    broken = [{**r, "credit_code": "123"} for r in held[:3]]  # held listings, on bad lines

    upload = gateway.run(ndjson([*broken, *held[3:]]), **resync(COURT))

    assert upload.refusal is not None
    assert upload.refusal.code == "resync_threshold_exceeded"
    assert upload.refusal.details == {
        "would_remove": 3,
        "held": 10,
        "threshold": 0.10,
        "rejected_lines": 3,
    }
    assert "3 of its lines are rejected" in upload.refusal.message
    assert "removes nothing, forced or not" in upload.refusal.message
    assert gateway.snapshot() == before


def test_a_resync_removing_too_much_is_refused_and_writes_nothing() -> None:
    gateway = Gateway()
    held = [row(i) for i in range(1, 21)]
    gateway.seed(*held)
    before = gateway.snapshot()
    content = ndjson([*(row(i, version=3) for i in range(1, 18)), row(99)])

    upload = gateway.run(content, **resync(COURT))

    assert upload.status is UploadStatus.REFUSED
    assert upload.refusal is not None
    assert upload.refusal.code == "resync_threshold_exceeded"
    assert upload.refusal.details == {"would_remove": 3, "held": 20, "threshold": 0.10}
    assert (upload.lines, upload.accepted, upload.removed) == (0, 0, 0)
    assert gateway.snapshot() == before
    assert gateway.process(version="v1").status is UploadStatus.REFUSED  # and stays refused
    assert gateway.snapshot() == before


def test_a_forced_resync_removes_everything_absent() -> None:
    gateway = Gateway()
    held = [row(i) for i in range(1, 21)]
    gateway.seed(*held)

    upload = gateway.run(ndjson([row(1), row(99)]), **resync(COURT, force=True))

    assert (upload.status, upload.accepted, upload.duplicate) == (UploadStatus.COMPLETED, 1, 1)
    assert (upload.removal, upload.removed) == ("applied", 19)
    assert gateway.status(row(1)) is ListingStatus.ACTIVE
    assert gateway.status(row(99)) is ListingStatus.ACTIVE
    assert all(gateway.status(raw) is ListingStatus.REVOKED for raw in held[1:])


def test_a_forced_resync_of_an_empty_file_empties_its_domains_list() -> None:
    """The complete list may be none (review 97 F2): forced, as it removes everything."""
    gateway = Gateway()
    held = [row(i) for i in range(1, 4)]
    other = row(9, domain="food_drug")
    gateway.seed(*held, other)

    upload = gateway.run(b"\n", **resync(COURT, force=True))  # blank lines are no entries

    assert (upload.status, upload.lines, upload.removal, upload.removed) == (
        UploadStatus.COMPLETED,
        0,
        "applied",
        3,
    )
    assert all(gateway.status(raw) is ListingStatus.REVOKED for raw in held)
    assert gateway.status(other) is ListingStatus.ACTIVE


@pytest.mark.parametrize(
    "mode",
    [{}, resync(COURT), {"mode": "check", "purpose": "supervision"}],
    ids=["delta", "unforced resync", "check"],
)
def test_an_empty_file_is_only_a_forced_resync(mode: dict[str, Any]) -> None:
    manifest = {
        "region": CITY,
        "upload_id": "u-1",
        "issued_at": ISSUED_AT,
        "count": 0,
        "sha256": hashlib.sha256(b"").hexdigest(),
        "size": 0,
        **mode,
    }
    with pytest.raises(ValidationError) as refused:
        UploadManifest.model_validate(manifest)
    assert [e["ctx"]["field"] for e in refused.value.errors()] == ["count"]


def test_a_resync_short_of_time_stops_between_its_removal_batches_and_goes_on_next_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every removal in one run could outlast the function, then the message would come back
    to start again, and again, until dead-lettered with the upload stuck (review 97 F3)."""
    monkeypatch.setattr(bulk_removal, "_REMOVALS_PER_BATCH", 2)
    gateway = Gateway()
    held = [row(i) for i in range(1, 8)]
    gateway.seed(*held)
    content = ndjson(held[:1])
    gateway.sign(content, **resync(COURT, force=True))
    version = gateway.put(content)

    first = gateway.process(version=version, out_of_time=lambda: True)
    assert (first.status, first.removal, first.removed) == (UploadStatus.INGESTING, "pending", 2)
    assert not first.finished

    last = gateway.process(version=version)
    assert (last.status, last.removal, last.removed) == (UploadStatus.COMPLETED, "applied", 6)
    assert all(gateway.status(raw) is ListingStatus.REVOKED for raw in held[1:])


def test_a_resync_with_a_rejected_line_withholds_every_removal() -> None:
    gateway = Gateway()
    held = [row(i) for i in range(1, 21)]
    gateway.seed(*held)
    before = gateway.snapshot()
    content = ndjson([*held[:19], {**held[19], "reason": ""}])  # the 20th line is rejected

    upload = gateway.run(content, **resync(COURT))

    assert upload.status is UploadStatus.COMPLETED
    assert (upload.duplicate, upload.rejected, upload.removed) == (19, 1, 0)
    assert upload.removal == "withheld"
    assert "1 lines were rejected" in upload.removal_note
    assert gateway.status(held[19]) is ListingStatus.ACTIVE
    assert gateway.snapshot() == before


def test_a_resync_removes_suspended_listings_too_but_not_removed_ones() -> None:
    gateway = Gateway()
    held = [row(i) for i in range(1, 21)]
    gateway.seed(*held)
    store = gateway.listings.listings
    for raw, status in ((held[0], ListingStatus.SUSPENDED), (held[1], ListingStatus.REPAIRED)):
        lid = listing_of(raw).listing_id
        store[lid] = store[lid].model_copy(update={"status": status})

    upload = gateway.run(ndjson(held[2:]), **resync(COURT))

    assert (upload.removal, upload.removed) == ("applied", 1)
    assert gateway.status(held[0]) is ListingStatus.REVOKED
    assert gateway.status(held[1]) is ListingStatus.REPAIRED


# --- resumption --------------------------------------------------------------------------------


def mixed_file(count: int) -> bytes:
    rows: list[Any] = []
    for i in range(1, count + 1):
        if i % 97 == 0:
            rows.append("{broken")
        elif i % 89 == 0:
            rows.append(row(i - 1))  # a duplicate of the line before
        else:
            rows.append(row(i))
    return ndjson(rows, blank_every=50)


def line_ending(content: bytes, nth: int) -> tuple[int, int]:
    """(line number, end offset) of the ``nth`` non-blank line."""
    seen, offset = 0, 0
    for number, raw in enumerate(content.split(b"\n"), start=1):
        offset += len(raw) + 1
        seen += bool(raw.strip())
        if seen == nth:
            return number, offset
    raise AssertionError(nth)


def test_an_ingest_cut_short_resumes_to_the_result_of_an_uninterrupted_one() -> None:
    content = mixed_file(2 * LINES_PER_BATCH + 234)
    whole = Gateway()
    expected = whole.run(content)
    assert expected.status is UploadStatus.COMPLETED

    gateway = Gateway()
    gateway.sign(content)
    version = gateway.put(content)
    cut = gateway.process(version=version, out_of_time=lambda: True)

    assert cut.status is UploadStatus.INGESTING
    assert (cut.line, cut.offset) == line_ending(content, LINES_PER_BATCH)
    assert cut.lines == LINES_PER_BATCH
    assert 0 < cut.offset < len(content)

    done = gateway.process(version=version)

    assert totals(done) == totals(expected)
    assert gateway.snapshot() == whole.snapshot()
    assert gateway.files.reads[-1] == (upload_key(CITY, "u-1"), version, cut.offset)


def test_an_ingest_resumed_batch_by_batch_reaches_the_same_result() -> None:
    content = mixed_file(3 * LINES_PER_BATCH + 1)
    expected = Gateway().run(content)

    gateway = Gateway()
    gateway.sign(content)
    version = gateway.put(content)
    calls = 0
    upload = gateway.process(version=version, out_of_time=lambda: True)
    while upload.status is UploadStatus.INGESTING:
        calls += 1
        assert calls <= 5
        upload = gateway.process(version=version, out_of_time=lambda: True)

    assert calls == 3
    assert totals(upload) == totals(expected)


def test_a_resync_cut_short_removes_the_same_listings_when_resumed() -> None:
    held = [row(i) for i in range(1, 2 * LINES_PER_BATCH + 101)]
    content = ndjson([r for at, r in enumerate(held) if at % 20])  # 5 % absent
    whole = Gateway()
    whole.seed(*held)
    expected = whole.run(content, **resync(COURT))
    assert (expected.removal, expected.removed) == ("applied", len(held) // 20)

    gateway = Gateway()
    gateway.seed(*held)
    gateway.sign(content, **resync(COURT))
    version = gateway.put(content)
    cut = gateway.process(version=version, out_of_time=lambda: True)
    assert (cut.status, cut.removal, cut.removed) == (UploadStatus.INGESTING, "pending", 0)

    done = gateway.process(version=version)

    assert totals(done) == totals(expected)
    assert gateway.snapshot() == whole.snapshot()


# --- files ending in blank lines ---------------------------------------------------------------


@pytest.mark.parametrize("tail", [b"\n", b"  \n", b"\r\n\r\n", b"   "], ids=repr)
def test_a_file_ending_in_blank_lines_completes(tail: bytes) -> None:
    gateway = Gateway()
    content = ndjson([row(1), row(2)]) + tail

    upload = gateway.run(content)
    if upload.status is UploadStatus.INGESTING:  # what a continuation message would do
        upload = gateway.process(version="v1")

    assert upload.status is UploadStatus.COMPLETED
    assert (upload.lines, upload.accepted) == (2, 2)


def test_a_resync_ending_in_a_blank_line_applies_its_removals() -> None:
    gateway = Gateway()
    held = [row(i) for i in range(1, 11)]
    gateway.seed(*held)

    upload = gateway.run(ndjson(held[1:]) + b"\n", **resync(COURT))

    assert (upload.status, upload.removal, upload.removed) == (
        UploadStatus.COMPLETED,
        "applied",
        1,
    )


# --- ownership and the clock, line by line ---------------------------------------------------


def test_a_line_for_another_regions_listing_is_refused_and_changes_nothing() -> None:
    gateway = Gateway()
    gateway.seed(row(1), region=OTHER_COUNTY)  # 大冶市 listed it
    before = gateway.snapshot()

    upload = gateway.run(ndjson([row(1, version=NEWER - 1, origin_region=CITY), row(2)]))

    assert (upload.accepted, upload.rejected) == (1, 1)
    assert errors_of(upload) == [(1, "credit_code", "not_listing_owner")]
    assert (
        gateway.snapshot()["listings"][listing_of(row(1)).listing_id]
        == (before["listings"][listing_of(row(1)).listing_id])
    )
    assert gateway.snapshot()["provenances"][listing_of(row(1)).listing_id] == {OTHER_COUNTY}


def test_a_resync_never_removes_another_regions_listing_even_with_its_provenance() -> None:
    gateway = Gateway()
    gateway.seed(row(1), row(2), region=OTHER_COUNTY, relayed_by=CITY)  # a foreign tag, pre-fix
    gateway.seed(*(row(i) for i in range(3, 40)))

    upload = gateway.run(ndjson([row(i) for i in range(3, 40)]), **resync(COURT, force=True))

    assert upload.removed == 0
    assert {gateway.status(row(1)), gateway.status(row(2))} == {ListingStatus.ACTIVE}


def test_a_line_stamped_in_the_future_is_refused() -> None:
    gateway = Gateway()
    ahead = (NOW + timedelta(days=30) - datetime(2026, 1, 1, tzinfo=UTC)).total_seconds() // 60

    upload = gateway.run(ndjson([row(1, version=int(ahead)), row(2)]))

    assert errors_of(upload) == [(1, "source_updated_at", "future_version")]
    assert gateway.status(row(1)) is None


def test_an_upload_whose_key_was_revoked_meanwhile_is_refused_and_writes_nothing() -> None:
    gateway = Gateway()
    content = ndjson([row(1), row(2)])
    gateway.sign(content)
    version = gateway.put(content)
    held = gateway.registry.get_key(f"{CITY}-k1")
    assert held is not None
    gateway.registry.put_key(held.model_copy(update={"valid_until": NOW - timedelta(minutes=1)}))

    upload = gateway.process("u-1", version)

    assert (upload.status, upload.refusal and upload.refusal.code) == ("refused", "key_revoked")
    assert gateway.listings.listings == {}


def test_a_resumed_upload_stops_once_its_key_is_revoked() -> None:
    gateway = Gateway()
    content = ndjson([row(i) for i in range(1, 1201)])
    gateway.sign(content)
    version = gateway.put(content)
    first = gateway.process("u-1", version, out_of_time=lambda: True)
    held = gateway.registry.get_key(f"{CITY}-k1")
    assert held is not None
    gateway.registry.put_key(held.model_copy(update={"valid_until": NOW - timedelta(minutes=1)}))

    resumed = gateway.process("u-1", version)

    assert first.status == "ingesting"
    assert (resumed.status, resumed.accepted) == ("refused", first.accepted)
    assert len(gateway.listings.listings) == first.accepted


class _RemovalOvertaken(InMemoryListingStore):
    """A removal's write loses to an update of the listing landing first (``times`` times)."""

    times = 1
    lost: dict[str, int]

    def write(self, writes: Sequence[tuple[Listing, str | None]], region: str | None) -> set[str]:
        self.__dict__.setdefault("lost", {})
        losing = [
            x
            for x, _ in writes
            if x.status is not ListingStatus.ACTIVE and self.lost.get(x.listing_id, 0) < self.times
        ]
        for listing in losing:
            self.lost[listing.listing_id] = self.lost.get(listing.listing_id, 0) + 1
            held = self.listings[listing.listing_id]
            update = held.model_copy(update={"version": held.version + "0"})
            super().write([(update, held.version)], None)
        return super().write([(x, v) for x, v in writes if x not in losing], region)


@pytest.mark.parametrize(("times", "removed"), [(1, 1), (99, 0)])
def test_a_resync_removal_that_loses_a_race_is_planned_again_or_reported(
    times: int, removed: int
) -> None:
    gateway = Gateway()
    gateway.seed(*(row(i) for i in range(1, 21)))
    gateway.listings.__class__ = _RemovalOvertaken
    _RemovalOvertaken.times = times

    upload = gateway.run(ndjson([row(i) for i in range(2, 21)]), **resync(COURT))

    assert (upload.removal, upload.removed) == ("applied", removed)
    assert ("kept changing" in upload.removal_note) is (removed == 0)


def test_a_resync_leaves_a_listing_whose_period_ended_today_to_the_tick() -> None:
    """From its end day it reads as expired (``as_on``) whether or not the tick has run: a
    resync revokes it no more than it revokes one the tick expired (review 124)."""
    gateway = Gateway()
    held = [row(i) for i in range(1, 21)]
    gateway.seed(*held)
    store = gateway.listings.listings
    ended = listing_of(held[0]).listing_id
    store[ended] = store[ended].model_copy(update={"valid_until": china_date(NOW)})

    upload = gateway.run(ndjson(held[2:]), **resync(COURT))

    assert (upload.removal, upload.removed) == ("applied", 1)
    assert gateway.status(held[0]) is ListingStatus.ACTIVE  # as stored, till the tick runs
    assert gateway.status(held[1]) is ListingStatus.REVOKED
