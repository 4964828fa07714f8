"""The push pipeline: size → signature → archive → envelope → idempotency → entries → dedup."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gateway.authentication import authenticate
from gateway.clock import Clock
from gateway.errors import (
    BadRequest,
    PayloadTooLarge,
    RegionMismatch,
)
from gateway.lifecycle import Removal, remove, source_may_act, validate_removals
from gateway.listing import Listing
from gateway.ports import Archive, BatchLedger, ListingStore, Registry
from gateway.push import (
    BATCH_ID_RE,
    EntryError,
    EntryOutcome,
    Outcome,
    PushEnvelope,
    PushResult,
    Section,
    parse_envelope,
    validate_entries,
)
from gateway.rate_limit import RateCounter
from gateway.signing import DEFAULT_TOLERANCE
from gateway.storing import origin_problem, promote, store


@dataclass(frozen=True)
class PushPolicy:
    max_body_bytes: int = 5 * 1024 * 1024
    tolerance: timedelta = DEFAULT_TOLERANCE
    batch_lease: timedelta = timedelta(minutes=2)
    push_rate_per_minute: int = 600


def archive_key(region: str, received_at: datetime, batch_id: str) -> str:
    return f"pushes/{region}/{received_at:%Y/%m/%d}/{batch_id}.json"


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
    ) -> None:
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
        self._archive.put(
            archive_key(region, now, batch_id), body, {"key-id": auth.key.key_id, "region": region}
        )
        envelope = parse_envelope(body)
        if envelope.batch_id != batch_id:
            raise BadRequest("batch_id differs from the webhook-id header", path="batch_id")
        if envelope.region != region:
            raise RegionMismatch(
                f"key {auth.key.key_id} belongs to {region}, not {envelope.region}", path="region"
            )
        digest = hashlib.sha256(body).hexdigest()
        earlier = self._batches.claim(region, batch_id, digest, now, self._policy.batch_lease)
        if earlier is not None:
            return earlier
        result = self._ingest(envelope, now, auth.region.relays_subregions)
        self._batches.finish(region, batch_id, result)
        return result

    def _ingest(self, envelope: PushEnvelope, now: datetime, relays: bool) -> PushResult:
        region = envelope.region
        valid, errors = validate_entries(envelope.entries)
        candidates: list[tuple[int, Listing]] = []
        for index, entry in valid:
            problem = origin_problem(entry, region, relays)
            if problem is None:
                candidates.append((index, promote(entry, region, now)))
            else:
                code, message = problem
                errors.append(
                    EntryError(index=index, field="origin_region", code=code, message=message)
                )
        stored = store(self._listings, candidates, region)
        outcomes = [_outcome(i, x, "accepted") for i, x in stored.accepted]
        outcomes += [_outcome(i, x, "duplicate") for i, x in stored.duplicates]
        removal_outcomes, removal_errors = self._remove(envelope.removals, region, now)
        outcomes += removal_outcomes
        errors += removal_errors
        outcomes.sort(key=lambda outcome: (outcome.list, outcome.index))
        counts = Counter(outcome.outcome for outcome in outcomes)
        return PushResult(
            batch_id=envelope.batch_id,
            region=region,
            received_at=now,
            accepted=counts["accepted"],
            duplicate=counts["duplicate"],
            removed=counts["removed"],
            rejected=len({(error.list, error.index) for error in errors}),
            outcomes=tuple(outcomes),
            errors=tuple(sorted(errors, key=lambda error: (error.list, error.index))),
        )

    def _remove(
        self, raw: list[Any], region: str, now: datetime
    ) -> tuple[list[EntryOutcome], list[EntryError]]:
        """移出: the source ends listings it holds; history stays with the listing."""
        valid, errors = validate_removals(raw)
        current = self._listings.current([(r.credit_code, r.listing_id) for _, r in valid])
        outcomes: list[EntryOutcome] = []
        newest: dict[str, tuple[int, Removal]] = {}
        for index, removal in valid:  # one listing removed twice in a batch: the newest counts
            held_first = newest.get(removal.listing_id)
            if held_first is None or removal.version > held_first[1].version:
                newest[removal.listing_id] = (index, removal)
        writes: list[tuple[int, Listing, str]] = []
        for index, removal in valid:
            held = current.get(removal.listing_id)
            superseded = newest[removal.listing_id][0] != index
            if held is None:
                errors.append(_removal_error(index, "unknown_listing", "no such listing is held"))
            elif not source_may_act(held, region):
                errors.append(
                    _not_permitted(index, "credit_code", region, held.origin_region, "removals")
                )
            elif superseded or removal.version <= held.version:
                outcomes.append(_outcome(index, held, "duplicate", "removals"))
            else:
                writes.append((index, remove(held, removal, region, now), held.version))
        written = self._listings.write([(x, held) for _, x, held in writes], None)
        outcomes += [
            _outcome(i, x, "removed" if x.listing_id in written else "duplicate", "removals")
            for i, x, _ in writes
        ]
        return outcomes, errors


def _not_permitted(
    index: int, field: str, region: str, origin: str, section: Section = "entries"
) -> EntryError:
    return EntryError(
        list=section,
        index=index,
        field=field,
        code="region_not_permitted",
        message=f"{region} may act for its own subtree only, not {origin}",
    )


def _removal_error(index: int, code: str, message: str) -> EntryError:
    return EntryError(list="removals", index=index, field="", code=code, message=message)


def _outcome(
    index: int, listing: Listing, outcome: Outcome, section: Section = "entries"
) -> EntryOutcome:
    return EntryOutcome(list=section, index=index, listing_id=listing.listing_id, outcome=outcome)
