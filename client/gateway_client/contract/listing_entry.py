"""A listing entry (名单条目) as a platform pushes it, with every rule one entry must keep on its
own, and the keys (listing id, version) the gateway stores it under."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from gateway_client.contract.catalogue import ListKind, Severity, load_catalogue, quoted_key
from gateway_client.contract.clock import months_after
from gateway_client.contract.codes import CreditCode
from gateway_client.contract.commitment import Commitment
from gateway_client.contract.evaluation import Evaluation
from gateway_client.contract.extension import (
    Extension,
    check_decided_anew,
    check_extension,
    check_open_ended,
    longest_until,
)
from gateway_client.contract.identity import listing_id
from gateway_client.contract.model import (
    FREE_TEXT,
    ONE_LINE,
    Day,
    Frozen,
    Moment,
    intake_of,
)
from gateway_client.contract.regions import ExistingRegion
from gateway_client.contract.responsible import ResponsiblePerson

Text = Annotated[str, Field(min_length=1, max_length=200), ONE_LINE]
LongText = Annotated[str, Field(min_length=1, max_length=4000), FREE_TEXT]


class ListingEntry(Frozen):
    """One red- or black-list record, or a credit commitment, as a source platform pushes it."""

    credit_code: CreditCode
    subject_name: Text
    kind: ListKind
    domain: str
    severity: Severity | None = Field(default=None, validate_default=True)
    reason: LongText
    legal_basis: Annotated[str, Field(max_length=4000), FREE_TEXT] | None = Field(
        default=None, validate_default=True
    )
    deciding_authority: Text
    decision_number: Text
    decided_on: Day
    valid_from: Day
    # 延长期限 (court defaulters): a new decision adding years to the period; left out of dumps
    # when absent, like the other fields added later.
    extension: Extension | None = Field(default=None, exclude_if=lambda value: value is None)
    # No fixed term: listed until deleted (court defaulters under 第一条第一项: 法释〔2017〕7号
    # 第二条 sets the two years for 第二至六项 only). Left out of dumps when false.
    open_ended: bool = Field(default=False, exclude_if=lambda value: not value)
    valid_until: Day | None = Field(default=None, validate_default=True)
    # 失信行为终止之日: when the dishonest conduct ended, if the platform knows; retention
    # (gateway.retention) counts from it. Left out of dumps when absent, so bodies and change
    # digests made before the field existed stay byte-identical.
    conduct_ended_on: Day | None = Field(default=None, exclude_if=lambda value: value is None)
    responsible_persons: tuple[ResponsiblePerson, ...] = Field(default=(), max_length=20)
    origin_region: ExistingRegion | None = None  # one that exists (``jurisdiction_exists``)
    source_updated_at: Moment
    source_sequence: int = Field(default=0, ge=0, le=10**12)
    # A commitment's own facts (kind ``commitment`` only); left out of dumps when absent, so the
    # digests of red and black listings stay what they were.
    commitment: Commitment | None = Field(
        default=None, validate_default=True, exclude_if=lambda value: value is None
    )
    # A credit evaluation result's scheme and grade (kind ``evaluation`` only), likewise.
    evaluation: Evaluation | None = Field(
        default=None, validate_default=True, exclude_if=lambda value: value is None
    )

    @field_validator("domain")
    @classmethod
    def _known_domain(cls, value: str, info: ValidationInfo) -> str:
        domain = load_catalogue().domain(value)
        if domain is None:
            raise PydanticCustomError(
                "unknown_domain",
                "domain {domain} is not in the catalogue",
                {"domain": quoted_key(value)},
            )
        kind = info.data.get("kind")
        if kind is not None and kind not in domain.kinds:
            raise PydanticCustomError(
                "domain_kind_mismatch",
                "domain {domain} holds {kinds} lists only",
                {"domain": value, "kinds": "/".join(domain.kinds)},
            )
        return value

    @field_validator("severity")
    @classmethod
    def _severity_for_black(cls, value: Severity | None, info: ValidationInfo) -> Severity | None:
        kind = info.data.get("kind")
        if kind is ListKind.BLACK and value is None:
            raise PydanticCustomError("missing_severity", "a black-list entry needs a severity")
        if kind is not ListKind.BLACK and value is not None:
            raise PydanticCustomError(
                "unexpected_severity", "only black-list entries carry a severity"
            )
        return value

    @field_validator("legal_basis", mode="before")
    @classmethod
    def _legal_basis_for_black(cls, value: object, info: ValidationInfo) -> object:
        """Before the text rules: a black entry's blank legal basis is a missing one."""
        blank = value is None or (isinstance(value, str) and not value.strip())
        if info.data.get("kind") is ListKind.BLACK and blank:
            raise PydanticCustomError(
                "missing_legal_basis",
                "a black-list entry needs its legal basis (国办发〔2020〕49号)",
            )
        return value

    @field_validator("valid_from")
    @classmethod
    def _starts_after_decision(cls, value: date, info: ValidationInfo) -> date:
        decided_on = info.data.get("decided_on")
        if decided_on is not None and value < decided_on:
            raise PydanticCustomError("dates_out_of_order", "valid_from is before decided_on")
        return value

    @field_validator("extension")
    @classmethod
    def _extension_allowed(cls, value: Extension | None, info: ValidationInfo) -> Extension | None:
        domain = info.data.get("domain")
        if value is not None and domain is not None:
            check_extension(value, domain, info.data.get("decided_on"))
        number = info.data.get("decision_number")
        if value is not None and number is not None and intake_of(info) is not None:
            # a longer period needs a decision of its own, from the first push too (review
            # 361: the decision alone listed for five years, not two); stored ones still read
            check_decided_anew(value, number)
        return value

    @field_validator("open_ended")
    @classmethod
    def _open_ended_allowed(cls, value: bool, info: ValidationInfo) -> bool:
        domain = info.data.get("domain")
        if value and domain is not None:
            check_open_ended(domain, info.data.get("extension"))
        return value

    @field_validator("valid_until")
    @classmethod
    def _ends_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        intake = intake_of(info) is not None
        if value is None and info.data.get("kind") is ListKind.EVALUATION and intake:
            # without an end, a grade is recognised for ever, and a person's never erased
            raise PydanticCustomError(
                "missing_valid_until", "an evaluation result holds for a period: name its end"
            )
        valid_from, domain = info.data.get("valid_from"), info.data.get("domain")
        if value is not None and valid_from is not None and value <= valid_from:
            raise PydanticCustomError("dates_out_of_order", "valid_until is not after valid_from")
        if value is not None and info.data.get("open_ended"):
            raise PydanticCustomError(
                "open_ended_with_valid_until", "an open-ended listing has no valid_until"
            )
        if value is None or valid_from is None or domain is None or intake_of(info) is None:
            return value
        if info.data.get("kind") is not ListKind.BLACK:
            return value
        longest = longest_until(
            domain, valid_from, info.data.get("extension"), info.data.get("severity")
        )
        if longest is not None and value > longest:
            raise PydanticCustomError(
                "period_too_long",
                "a {domain} listing of this severity is published until {longest} at most (its "
                "longest publicity period from valid_from, plus any extension decided anew)",
                {"domain": domain, "longest": longest.isoformat()},
            )
        return value

    @field_validator("commitment")
    @classmethod
    def _commitment_for_commitments(
        cls, value: Commitment | None, info: ValidationInfo
    ) -> Commitment | None:
        if (info.data.get("kind") is ListKind.COMMITMENT) != (value is not None):
            raise PydanticCustomError(
                "commitment_mismatch", "a commitment entry, and only one, carries commitment"
            )
        named = {"deadline": value.deadline, "outcome_on": value.outcome_on} if value else {}
        for name, day in named.items():
            if day is not None and (said := _outside_the_promise(name, day, info)):
                raise PydanticCustomError(
                    "dates_out_of_order", "a commitment's {field} is " + said, {"field": name}
                )
        return value

    @field_validator("evaluation")
    @classmethod
    def _graded_under_a_scheme(
        cls, value: Evaluation | None, info: ValidationInfo
    ) -> Evaluation | None:
        if (info.data.get("kind") is ListKind.EVALUATION) != (value is not None):
            raise PydanticCustomError(
                "evaluation_mismatch", "an evaluation entry, and only one, carries evaluation"
            )
        if value is None:
            return value
        scheme = load_catalogue().scheme(value.scheme)
        if scheme is None:
            raise PydanticCustomError(
                "unknown_scheme",
                "scheme {scheme} is not in the catalogue",
                {"scheme": quoted_key(value.scheme), "field": "scheme"},
            )
        if value.grade not in scheme.grades:
            raise PydanticCustomError(
                "unknown_grade",
                "{scheme} grades are {grades}",
                {"scheme": value.scheme, "grades": "/".join(scheme.grades), "field": "grade"},
            )
        if info.data.get("domain") not in (None, scheme.domain):
            raise PydanticCustomError(
                "domain_scheme_mismatch",
                "{scheme} results go in domain {domain}",
                {"scheme": value.scheme, "domain": scheme.domain},
            )
        return value

    @model_validator(mode="after")
    def _graded_for_a_bounded_period(self, info: ValidationInfo) -> ListingEntry:
        """An evaluation result holds no longer than its scheme allows (``Scheme``): a far-off
        ``valid_until`` would have a grade recognised, and a person's kept, for ever."""
        scheme = load_catalogue().scheme(self.evaluation.scheme) if self.evaluation else None
        if scheme is None or self.valid_until is None or intake_of(info) is None:
            return self
        longest = months_after(self.valid_from, scheme.longest_valid_months)
        if self.valid_until > longest:
            raise PydanticCustomError(
                "period_too_long",
                "{scheme} grades hold {months} months at most: valid_until {longest} at the "
                "latest ({why})",
                {
                    "scheme": scheme.key,
                    "months": scheme.longest_valid_months,
                    "longest": longest.isoformat(),
                    "why": scheme.longest_valid_why,
                    "field": "valid_until",
                },
            )
        return self


def version_of(updated_at: datetime, sequence: int) -> str:
    """A string that sorts like (source update time, sequence), so stores can compare it."""
    # what strftime("%Y-%m-%dT%H:%M:%S.%fZ") writes for years 1000–9999 (every year a listing
    # may hold), in one C call instead of a format parsed on each of every ingest's entries
    stamp = updated_at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    return f"{stamp}Z#{sequence:013d}"


def identity_of(entry: ListingEntry) -> str:
    return listing_id(
        entry.credit_code, entry.kind, entry.domain, entry.deciding_authority, entry.decision_number
    )


def entry_version(entry: ListingEntry) -> str:
    return version_of(entry.source_updated_at, entry.source_sequence)


def _outside_the_promise(name: str, day: date, info: ValidationInfo) -> str | None:
    """Why a commitment's ``deadline`` or ``outcome_on`` falls outside the promise it dates,
    if it does. Neither before it was made nor took effect (review 388: a breach dated before
    ``valid_from`` was listed black); none after its period, and no deadline on the day it
    ends (``valid_until`` is the first day out of force: such a promise is never overdue).
    The rules of review 388 judge input only: a commitment stored before them still reads
    (review 393: its every read, and the tick, answered 500)."""
    intake = intake_of(info) is not None
    start = {"decided_on": info.data.get("decided_on")}
    if intake:
        start["valid_from"] = info.data.get("valid_from")
    for field, first in start.items():
        if first is not None and day < first:
            return f"before {field}"
    until = info.data.get("valid_until")
    ends_on = intake and name == "deadline" and day == until
    if until is not None and (day > until or ends_on):
        return "not before valid_until" if day == until else "after valid_until"
    return None
