"""Recognition remembered over a batch: a fan-out asks how each of ten or thirty subscriber
regions sees each of a hundred (or, in a resync, a million) listings, and the answer depends on
a handful of a listing's facts only — not on its subject, names or dates.

``recognise`` reads of a listing its status, origin region, kind, domain, severity and
evaluation grade (through the severity policy, the catalogue measures' ``applies_to`` and each
agreement's ``covers_source`` / ``exclusion``), and besides those only the subscriber region,
the day and the agreements. So its outcome for (those facts × region × day) is computed once
and shared: a ``Recognition`` is frozen. ``tests/unit/test_recognition_memo.py`` proves the
remembered outcome equal to ``recognise``'s on generated listings, regions, days and agreements.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from datetime import date
from operator import is_

from gateway.recognition.agreement import Agreement
from gateway.recognition.matching import countable, recognise
from gateway.recognition.severity_policy import SeverityPolicy, severity_policy
from gateway_client.contract import Listing, Recognition

MAX_REMEMBERED = 65_536  # outcomes kept before the memo starts over (a few MB at most)


def facts(listing: Listing) -> tuple[Hashable, ...]:
    """Everything of ``listing`` that ``recognise`` reads."""
    graded = listing.evaluation
    return (
        listing.status,
        listing.origin_region,
        listing.kind,
        listing.domain,
        listing.severity,
        graded is not None,
        None if graded is None else graded.grade,
    )


class Recognitions:
    """``recognise`` under one set of agreements (and the severity policy in force when it was
    made), remembered per (listing facts, subscriber region, day)."""

    def __init__(self, agreements: Sequence[Agreement]) -> None:
        self._agreements = tuple(agreements)  # held: the identities ``serves`` compares stay ours
        self._policy: SeverityPolicy = severity_policy()
        self._memo: dict[tuple[Hashable, ...], Recognition] = {}

    def serves(self, agreements: Sequence[Agreement]) -> bool:
        """Whether these are the very agreement objects (frozen, so unchanged) this memo was
        made for, in order, under the same severity policy."""
        mine = self._agreements
        return (
            self._policy is severity_policy()
            and len(agreements) == len(mine)
            and all(map(is_, agreements, mine))
        )

    def of(self, listing: Listing, subscriber_region: str, on: date) -> Recognition:
        key = (*facts(listing), subscriber_region, on)
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= MAX_REMEMBERED:
                self._memo.clear()
            found = self._memo[key] = recognise(listing, subscriber_region, self._agreements, on)
        return found

    def counted(
        self, listings: Sequence[Listing], subscriber_region: str, on: date
    ) -> list[Listing]:
        """``counted`` under these agreements, each recognition remembered (a fan-out asks it
        of a subject's listings for every subscriber region, before and after each change)."""
        return [
            x for x in listings if countable(x) and self.of(x, subscriber_region, on).recognised
        ]


_current: Recognitions | None = None


def remembered(agreements: Iterable[Agreement]) -> Recognitions:
    """The memo for these agreements: the one in use while callers keep passing the same
    agreement objects (a fan-out passes the one list it read to every change of its batch),
    a fresh one as soon as they differ. One memo at a time, so nothing outlives its batch by
    more than the next call."""
    global _current
    if not isinstance(agreements, Sequence):  # a one-off iterable: a memo of its own
        return Recognitions(tuple(agreements))
    current = _current
    if current is None or not current.serves(agreements):
        current = _current = Recognitions(agreements)
    return current
