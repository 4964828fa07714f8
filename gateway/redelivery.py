"""What the delivery log keeps to send a delivery again, and how the delivery is rebuilt.

A delivery record is for diagnosing a delivery, not a second copy of the listing: it keeps ids,
routing and the subscriber's recognition (no personal data), and a re-drive takes the change
back from the exchange log, where retention erases it with the listing. A delivery of an erased
change is not rebuilt: its listing's tombstone went to the subscriber on its own.
"""

from __future__ import annotations

from gateway.change import Change, ChangeType
from gateway.fanout import Delivery, EventType, Intensified, for_subscriber
from gateway.model import Frozen
from gateway.recognition import Recognition


class Resend(Frozen):
    """Everything of a delivery but its change, which the log holds under ``log_sequence``."""

    delivery_id: str
    subscription_id: str
    type: EventType
    change_id: str
    change_type: ChangeType
    log_sequence: int | None = None
    sequence: int | None = None
    recognition: Recognition
    intensified: bool | None = None  # a subject.intensified event: the flag and its domains
    intensified_domains: tuple[str, ...] = ()
    replay: bool = False


def resend_of(delivery: Delivery) -> Resend:
    flag = delivery.intensified
    return Resend(
        delivery_id=delivery.delivery_id,
        subscription_id=delivery.subscription_id,
        type=delivery.type,
        change_id=delivery.change.change_id,
        change_type=delivery.change.type,
        log_sequence=delivery.log_sequence,
        sequence=delivery.sequence,
        recognition=delivery.recognition,
        intensified=None if flag is None else flag.intensified,
        intensified_domains=() if flag is None else flag.domains,
        replay=delivery.replay,
    )


def rebuild(kept: Resend, change: Change) -> Delivery | None:
    """The delivery as it was first sent, from the logged ``change``: masked again unless the
    subscriber recognised the listing, as fan-out did. ``None`` if it is another change."""
    if change.change_id != kept.change_id:
        return None
    shown = for_subscriber(change, kept.recognition)
    flag = None
    if kept.intensified is not None:
        flag = Intensified(
            credit_code=shown.listing.credit_code,
            intensified=kept.intensified,
            domains=kept.intensified_domains,
        )
    return Delivery(
        delivery_id=kept.delivery_id,
        subscription_id=kept.subscription_id,
        type=kept.type,
        change=shown,
        recognition=kept.recognition,
        intensified=flag,
        log_sequence=kept.log_sequence,
        sequence=kept.sequence,
        replay=kept.replay,
    )
