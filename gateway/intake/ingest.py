"""The push pipeline: size → signature → archive → envelope → idempotency → entries → dedup."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gateway.authentication import authenticate
from gateway.intake.admission import admission_problems, named_origin_problem
from gateway.intake.own_listings import Purged, removal_ids
from gateway.intake.ports import BatchLedger
from gateway.intake.push import (
    BATCH_ID_RE,
    EntryOutcome,
    Outcome,
    PushEnvelope,
    PushResult,
    parse_envelope,
    reported,
    validate_entries,
)
from gateway.intake.removal_batch import Judged, judge, outcome_of, removal_error
from gateway.intake.storing import (
    CONTENDED,
    RACE_RETRIES,
    Storing,
    WritesAfter,
    store,
)
from gateway.lifecycle import (
    FUTURE_VERSION,
    RETENTION_YEARS,
    FutureVersion,
    Removal,
    validate_removals,
    version_problem,
)
from gateway.national import domain_problem
from gateway.ports import Archive, ListingStore, Registry
from gateway.promotion import promote
from gateway.rate_limit import RateCounter
from gateway.registry import Region
from gateway.validation import EntryError, Section
from gateway_client.contract import (
    DEFAULT_TOLERANCE,
    BadRequest,
    Clock,
    Listing,
    PayloadTooLarge,
    RegionMismatch,
    china_date,
    load_catalogue,
)


@dataclass(frozen=True)
class PushPolicy:
    max_body_bytes: int = 5 * 1024 * 1024
    tolerance: timedelta = DEFAULT_TOLERANCE
    retention_years: int = RETENTION_YEARS  # a person's commitment settled before: refused
    batch_lease: timedelta = timedelta(minutes=2)
    push_rate_per_minute: int = 600


def archive_key(region: str, received_at: datetime, batch_id: str, body_sha256: str) -> str:
    return f"pushes/{region}/{received_at:%Y/%m/%d}/{batch_id}.{body_sha256}.json"


class PushService:
    def __init__(
        self,
        registry: Registry,
        archive: Archive,
        batches: BatchLedger,
        listings: ListingStore,
        clock: Clock,
        policy: PushPolicy = PushPolicy(),
        rates: RateCounter | None = None,
        *,
        purged: Purged,
    ) -> None:
        self._purged = purged
        self._rates = rates
        self._registry = registry
        self._archive = archive
        self._batches = batches
        self._listings = listings
        self._clock = clock
        self._policy = policy

    def push(self, headers: Mapping[str, str], body: bytes) -> PushResult:
        """Run one signed push; a replayed batch id returns the first result unchanged."""
        limit = self._policy.max_body_bytes
        if len(body) > limit:
            raise PayloadTooLarge(f"the body has {len(body)} bytes, over {limit}", limit=limit)
        now = self._clock.now()
        auth = authenticate(self._registry, headers, body, now, self._policy.tolerance)
        if self._rates is not None:
            auth.rate_limit(self._rates, now, self._policy.push_rate_per_minute)
        region, batch_id = auth.key.region, auth.signed.msg_id
        if not BATCH_ID_RE.fullmatch(batch_id):
            raise BadRequest("webhook-id is not a valid batch id", path="webhook-id")
        envelope = parse_envelope(body)
        if envelope.batch_id != batch_id:
            raise BadRequest("batch_id differs from the webhook-id header", path="batch_id")
        if envelope.region != region:
            raise RegionMismatch(
                f"key {auth.key.key_id} belongs to {region}, not {envelope.region}", path="region"
            )
        # As for an upload manifest (``gateway.intake.uploads``): a batch dated ahead of the
        # clock is refused whole, before it is claimed or archived.
        late = version_problem(envelope.issued_at, now, self._policy.tolerance, "issued_at")
        if late is not None:
            raise FutureVersion(late, path="issued_at")
        digest = hashlib.sha256(body).hexdigest()
        earlier = self._batches.claim(region, batch_id, digest, now, self._policy.batch_lease)
        if earlier is not None:
            return earlier
        # Archived once the batch is ours: a refused or replayed batch cannot touch the evidence
        # of the accepted one (the key names the body's hash, and the archive is write-once).
        # The entries are validated and their listings read meanwhile; every listing write
        # waits for the archive (``WritesAfter``), so nothing is stored without its evidence.
        with ThreadPoolExecutor(max_workers=1) as archiving:
            archived = archiving.submit(
                self._archive.put,
                archive_key(region, now, batch_id, digest),
                body,
                {"key-id": auth.key.key_id, "region": region},
            )
            result = self._ingest(
                envelope, now, auth.region, WritesAfter(self._listings, archived.result)
            )
            archived.result()  # a push that writes nothing is still archived, or fails
        self._batches.finish(region, batch_id, result)
        return result

    def _ingest(
        self, envelope: PushEnvelope, now: datetime, platform: Region, listings: Storing
    ) -> PushResult:
        region, relays = envelope.region, platform.relays_subregions
        valid, errors = validate_entries(envelope.entries, china_date(now))
        candidates: list[tuple[int, Listing]] = []
        for index, entry in valid:
            problems = admission_problems(
                entry,
                region,
                relays,
                now,
                self._policy.tolerance,
                platform.domains,
                self._policy.retention_years,
            )
            if not problems:
                candidates.append((index, promote(entry, region, now)))
            errors += [EntryError(index=index, field=f, code=c, message=m) for f, c, m in problems]
        stored = store(
            listings,
            candidates,
            region,
            relays,
            self._purged,
            china_date(now),
            self._policy.retention_years,
        )
        errors += [
            EntryError(index=r.index, field=r.field, code=r.code, message=r.message)
            for r in stored.refused
        ]
        outcomes = [_outcome(i, x, "accepted") for i, x in stored.accepted]
        outcomes += [_outcome(i, x, "duplicate") for i, x in stored.duplicates]
        removal_outcomes, removal_errors = self._remove(
            envelope.removals, region, relays, now, listings, platform.domains
        )
        outcomes += removal_outcomes
        errors += removal_errors
        outcomes.sort(key=lambda outcome: (outcome.list, outcome.index))
        counts = Counter(outcome.outcome for outcome in outcomes)
        errors.sort(key=lambda error: (error.list, error.index))
        listed, truncated = reported((), errors)
        return PushResult(
            batch_id=envelope.batch_id,
            region=region,
            received_at=now,
            accepted=counts["accepted"],
            duplicate=counts["duplicate"],
            removed=counts["removed"],
            rejected=len({(error.list, error.index) for error in errors}),
            outcomes=tuple(outcomes),
            errors=listed,
            errors_truncated=truncated,
        )

    def _remove(
        self,
        raw: list[Any],
        region: str,
        relays: bool,
        now: datetime,
        listings: Storing,
        domains: Sequence[str],
    ) -> tuple[list[EntryOutcome], list[EntryError]]:
        """移出: the owner (or a relaying ancestor) ends a listing; history stays with it. A
        national source acts only in the domains it may list in now (``domains``), as for its
        entries: a domain taken from it takes its listings there out of its hands."""
        valid, errors = validate_removals(raw, china_date(now))
        for index, removal in list(valid):
            late = version_problem(removal.source_updated_at, now, self._policy.tolerance)
            # a domain the catalogue lacks is a typo, answered at it whoever sends it (367)
            catalogued = load_catalogue().domain(removal.domain) is not None
            refused = domain_problem(removal.domain, region, domains) if catalogued else None
            origin = named_origin_problem(removal.origin_region, region, relays)
            if origin is not None:
                valid.remove((index, removal))
                errors.append(removal_error(index, *origin, "origin_region"))
            elif late is not None:
                valid.remove((index, removal))
                errors.append(removal_error(index, FUTURE_VERSION, late, "source_updated_at"))
            elif refused is not None:
                valid.remove((index, removal))
                errors.append(removal_error(index, *refused, "domain"))
        outcomes: list[EntryOutcome] = []
        pending, lost = valid, list[Judged]()
        ids = removal_ids(valid, region, listings.current, self._purged) if valid else {}
        for _ in range(RACE_RETRIES):  # a listing whose write loses a race is judged again
            if not pending:
                break
            current = listings.current([(r.credit_code, ids[i]) for i, r in pending])
            groups: dict[str, list[tuple[int, Removal]]] = {}
            for index, removal in pending:
                groups.setdefault(ids[index], []).append((index, removal))
            judged = {
                lid: judge(group, current.get(lid), region, relays, now)
                for lid, group in groups.items()
            }
            applied = {lid: j.applied for lid, j in judged.items() if j.applied is not None}
            written = listings.write(
                [(moved, current[lid].version) for lid, (_, moved) in applied.items()], None
            )
            pending, lost = [], []
            for lid, answers in judged.items():
                if lid in applied and lid not in written:
                    pending += groups[lid]
                    lost.append(answers)
                    continue
                outcomes += answers.outcomes
                errors += answers.errors
                if lid in applied:
                    index, moved = applied[lid]
                    outcomes.append(outcome_of(index, moved, "removed"))
        for answers in lost if pending else ():
            # still losing: what was refused on its own stays so (review 200); what hung on
            # the write — it, and its duplicates — is contended
            errors += answers.errors
            hung = [answers.applied[0]] if answers.applied else []
            hung += [o.index for o in answers.outcomes]
            errors += [
                removal_error(i, CONTENDED, "the listing kept changing meanwhile; send it again")
                for i in hung
            ]
        return sorted(outcomes, key=_at), sorted(errors, key=_at)


def _outcome(
    index: int, listing: Listing, outcome: Outcome, section: Section = "entries"
) -> EntryOutcome:
    return EntryOutcome(list=section, index=index, listing_id=listing.listing_id, outcome=outcome)


def _at(answer: EntryOutcome | EntryError) -> int:
    return answer.index
