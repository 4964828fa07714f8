"""Tries at one masked number a day: what bounds completing a number a region was shown masked.

A region shown ``420281***********3`` (with the name and the decision) can try the numbers
that mask hides — some 33,000 for one year of birth — through every route that confirms a
number: the one-stop query, the person query, a listing route, and the batch and bulk checks,
which take a thousand and a hundred thousand codes at a time (review 48, F1). The per-minute
limits bound the first three, not the checks, whose purpose is many applicants at once. What
tells an applicant list from such a search is the mask: applicants spread over many (a
county's share its first six digits, and only one in eleven of them also the check digit); a
search stays on one. So each of those routes counts every natural person's code it is asked
against the asking region's tries at that code's mask that Beijing day, and refuses past the
limit (``CG_TRIES_PER_MASKED_NUMBER_PER_DAY``): a birth year's candidates then take a month of
days, each try in the trail, rather than minutes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from gateway.recognition.disclosure import is_natural_person
from gateway_client.contract import CHINA, RateLimited, china_date, mask

CodeAsked = tuple[str, str]
"""Where a code was asked (``codes[3]``, ``line 12``, ``credit_code``), and the code, compacted."""


class TryCounter(Protocol):
    def take(
        self, asker: str, day: date, tries: Mapping[str, int], limit: int, once: str | None = None
    ) -> set[str]:
        """Count ``tries`` (mask → how many) as the asker's at each mask on ``day``, each mask
        only where its count stays within ``limit``; the masks refused (nothing counted). With
        ``once``, a take the asker made under that name before is answered as it was, and
        counts nothing again (a bulk check's block, run again after a failure)."""
        ...

    def give_back(self, asker: str, day: date, tries: Mapping[str, int]) -> None:
        """Uncount tries ``take`` counted, for a request then refused whole."""
        ...


def tries_at(asked: Sequence[CodeAsked]) -> Counter[str]:
    """The natural persons' codes among those asked, counted by mask."""
    return Counter(m for _, code in asked if (m := mask_of(code)) is not None)


@dataclass(frozen=True)
class TryLimit:
    """The day's tries a region may make at one mask, and where they are counted."""

    counter: TryCounter
    per_day: int

    def admit(self, asker: str, asked: Sequence[CodeAsked], now: datetime) -> None:
        """Count every natural person's code asked, or none: ``RateLimited`` (429) naming
        where the first code over the limit was asked, until Beijing's next midnight."""
        refused = self.refused(asker, asked, now)
        if not refused:
            return
        counted = {m: k for m, k in tries_at(asked).items() if m not in refused}
        if counted:
            self.counter.give_back(asker, china_date(now), counted)
        raise RateLimited(
            refusal_message(self.per_day),
            limit=self.per_day,
            retry_after=_until_tomorrow(now),
            path=next(where for where, code in asked if mask_of(code) in refused),
        )

    def refused(
        self, asker: str, asked: Sequence[CodeAsked], now: datetime, once: str | None = None
    ) -> set[str]:
        """Count the codes asked, mask by mask; the masks whose codes were refused, all of
        them (a bulk check answers those lines ``rate_limited``, and checks the rest);
        ``once`` as ``TryCounter.take``."""
        tries = tries_at(asked)
        if not tries:
            return set()
        return self.counter.take(asker, china_date(now), tries, self.per_day, once)


def refusal_message(limit: int) -> str:
    return f"tries at one masked ID number are limited to {limit} a day per region"


def mask_of(code: str) -> str | None:
    """A natural person's code's mask (``None`` for any other code)."""
    return mask(code) if is_natural_person(code) else None


def _until_tomorrow(now: datetime) -> int:
    """Seconds until the next Beijing midnight, when the day's tries start again."""
    tomorrow = datetime.combine(china_date(now) + timedelta(days=1), time(), CHINA)
    return max(1, int((tomorrow - now).total_seconds()) + 1)
