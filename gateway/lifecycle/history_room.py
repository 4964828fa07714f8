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
reserve past it); the steps that carry on or end what
is under way (an objection's notice, verification and decision, a repair, a removal, the
expiry) are always written, as refusing them would leave a listing suspended or in force for
good. Each of those happens at most once after the last round started, so the history stays
within the bound plus their few steps.
"""

from __future__ import annotations

from gateway_client.contract import OPERATOR, Conflict, Listing

HISTORY_BYTES = 64 * 1024
"""Some 100 objection rounds, or 7 corrections each with a note of 2,000 four-byte characters."""
OPERATOR_RESERVE = 32 * 1024
"""Room past it for the operator's own remedies (the subject's objection it files, a
reassignment, a correction of the day performed), so rounds started by regions cannot lock
them out (review 382). The largest listing the two admit (every field at its limit, the history
full, then a last objection round and a removal) is about 185 KB stored and queued: within an
SQS message's 256 KiB (``tests/app/test_history_room.py`` measures it)."""


class HistoryFull(Conflict):
    """The listing's history has no room for another round of steps."""

    code = "history_full"
    default_path = "listing_id"


def history_bytes(listing: Listing) -> int:
    """The history's size as its steps are stored and sent (compact JSON, UTF-8)."""
    return sum(len(step.model_dump_json().encode()) for step in listing.history)


def room_for(by: str) -> int:
    """The history a round ``by`` starts may take the listing's to."""
    return HISTORY_BYTES + (OPERATOR_RESERVE if by == OPERATOR else 0)


def check_room(moved: Listing, room: int) -> None:
    """Refuse ``moved`` (a listing with a round's first step added) past ``room``. The message
    gives no size: the steps' notes are withheld where the listing is shown masked, and a size
    would tell their length (review 382)."""
    if history_bytes(moved) > room:
        raise HistoryFull(
            f"the listing's history is full ({room // 1024} KiB of steps, which go whole with "
            "every change): no objection, correction of the day performed or reassignment can "
            "be added; the owner's updates and removal, and an open objection's steps, are "
            "still taken"
        )
