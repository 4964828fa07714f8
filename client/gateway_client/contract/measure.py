"""A measure (措施): what a region does about a listing it recognises, to whom, on what legal
basis (设定依据), and whether the law requires it (强制性) or it is recommended (推荐性)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from gateway_client.contract.catalogue import (
    DomainKeys,
    GradeKeys,
    ListKind,
    Severity,
    load_catalogue,
)
from gateway_client.contract.listing import Listing
from gateway_client.contract.model import ONE_LINE, Frozen
from gateway_client.contract.responsible import PersonRole

MeasureId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$"), ONE_LINE]
"""Kept for good with its agreement and read by anyone: judged as text, so no resident ID
number is one (review 356)."""


class MeasureTarget(StrEnum):
    """Whom a measure is aimed at: the listed subject itself, or the persons responsible for an
    organisation's conduct (法定代表人, 主要负责人 and the others ``ResponsiblePerson`` names)."""

    SUBJECT = "subject"
    RESPONSIBLE_PERSON = "responsible_person"


class Measure(Frozen):
    measure_id: MeasureId
    text: Annotated[str, Field(min_length=1, max_length=500), ONE_LINE]
    department: Annotated[str, Field(min_length=1, max_length=200), ONE_LINE]
    mandatory: bool
    kinds: tuple[ListKind, ...] = (ListKind.BLACK, ListKind.RED)
    domains: DomainKeys = ()
    min_severity: Severity | None = None
    grades: GradeKeys = Field(
        default=(), description="an evaluation result's grades it applies to; empty: any"
    )
    targets: tuple[MeasureTarget, ...] = Field(default=(MeasureTarget.SUBJECT,), min_length=1)
    legal_basis: Annotated[str, Field(max_length=300), ONE_LINE] | None = Field(
        default=None, description="设定依据: the law, regulation or policy the measure rests on"
    )
    # Left out of dumps when empty, so measures (and the bodies holding them) made before the
    # field existed stay byte-identical.
    person_roles: tuple[PersonRole, ...] = Field(
        default=(),
        description="the responsible persons' roles a measure aimed at them reaches, as its "
        "source names them (e.g. 法定代表人、主要负责人); empty: every role",
        exclude_if=lambda value: not value,
    )

    @model_validator(mode="after")
    def _grades_for_evaluations(self) -> Measure:
        if self.grades and ListKind.EVALUATION not in self.kinds:
            raise ValueError("grades belong to a measure for evaluation results")
        if self.person_roles and MeasureTarget.RESPONSIBLE_PERSON not in self.targets:
            raise ValueError("person_roles belong to a measure aimed at responsible persons")
        return self

    def reaches(self, role: PersonRole) -> bool:
        """Whether the measure is aimed at a responsible person in ``role``."""
        return MeasureTarget.RESPONSIBLE_PERSON in self.targets and (
            not self.person_roles or role in self.person_roles
        )

    def applies_to(self, listing: Listing) -> bool:
        if listing.kind not in self.kinds or (self.domains and listing.domain not in self.domains):
            return False
        graded = listing.evaluation
        if self.grades and (graded is None or graded.grade not in self.grades):
            return False
        severity = judged_severity(listing)
        if self.min_severity is None or severity is None:
            return self.min_severity is None
        return rank(severity) >= rank(self.min_severity)


def rank(severity: Severity) -> int:
    return load_catalogue().severity(severity).rank


def judged_severity(listing: Listing) -> Severity | None:
    """The severity a listing is judged by: its own, but serious in a domain the law lists
    whatever severity was pushed (``black_list_by_law``: 失信被执行人), as the severity policy
    lists it a black listing (review 400: one pushed as general was a black listing, yet a
    严重失信 agreement did not recognise it, and serious-only measures left it out)."""
    domain = load_catalogue().domain(listing.domain)
    if listing.kind is ListKind.BLACK and domain is not None and domain.black_list_by_law:
        return Severity.SERIOUS
    return listing.severity
