"""Objection (异议) terms and steps as a listing carries them, so anyone holding the listing can
tell whose deadline runs, from which day, and which step is late.

Seed 001 湖南 §二(四)6: the provider verifies "within 20 days of receiving the verification
notice" (收到核查通知之日起20日内); seed 002 新郑 §六(三): the office forwards within 5 working
days, the provider verifies within 5, the office replies within 2 (12 in all from the filing).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, field_validator

from gateway_client.contract.model import Day, Frozen

StepName = Literal["forwarded", "verified", "replied"]
STEP_ORDER: tuple[StepName, ...] = ("forwarded", "verified", "replied")
OnBehalf = Literal["subject", "own_verification"]
"""Why a region files: the subject asked it (信用主体提出异议), or its own check while carrying
out the measures found the record wrong (执行联合惩戒措施时主动发现, seed 001 §二(四)6)."""
Unit = Literal["calendar_days", "working_days"]
CountedFrom = Literal["notice", "filing"]


class StepTerm(Frozen):
    """One step of a stepped policy: done within ``within`` units of the previous step's end
    (the first: of the filing)."""

    name: StepName
    within: int = Field(gt=0, le=365)


class ObjectionTerms(Frozen):
    """A region's objection policy, copied onto each objection when it is filed, so a later
    change of policy never moves the deadlines of objections already open."""

    suspends: bool
    deadline: int = Field(gt=0, le=365)
    unit: Unit
    counted_from: CountedFrom = Field(
        default="notice",
        description="notice: from the day the owner received the notice (收到核查通知之日); "
        "filing: from the day the objection was filed",
    )
    steps: tuple[StepTerm, ...] = ()
    source: str

    @field_validator("steps")
    @classmethod
    def _in_order(cls, steps: tuple[StepTerm, ...]) -> tuple[StepTerm, ...]:
        names = [step.name for step in steps]
        if names != [name for name in STEP_ORDER if name in names]:
            raise ValueError(f"steps must be distinct and in the order {', '.join(STEP_ORDER)}")
        return steps


class ObjectionStep(Frozen):
    """Where one step stands: its deadline once its start is known, and when it was done
    (forwarded: the owner received the notice; verified: the owner reported its check;
    replied: the decision)."""

    name: StepName
    deadline: Day | None = None
    done_at: AwareDatetime | None = None


class Objection(Frozen):
    """异议: filed against a listing, decided by its source platform."""

    objection_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
    filed_at: AwareDatetime
    filed_by: str
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    deadline: date | None = Field(
        description="the owner's deadline; null while it counts from a notice not yet received"
    )
    deadline_basis: str
    suspends: bool
    decided_at: AwareDatetime | None = None
    outcome: Literal["upheld", "corrected", "revoked"] | None = None
    decision_note: str = ""
    on_behalf: OnBehalf = "subject"
    awaiting_notice: bool = Field(
        default=False,
        description="filed by someone other than the owner, whose endpoint has not yet "
        "acknowledged the objection.filed notice (核查通知)",
    )
    notified_at: AwareDatetime | None = Field(
        default=None, description="when the owner received the notice (its own filing: then)"
    )
    verified_at: AwareDatetime | None = None
    # The owner's note on its check (核实): the subject's case, withheld from regions without
    # purpose as the decision note is. Left out of dumps when empty, so the digests of objections
    # verified before it was kept here stay what they were.
    verification_note: str = Field(default="", exclude_if=lambda value: not value)
    terms: ObjectionTerms | None = None  # the policy as it was at filing (absent: filed earlier)
    steps: tuple[ObjectionStep, ...] = ()

    @property
    def open(self) -> bool:
        return self.outcome is None
