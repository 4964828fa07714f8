"""Push batches: the envelope a platform signs, per-entry validation, and the result it gets."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from gateway.validation import EntryError, Section, parse_request, validate_each
from gateway_client.contract import Frozen, ListingEntry, Moment, RegionCode

MAX_ENTRIES = 5000
BATCH_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
BatchId = Annotated[str, Field(pattern=BATCH_ID_RE.pattern)]


class PushEnvelope(Frozen):
    """The signed body; entries stay raw here so that one bad entry cannot sink the batch."""

    region: RegionCode
    batch_id: BatchId
    issued_at: Moment
    entries: list[Any] = Field(max_length=MAX_ENTRIES)
    removals: list[Any] = Field(default_factory=list, max_length=MAX_ENTRIES)


Outcome = Literal["accepted", "duplicate", "removed"]


class EntryOutcome(Frozen):
    list: Section = "entries"
    index: int
    listing_id: str
    outcome: Outcome


class PushResult(Frozen):
    batch_id: str
    region: RegionCode
    received_at: AwareDatetime
    accepted: int
    duplicate: int
    removed: int = 0
    rejected: int
    outcomes: tuple[EntryOutcome, ...]
    errors: tuple[EntryError, ...]


def parse_envelope(body: bytes) -> PushEnvelope:
    return parse_request(PushEnvelope, body)


def validate_entries(
    raw: Sequence[Any], today: date
) -> tuple[list[tuple[int, ListingEntry]], list[EntryError]]:
    return validate_each(ListingEntry, raw, "entries", today)
