"""A delivery too large for one queue message, queued with its recognition stored apart.

SQS takes at most 256 KiB a message. A delivery carries its listing whole, with its history, and
its region's measures (up to ``agreement_desk.REGION_AGREEMENTS_BYTES``): a listing at its
fields' limits with a long history passes it (review 376: the fan-out, or an agreement's
re-evaluation, then failed on every retry, and nothing behind it was delivered). The measures
are most of it, and the same for every delivery to a region: such a delivery is queued with its
recognition named by digest, kept where delivery records keep large ones (no personal data),
and everything else as planned, so it is sent exactly as it would have been whole (review 378:
rebuilt from the exchange log instead, a restatement of a version not logged yet was lost, and
one erased was left unrecorded).
"""

from __future__ import annotations

from typing import Any, Final, Literal

from gateway.delivery.planning import Delivery
from gateway_client.contract import Frozen, Recognition

REFERENCE_EVENT: Final = "delivery.by_reference"


class Referenced(Frozen):
    """The queued message of a delivery whose recognition is kept apart (``recognition_ref``)."""

    type: Literal["delivery.by_reference"] = REFERENCE_EVENT
    recognition_ref: str
    delivery: dict[str, Any]  # every other field of the delivery, as dumped

    @property
    def delivery_id(self) -> str:
        return str(self.delivery["delivery_id"])

    @property
    def subscription_id(self) -> str:
        return str(self.delivery["subscription_id"])

    def with_recognition(self, recognition: Recognition) -> Delivery:
        """The delivery as planned, its recognition read back."""
        return Delivery.model_validate({**self.delivery, "recognition": recognition})


def by_reference(delivery: Delivery, recognition_ref: str) -> Referenced:
    """``delivery`` with its recognition named by ``recognition_ref`` (kept apart first)."""
    rest = delivery.model_dump(mode="json", exclude={"recognition"})
    return Referenced(recognition_ref=recognition_ref, delivery=rest)
