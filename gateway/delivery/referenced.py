"""A delivery too large for one queue message, queued as what the delivery log keeps of it.

SQS takes at most 256 KiB a message. A delivery carries its listing whole, with its history
(which every objection and step lengthens), and its region's measures (up to
``agreement_desk.REGION_AGREEMENTS_BYTES``): a listing at its fields' limits with a long history
passes it (review 376: the fan-out, or an agreement's re-evaluation, then failed on every retry,
and nothing behind it was delivered). Such a delivery is queued as its ``Resend`` (everything
but the change: ids, routing, the recognition) and taken back from the exchange log when it is
received, as a re-drive takes it (``FromTheLog.rebuilt``). One whose change was erased since
is not rebuilt: its tombstone follows, as for any delivery withheld (``withholding``).
"""

from __future__ import annotations

from typing import Final, Literal

from gateway.delivery.planning import Delivery
from gateway.delivery.redelivery import Resend, resend_of
from gateway_client.contract import Frozen

REFERENCE_EVENT: Final = "delivery.by_reference"


class Referenced(Frozen):
    """The queued message of a delivery sent by reference."""

    type: Literal["delivery.by_reference"] = REFERENCE_EVENT
    kept: Resend

    @property
    def delivery_id(self) -> str:
        return self.kept.delivery_id

    @property
    def subscription_id(self) -> str:
        return self.kept.subscription_id


def by_reference(delivery: Delivery) -> Referenced | None:
    """``delivery`` as a reference, where the log gives its change back (a logged change, or
    a restatement of a logged version); None for one it cannot."""
    kept = resend_of(delivery)
    if kept.log_sequence is None and kept.restates is None:
        return None
    return Referenced(kept=kept)
