"""The terms a region lists its own broken commitments by, and which of them a breach falls
under: kept apart from the registry because they change by date (从旧兼从轻)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from gateway_client.contract import ONE_LINE, Day, Frozen, Severity


class BrokenCommitmentTerms(Frozen):
    """How a region lists its own broken commitments (违背信用承诺) as black listings: the
    severity and the legal basis (认定依据, 国办发〔2020〕49号) it lists them under."""

    severity: Severity
    legal_basis: Annotated[str, Field(min_length=1, max_length=1000), ONE_LINE]


class DatedTerms(BrokenCommitmentTerms):
    """Terms a policy had before, from the day they took effect."""

    since: Day


EARLIER_KEPT = 20  # terms before kept (a breach older than all of them: the oldest kept)
_GRAVITY = {Severity.GENERAL: 0, Severity.RELATIVELY_SERIOUS: 1, Severity.SERIOUS: 2}


class BrokenCommitmentPolicy(BrokenCommitmentTerms):
    """The terms, and the day the region began listing by them: a promise broken before then
    is not listed (no punishment by a rule made after the breach), whichever day the tick
    reads it. A breach is listed under the terms in force on its day, or the ones in force
    now if they are lighter (从旧兼从轻, as 行政处罚法 第三十七条 has it: review 296, graver terms
    set later were applied to earlier breaches)."""

    since: Day | None = Field(
        default=None,
        description="set by the gateway: the day (Beijing) the policy was first set; a "
        "commitment broken before it is never listed (unset: a policy stored before the rule)",
    )
    terms_since: Day | None = Field(
        default=None,
        exclude_if=lambda held: held is None,
        description="set by the gateway: the day these terms took effect, when they were "
        "changed after ``since``",
    )
    earlier: tuple[DatedTerms, ...] = Field(
        default=(),
        max_length=EARLIER_KEPT,
        exclude_if=lambda held: not held,
        description="set by the gateway: the terms before, newest first, each from its day",
    )

    @classmethod
    def set(
        cls, terms: BrokenCommitmentTerms, stored: BrokenCommitmentPolicy | None, today: date
    ) -> BrokenCommitmentPolicy:
        """The policy ``terms`` set today: a change of terms keeps the day listing began, and
        the terms before with the day they took effect."""
        if stored is None:
            return cls(**terms.model_dump(), since=today)
        if stored.terms() == terms:
            return stored
        earlier, start = stored.earlier, stored.terms_from()
        if start is not None:  # kept also if set earlier today: a breach today was under them
            earlier = (DatedTerms(**stored.terms().model_dump(), since=start), *earlier)
        return cls(
            **terms.model_dump(),
            since=stored.since,
            terms_since=today,
            earlier=_kept(earlier),
        )

    def terms(self) -> BrokenCommitmentTerms:
        return BrokenCommitmentTerms(severity=self.severity, legal_basis=self.legal_basis)

    def terms_from(self) -> date | None:
        return self.terms_since or self.since

    def terms_for(self, broken_on: date) -> BrokenCommitmentTerms:
        """The terms a promise broken on ``broken_on`` is listed under: the lightest of those
        in force at some time that day (terms changed that day may have come after the breach:
        review 297) and the ones in force now."""
        now = self.terms()
        start = self.terms_from()
        if start is None or not self.earlier:
            return now
        that_day = [now] if broken_on >= start else []
        ends = start  # each terms' last day: the day the next ones took effect
        for held in self.earlier:
            if held.since <= broken_on <= ends:
                that_day.append(BrokenCommitmentTerms(**held.model_dump(exclude={"since"})))
            ends = held.since
        if not that_day:  # before the oldest terms kept
            that_day.append(BrokenCommitmentTerms(**self.earlier[-1].model_dump(exclude={"since"})))
        return min([*that_day, now], key=lambda terms: _GRAVITY[terms.severity])


def _kept(earlier: tuple[DatedTerms, ...]) -> tuple[DatedTerms, ...]:
    """At most ``EARLIER_KEPT``: the oldest ones beyond become one, from the oldest's day, with
    the lightest of their terms — a breach in their time is never listed under graver terms
    than it was broken under (review 299: dropped, it fell to later, graver ones)."""
    if len(earlier) <= EARLIER_KEPT:
        return earlier
    newer, older = earlier[: EARLIER_KEPT - 1], earlier[EARLIER_KEPT - 1 :]
    lightest = min(older, key=lambda held: _GRAVITY[held.severity])
    return (*newer, lightest.model_copy(update={"since": older[-1].since}))
