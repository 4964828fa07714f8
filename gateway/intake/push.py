"""Push batches: the envelope a platform signs, per-entry validation, and the result it gets."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, Field

from gateway.validation import EntryError, Section, parse_request, validate_each
from gateway_client.contract import ONE_LINE, Frozen, ListingEntry, Moment, RegionCode

MAX_ENTRIES = 5000
MAX_REPORTED_ERRORS = 500
REPORTED_ERROR_BYTES = 100_000
"""Errors a push's result (or an upload's record) lists, the first by position, and their JSON
at most: a result is kept for replays in one DynamoDB item (400 KB, with up to 10,000 outcomes)
and answered in one Lambda reply (6 MB), and an entry of a thousand unknown fields, each named
in a long key of random characters, makes a thousand such errors; ``rejected`` (or an upload's
counts) still counts every one."""

E = TypeVar("E", bound=BaseModel)


def reported(kept: Sequence[E], more: Sequence[E]) -> tuple[tuple[E, ...], bool]:
    """``kept`` and as many of ``more`` as the caps leave room for; whether any was left out.
    (Called per block of a bulk upload's lines: ``kept`` is measured only when there is more.)"""
    if not more or len(kept) >= MAX_REPORTED_ERRORS:
        return tuple(kept), bool(more)
    listed = list(kept)
    size = sum(len(error.model_dump_json().encode()) for error in listed)
    for error in more:
        size += len(error.model_dump_json().encode())
        if len(listed) >= MAX_REPORTED_ERRORS or size > REPORTED_ERROR_BYTES:
            return tuple(listed), True
        listed.append(error)
    return tuple(listed), False


BATCH_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
BatchId = Annotated[str, Field(pattern=BATCH_ID_RE.pattern), ONE_LINE]
"""A batch's or an upload's id, the platform's choice: judged as text, for it is kept with the
upload for good, in archive keys, trails and signed reports (review 354: a check named by the
applicant's ID number kept the number in full where no entry holds one)."""


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
    errors: tuple[EntryError, ...] = Field(
        description=f"by position; the first {MAX_REPORTED_ERRORS} (see `errors_truncated`)"
    )
    errors_truncated: bool = Field(
        default=False, description="more errors were found than are listed"
    )


def parse_envelope(body: bytes) -> PushEnvelope:
    return parse_request(PushEnvelope, body)


def validate_entries(
    raw: Sequence[Any], today: date
) -> tuple[list[tuple[int, ListingEntry]], list[EntryError]]:
    return validate_each(ListingEntry, raw, "entries", today)
