"""The steps of a bulk ingest, batch by batch (pass 2: ``ingest_batches``): parse and admit
lines, count a stored batch into the upload, the removal a resync makes of a listing its file no
longer holds."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import TypeVar

from gateway.intake.admission import admission_problems
from gateway.intake.bulk import (
    LineError,
    Upload,
    parse_line,
    resync_note,
    stamp,
    with_errors,
)
from gateway.intake.own_listings import Purged
from gateway.intake.storing import (
    LENGTHENED,
    RESTARTED,
    SETTLED,
    Stored,
    store,
)
from gateway.lifecycle import FUTURE_DATE, PERIOD_ENDED, RETENTION_YEARS, Removal, RemovalReason
from gateway.ownership import NOT_OWNER
from gateway.ports import ListingStore
from gateway.promotion import promote
from gateway_client.contract import (
    Clock,
    Line,
    Listing,
    china_date,
)

T = TypeVar("T")

LINES_PER_BATCH = 500
BATCHES_PER_CHECKPOINT = 10


@dataclass(frozen=True)
class ParsedBatch:
    """One batch of lines: what to store, and what was wrong with the rest."""

    lines: Sequence[Line]
    candidates: list[tuple[int, Listing]]
    errors: list[LineError]


def parse_batch(
    batch: Sequence[Line],
    region: str,
    relays: bool,
    now: datetime,
    tolerance: timedelta,
    domains: Sequence[str] = (),
    decided: Mapping[str, str] | None = None,
    retention_years: int = RETENTION_YEARS,
) -> ParsedBatch:
    """The batch's lines parsed and admitted; a line in a domain a newer resync ``decided``
    (its id by domain: ``resync_order.decided_by_newer``) set aside, storing nothing."""
    errors: list[LineError] = []
    candidates: list[tuple[int, Listing]] = []
    for line in batch:
        parsed = parse_line(line, china_date(now))
        if isinstance(parsed, list):
            errors += parsed
            continue
        newer = (decided or {}).get(parsed.domain)
        if newer is not None:
            message = f"{parsed.domain} is decided by resync {newer}, issued after this one"
            errors.append(
                LineError(line=line.number, field="domain", code=SUPERSEDED, message=message)
            )
            continue
        problems = admission_problems(
            parsed, region, relays, now, tolerance, domains, retention_years
        )
        if not problems:
            candidates.append((line.number, promote(parsed, region, now)))
        errors += [LineError(line=line.number, field=f, code=c, message=m) for f, c, m in problems]
    return ParsedBatch(batch, candidates, errors)


SUPERSEDED = "superseded_by_newer_resync"
SET_ASIDE = frozenset(
    {FUTURE_DATE, PERIOD_ENDED, SETTLED, SUPERSEDED, RESTARTED, LENGTHENED, NOT_OWNER}
)
"""Codes of lines that name their listing and are refused only for what it is today (its
period, its settled commitment), for a period it may not be given (the held one stands: review
258), or for a newer list: a resync still holds that listing; or that name another region's
listing, which no resync of this region removes (review 361: a city's court list overlapping
the national court source's withheld every removal of the city's)."""


def set_aside(errors: Sequence[LineError]) -> set[int]:
    """The lines whose every error is one of ``SET_ASIDE`` (in one pass: a block's lines may
    hold thousands of errors between them)."""
    lines = {error.line for error in errors}
    return lines - {error.line for error in errors if error.code not in SET_ASIDE}


@dataclass(frozen=True)
class InFlight:
    parsed: ParsedBatch
    stored: Future[Stored]

    def counted(self, upload: Upload, now: datetime) -> Upload:
        """The upload once this batch is stored (waits for the writer)."""
        stored, batch = self.stored.result(), self.parsed.lines
        refused = [
            LineError(line=r.index, field=r.field, code=r.code, message=r.message)
            for r in stored.refused
        ]
        errors = sorted(self.parsed.errors + refused, key=lambda error: error.line)
        return stamp(
            with_errors(
                upload,
                errors,
                lines=upload.lines + len(batch),
                accepted=upload.accepted + len(stored.accepted),
                duplicate=upload.duplicate + len(stored.duplicates),
                rejected=upload.rejected + len({error.line for error in errors}),
                set_aside=upload.set_aside + len(set_aside(errors)),
            ),
            now,
            offset=batch[-1].end,
            line=batch[-1].number,
        )


def ingest_batches(
    upload: Upload,
    lines: Iterable[Line],
    end: int,
    listings: ListingStore,
    purged: Purged,
    clock: Clock,
    tolerance: timedelta,
    out_of_time: Callable[[], bool],
    checkpoint: Callable[[Upload], None],
    rules_now: Callable[[], tuple[bool, tuple[str, ...]]],
    decided_now: Callable[[], Mapping[str, str]] | None = None,
    stopped: Callable[[], bool] = lambda: False,
    retention_years: int = RETENTION_YEARS,
) -> Upload:
    """Pass 2 of a bulk ingest: parse batch k+1 while batch k is stored (one writer thread, so
    batches still reach the store in file order and a later line dedups against an earlier
    one); the upload counted past what was stored, at ``end`` once every line is read. Each
    batch under the region's relay policy and domains as they are then (``rules_now``): an
    operator's change during a run applies to the lines not yet stored (review 104 F2); and
    in the domains a newer resync decides (``decided_now``), asked again every checkpoint: one
    verified during the run sets aside the lines after it (review 186) — not a read of the
    region's latest uploads for every batch of a ten-million-line file."""
    region = upload.manifest.region
    decided: Mapping[str, str] | None = None
    with ThreadPoolExecutor(max_workers=1) as writer:
        in_flight: InFlight | None = None
        for done, batch in enumerate(batches(lines, LINES_PER_BATCH), start=1):
            if stopped():  # refused now (its key revoked): no line more (``BulkIngest._revoked``)
                return in_flight.counted(upload, clock.now()) if in_flight else upload
            relays, domains = rules_now()
            if decided_now is not None and (done - 1) % BATCHES_PER_CHECKPOINT == 0:
                decided = decided_now()
            now = clock.now()
            parsed = parse_batch(
                batch, region, relays, now, tolerance, domains, decided, retention_years
            )
            if in_flight is not None:
                upload = in_flight.counted(upload, clock.now())
            candidates = parsed.candidates
            today = china_date(now)
            stored = writer.submit(
                store, listings, candidates, region, relays, purged, today, retention_years
            )
            in_flight = InFlight(parsed, stored)
            if out_of_time():
                return in_flight.counted(upload, clock.now())
            if done % BATCHES_PER_CHECKPOINT == 0:
                checkpoint(upload)
        if in_flight is not None:
            upload = in_flight.counted(upload, clock.now())
    # Everything up to the end is read: trailing blank lines end past the last entry.
    return upload.model_copy(update={"offset": end})


def resync_removal(listing: Listing, upload: Upload) -> Removal:
    removal = Removal(
        credit_code=listing.credit_code,
        kind=listing.kind,
        domain=listing.domain,
        deciding_authority=listing.deciding_authority,
        decision_number=listing.decision_number,
        reason=RemovalReason.REVOKED,
        source_updated_at=upload.manifest.issued_at,
    )
    # the gateway's words naming the upload, not a platform's note: not judged as one (an id
    # is whatever its pattern admits), and kept where the note is, withheld where masked
    return removal.model_copy(update={"note": resync_note(upload.manifest.upload_id)})


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
