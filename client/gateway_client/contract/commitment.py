"""信用承诺: what a subject promised a department, and whether it kept the promise.

A commitment travels as a listing of kind ``commitment`` (its content in ``reason``, the
department that accepted it in ``deciding_authority``, its number in ``decision_number``, the
day it was made in ``decided_on``), so it is signed, owned, deduplicated, logged and delivered
exactly as red and black listings are; ``commitment`` holds what only a promise has. Its owner
pushes it again, a newer version, with the ``outcome`` (kept / broken / withdrawn). The seeds
name three kinds: 容缺受理 (seeds 000 二(一)2, 001 二(二)2: missing documents supplied by a
deadline), 告知承诺 (meeting licensing conditions on a declaration) and the 主动承诺 a subject
publishes of its own accord (seeds 001 二(二)1, 002 四(一), 003 (三), 004 二(二)3).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from gateway_client.contract.model import FREE_TEXT, Day, Frozen


class CommitmentKind(StrEnum):
    ACCEPT_WITH_DEFICIENCIES = "accept_with_deficiencies"  # 容缺受理
    NOTIFICATION = "notification"  # 告知承诺
    VOLUNTARY = "voluntary"  # 主动承诺


class CommitmentOutcome(StrEnum):
    KEPT = "kept"
    BROKEN = "broken"  # a dishonesty record; the owner's policy may list it (broken_commitment)
    WITHDRAWN = "withdrawn"


SETTLED_QUIETLY = frozenset({CommitmentOutcome.KEPT, CommitmentOutcome.WITHDRAWN})
"""Outcomes that leave nothing for anyone but the owner to see."""


class Commitment(Frozen):
    kind: CommitmentKind
    deadline: Day | None = Field(
        default=None, validate_default=True, description="by when it is to be kept"
    )
    outcome: CommitmentOutcome | None = None
    outcome_on: Day | None = Field(default=None, validate_default=True)
    outcome_note: Annotated[str, Field(max_length=2000), FREE_TEXT] = ""

    @field_validator("deadline")
    @classmethod
    def _deadline_for_deficiencies(cls, value: date | None, info: ValidationInfo) -> date | None:
        if info.data.get("kind") is CommitmentKind.ACCEPT_WITH_DEFICIENCIES and value is None:
            raise PydanticCustomError(
                "missing_deadline", "容缺受理 promises the missing documents by a deadline"
            )
        return value

    @field_validator("outcome_on")
    @classmethod
    def _dated_outcome(cls, value: date | None, info: ValidationInfo) -> date | None:
        if (value is None) != (info.data.get("outcome") is None):
            raise PydanticCustomError(
                "outcome_without_date", "an outcome and its outcome_on come together"
            )
        return value

    @property
    def open(self) -> bool:
        return self.outcome is None

    def overdue(self, today: date) -> bool:
        """Open past its deadline: its owner has an outcome to report."""
        return self.open and self.deadline is not None and self.deadline < today
