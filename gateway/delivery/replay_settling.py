"""What a replay's delivery does to its original's record (``DeliveryService`` calls these).

A replay is sent under its own record, but the change it carries is the original's: feedback
names the original's webhook id and the monthly statistics count the change there, once.
"""

from __future__ import annotations

from gateway.delivery.batch_sending import sent_in_a_batch
from gateway.delivery.planning import Delivery
from gateway.delivery.ports import DeliveryLog
from gateway.delivery.records import Attempt, DeliveryState
from gateway.delivery.subscription import Subscription

_UNSETTLED_ORIGINAL = frozenset({DeliveryState.DEAD, DeliveryState.RETRYING})


def queued_before(log: DeliveryLog, replay: Delivery) -> Delivery:
    """A replay queued by the release before replays had records of their own. While its
    original's record is retrying, the attempts there may be its own (that release wrote
    them there): it goes on as the original, so that record settles; otherwise it is given
    a record of its own (on a delivered record its attempts would be refused, and lost)."""
    if log.progress(replay.delivery_id).state is DeliveryState.RETRYING:
        return replay.original()
    return replay.recorded_apart()


def settle_original(
    log: DeliveryLog, replay: Delivery, attempt: Attempt, subscription: Subscription
) -> None:
    """A replay delivered is the change delivered: the record under its webhook id says so
    too — its original's, if dead or still retrying, or a new one where none was ever planned
    (the subscription's filters left the change out until widened, or it was a line of a
    batch whose file expired). A line of a delivered batch (recorded in the batch's) is
    left alone, and its dead record taken away; the replay's own record is found by listing
    (``delivery_items.index_keys``), so receipts know either way. Read first: for nearly
    every replay the original is delivered already."""
    if replay.record_id is None:
        return
    state = log.progress(replay.delivery_id).state
    if state in _UNSETTLED_ORIGINAL and sent_in_a_batch(log, replay, subscription):
        # a line of a dead batch that went in a split copy since: counted there, its own
        # record goes instead of being counted again (review 266)
        log.drop_line_record(replay.delivery_id)
    elif state in _UNSETTLED_ORIGINAL or (
        state is None and not sent_in_a_batch(log, replay, subscription)
    ):  # a batch whose file expired, replayed: recorded and counted here (review 268)
        log.record(replay.original(), attempt, DeliveryState.DELIVERED)
