"""What a platform asks of a listing after pushing it: remove it, file or decide an objection,
repair it; each platform action stamped with its own version, so replays are no-ops."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from gateway.validation import EntryError, validate_each
from gateway_client.contract import (
    FREE_TEXT,
    NAMING_LINE,
    ONE_LINE,
    Day,
    ExistingRegion,
    Frozen,
    ListingEntry,
    ListKind,
    Moment,
    NamingCreditCode,
    OnBehalf,
    intake_of,
    listing_id,
    load_catalogue,
    version_of,
)


class RemovalReason(StrEnum):
    REPAIRED = "repaired"
    REVOKED = "revoked"
    EXPIRED = "expired"
    CORRECTED = "corrected"
    # 已履行 (法释〔2017〕7号 第十条): the obligation was performed; with ``performed_on``
    PERFORMED = "performed"


class Stamped(Frozen):
    """A platform action's own version: equal or older versions are no-ops."""

    source_updated_at: Moment
    source_sequence: int = Field(default=0, ge=0, le=10**12)

    @property
    def version(self) -> str:
        return version_of(self.source_updated_at, self.source_sequence)


class Removal(Stamped):
    """移出: the source takes a listing off its list."""

    credit_code: NamingCreditCode
    kind: ListKind
    domain: str
    # they name the listing removed, as stored (``NAMING_LINE``)
    deciding_authority: Annotated[str, NAMING_LINE]
    decision_number: Annotated[str, NAMING_LINE]
    reason: RemovalReason
    note: Annotated[str, Field(max_length=2000), FREE_TEXT] = ""
    performed_on: Day | None = Field(default=None, validate_default=True)
    # the region whose listing of a person's decision is removed, as an entry names it: a
    # relaying ancestor names the county it acts for (each region lists a person's decision
    # under an id of its own: ``gateway.intake.own_listings``); the remover by default
    origin_region: ExistingRegion | None = Field(
        default=None, exclude_if=lambda value: value is None
    )

    @field_validator("performed_on")
    @classmethod
    def _performance_dated(cls, value: date | None, info: ValidationInfo) -> date | None:
        """A ``performed`` removal says when the obligation was performed (its deadline runs
        from that day), only in a domain that has such removals, and not after today."""
        reason, domain = info.data.get("reason"), info.data.get("domain")
        if reason is not RemovalReason.PERFORMED:
            if value is not None:
                raise PydanticCustomError(
                    "unexpected_performed_on", "performed_on goes with reason performed only"
                )
            return value
        rules = load_catalogue().domain(domain) if domain is not None else None
        if rules is not None and rules.performed_removal_working_days is None:
            raise PydanticCustomError(
                "performed_not_for_domain",
                "domain {domain} has no removal because an obligation was performed",
                {"domain": domain},
            )
        if value is None:
            raise PydanticCustomError(
                "missing_performed_on", "a performed removal says when: performed_on"
            )
        return _performed_by_today(value, info)

    @property
    def listing_id(self) -> str:
        return listing_id(
            self.credit_code, self.kind, self.domain, self.deciding_authority, self.decision_number
        )


class ObjectionFiling(Frozen):
    # shown in the listing's history: no ID number in it either (ONE_LINE)
    objection_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"), ONE_LINE]
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


class Reassignment(Frozen):
    """The operator gives a listing to the region that made its decision, with that region's
    entry in force (``gateway.lifecycle.reassignment``). Not stamped: the content keeps the
    deciding region's own stamp, or takes the gateway's just after the listing's version."""

    corrected_entry: ListingEntry = Field(
        description="the deciding region's entry, stamped as that region stamped it: the same "
        "listing (code, kind, domain, authority, decision number), with `origin_region` the "
        "region it is given to"
    )
    note: Annotated[str, Field(min_length=1, max_length=2000, pattern=r"\S"), FREE_TEXT] = Field(
        description="why (not blank): kept in the listing's history, which every region that "
        "sees it reads"
    )


class PerformanceCorrection(Frozen):
    """The operator corrects the day a ``performed`` listing's obligation was performed, which
    no removal moves (``gateway.lifecycle.performance_correction``)."""

    performed_on: Day = Field(description="the day it was performed: not after today")
    note: Annotated[str, Field(min_length=1, max_length=2000, pattern=r"\S"), FREE_TEXT] = Field(
        description="why (not blank): kept as the step's note, withheld where the listing is "
        "shown masked"
    )

    @field_validator("performed_on")
    @classmethod
    def _not_after_today(cls, value: date, info: ValidationInfo) -> date:
        return _performed_by_today(value, info)


def _performed_by_today(value: date, info: ValidationInfo) -> date:
    """A day performed is not after today (Beijing), the intake's."""
    intake = intake_of(info)
    if intake is not None and intake.today is not None and value > intake.today:
        raise PydanticCustomError(
            "future_date",
            "performed_on {day} is after today ({today}, Beijing)",
            {"day": value.isoformat(), "today": intake.today.isoformat()},
        )
    return value


class RepairRequest(Stamped):
    reason: Annotated[str, Field(min_length=1, max_length=2000), FREE_TEXT]


def validate_removals(
    raw: Sequence[Any], today: date
) -> tuple[list[tuple[int, Removal]], list[EntryError]]:
    return validate_each(Removal, raw, "removals", today)
