"""Who hears of a change, remembered over a fan-out batch.

Which subscriptions' filters match a listing (its kind, domain and origin region) and how each
subscriber region recognises it (``gateway.recognition.memo``: its status, origin, kind,
domain, severity and grade) depend on a few facts of the listing and the day only. A batch of a
hundred changes — or the million of a province's resync — holds few distinct combinations, so
the audience of each is worked out once and reused for every change that shares them, instead
of once per change and subscription. ``tests/unit/test_recognition_memo.py`` proves planning
through the memo equal to planning without it on generated changes and subscriptions.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from datetime import date
from operator import is_

from gateway.delivery.subscription import Subscription
from gateway.recognition import Agreement, Recognitions, facts, remembered
from gateway_client.contract import Listing, Recognition

Heard = tuple[tuple[Subscription, Recognition], ...]
"""The matching subscriptions in order, each with its region's recognition of the listing."""


class Audience:
    """Matching subscriptions and their recognitions per (listing facts, day), for one list of
    subscriptions and one memo of recognitions."""

    def __init__(self, subscriptions: Sequence[Subscription], recognitions: Recognitions) -> None:
        self._subscriptions = tuple(subscriptions)  # held: ``serves`` compares identities
        self.recognitions = recognitions
        self._memo: dict[tuple[Hashable, ...], Heard] = {}

    def serves(self, subscriptions: Sequence[Subscription], recognitions: Recognitions) -> bool:
        """Whether these are the very (frozen) subscription objects, in order, and the memo of
        recognitions this audience was worked out with."""
        mine = self._subscriptions
        return (
            recognitions is self.recognitions
            and len(subscriptions) == len(mine)
            and all(map(is_, subscriptions, mine))
        )

    def of(self, listing: Listing, on: date) -> Heard:
        key = (*facts(listing), on)
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= 4096:
                self._memo.clear()
            found = self._memo[key] = tuple(
                (sub, self.recognitions.of(listing, sub.region, on))
                for sub in self._subscriptions
                if sub.filters.matches(listing)
            )
        return found


_current: Audience | None = None


def audience(subscriptions: Iterable[Subscription], agreements: Sequence[Agreement]) -> Audience:
    """The audience for these subscriptions and agreements: the one in use while callers keep
    passing the same objects (a fan-out passes the lists it read once to every change of its
    batch), a fresh one when they differ. A one-off iterable gets one of its own."""
    global _current
    recognitions = remembered(agreements)
    if not isinstance(subscriptions, Sequence):
        return Audience(tuple(subscriptions), recognitions)
    current = _current
    if current is None or not current.serves(subscriptions, recognitions):
        current = _current = Audience(subscriptions, recognitions)
    return current
