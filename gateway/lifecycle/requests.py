"""What a platform asks of a listing after pushing it: remove it, file or decide an objection,
repair it; each platform action stamped with its own version, so replays are no-ops."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field

from gateway.validation import EntryError, validate_each
from gateway_client.contract import (
    FREE_TEXT,
    CreditCode,
    Frozen,
    ListingEntry,
    ListKind,
    Moment,
    OnBehalf,
    SingleLine,
    listing_id,
    version_of,
)


class RemovalReason(StrEnum):
    REPAIRED = "repaired"
    REVOKED = "revoked"
    EXPIRED = "expired"
    CORRECTED = "corrected"


class Stamped(Frozen):
    """A platform action's own version: equal or older versions are no-ops."""

    source_updated_at: Moment
    source_sequence: int = Field(default=0, ge=0, le=10**12)

    @property
    def version(self) -> str:
        return version_of(self.source_updated_at, self.source_sequence)


class Removal(Stamped):
    """移出: the source takes a listing off its list."""

    credit_code: CreditCode
    kind: ListKind
    domain: str
    deciding_authority: SingleLine
    decision_number: SingleLine
    reason: RemovalReason
    note: Annotated[str, Field(max_length=2000), FREE_TEXT] = ""

    @property
    def listing_id(self) -> str:
        return listing_id(
            self.credit_code, self.kind, self.domain, self.deciding_authority, self.decision_number
        )


class ObjectionFiling(Frozen):
    objection_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
    reason: Annotated[str, Field(min_length=1, max_length=2000), FREE_TEXT]
    on_behalf: OnBehalf = Field(
        default="subject",
        description="subject: the subject asked (信用主体提出异议; the operator files only so); "
        "own_verification: the filing region's own check while carrying out the measures "
        "found the record wrong (seed 001 §二(四)6 主动发现)",
    )


class VerificationReport(Stamped):
    """The owner has checked the objected record (核实), before it decides (seed 002 §六(三))."""

    note: Annotated[str, Field(max_length=2000), FREE_TEXT] = ""


class ObjectionDecision(Stamped):
    outcome: Literal["upheld", "corrected", "revoked"]
    note: Annotated[str, Field(max_length=2000), FREE_TEXT] = ""
    corrected_entry: ListingEntry | None = None


class RepairRequest(Stamped):
    reason: Annotated[str, Field(min_length=1, max_length=2000), FREE_TEXT]


def validate_removals(
    raw: Sequence[Any], today: date
) -> tuple[list[tuple[int, Removal]], list[EntryError]]:
    return validate_each(Removal, raw, "removals", today)
