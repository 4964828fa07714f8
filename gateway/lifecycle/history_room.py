"""The room a listing's history has: an action that only opens another round of steps is
refused once the history holds ``HISTORY_BYTES``.

A history is kept for the listing's life and sent whole with every change of it, and some
actions may be repeated without end: the operator files objections with no 30-day pause and
corrects a day performed as often as it likes (a 2,000-character note each time), and a
reassignment carries its note. Unbounded, a listing's item passed DynamoDB's 400 KB, and every
later write of it failed with a 500; well before that its delivery alone passed an SQS
message's 256 KiB (reviews 376 F3, 380). So the actions that start a round — filing an
objection, correcting the day performed, reassigning — are refused 409 ``history_full`` once
the step they add would take the history past the bound (the operator's remedies have a
reserve past it); the steps that carry on or end what is under way (an objection's notice,
verification and decision, a repair, a removal, the expiry) are always written, as refusing
them would leave a listing suspended or in force for good. Each of those happens at most once
after the last round started, so the history stays within the bound plus their few steps.

The history is measured as every region sees it (``charged_bytes``): a step that may hold
words withheld where the listing is masked counts as if they were as long as allowed, so
whether a region's filing is refused tells it nothing of their length (reviews 382, 383).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gateway_client.contract import OPERATOR, Conflict, Listing, Transition

HISTORY_BYTES = 64 * 1024
"""Some 100 objection rounds, or 7 removals or corrections each with the longest note."""
OPERATOR_RESERVE = 32 * 1024
"""Room past it for the operator's own remedies (the subject's objection it files, a
reassignment, a correction of the day performed), so rounds started by regions cannot lock
them out (review 382). The largest listing the two admit (every field at its limit, the history
full, then a last objection round and a removal) is about 185 KB stored and queued: within an
SQS message's 256 KiB (``tests/app/test_history_room.py`` measures it)."""

NOTED_STEP_BYTES = 8_600
"""What a step that may hold withheld words counts (a removal's, a repair's, a correction of the
day performed): no such step is larger — a 2,000-character note of four-byte characters and
the step around it, or a step written before notes were kept apart, its words in its reason."""
NOTED_EVENTS = frozenset({"removed", "repaired"})
_OLD_VERIFICATION_WORDS = re.compile(r"objection \S+ verified(?:: | — )")
"""A verification step written before its note moved onto the objection, its words in its
reason (which views that mask leave out: ``recognition.disclosure.written_before_the_rules``):
counted as a noted step too (review 385). Only whether an old step held words shows."""
FILING_STEP_BYTES = 300
"""No objection's ``objection_filed`` step is larger (its id at most 64 characters)."""


class HistoryFull(Conflict):
    """The listing's history has no room for another round of steps."""

    code = "history_full"
    default_path = "listing_id"


def charged_bytes(steps: Iterable[Transition]) -> int:
    """The history's size as it counts against the bound: each step's compact JSON (UTF-8),
    a step that may hold withheld words ``NOTED_STEP_BYTES`` whatever it holds (never less
    than its size)."""
    return sum(
        NOTED_STEP_BYTES if _noted(step) else len(step.model_dump_json().encode()) for step in steps
    )


def _noted(step: Transition) -> bool:
    return step.event in NOTED_EVENTS or (
        step.event == "objection_verified"
        and _OLD_VERIFICATION_WORDS.match(step.reason) is not None
    )


def room_for(by: str) -> int:
    """The history a round ``by`` starts may take the listing's to."""
    return HISTORY_BYTES + (OPERATOR_RESERVE if by == OPERATOR else 0)


def check_room(listing: Listing, room: int, adding: int = 0) -> None:
    """Refuse a round past ``room``: ``listing`` with its first step, or before it, with
    ``adding`` bytes for it. The message gives no size (review 382)."""
    if charged_bytes(listing.history) + adding > room:
        raise HistoryFull(
            f"the listing's history is full ({room // 1024} KiB of steps, which go whole with "
            "every change): no objection, correction of the day performed or reassignment can "
            "be added; the owner's updates and removal, and an open objection's steps, are "
            "still taken"
        )
