"""Batched delivery's webhook: one signed announcement of an NDJSON file of deliveries.

A subscription that opts in (``delivery_mode: "batched"``) receives the ``listing.changed``
deliveries the gateway planned for it from one stream batch as one file in the gateway's
bucket, one line per delivery, each line exactly the body the single delivery would have been
(``DeliveryPayload``), in the order they would have been sent. The webhook announcing the file
is signed like every webhook and names the file's SHA-256, its size, how many lines it holds
and the first and last per-subscription ``sequence`` in it, so the receiver can tell a
truncated, altered or reordered file from the one the gateway wrote; the link is a presigned
GET made when the webhook is sent (a retry carries a fresh one), valid for a short while.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Final, Literal

from pydantic import AwareDatetime, Field

from gateway_client.contract.model import Frozen

BATCH_EVENT: Final = "deliveries.batch"

Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class BatchAnnouncement(Frozen):
    """The ``deliveries.batch`` webhook body; ``batch_id`` is also its ``webhook-id``."""

    type: Literal["deliveries.batch"] = BATCH_EVENT
    timestamp: AwareDatetime  # when the gateway wrote the file
    batch_id: str
    subscription_id: str
    subscriber_region: str
    url: Annotated[str, Field(min_length=8, max_length=8192)]  # presigned GET, short-lived
    expires_at: AwareDatetime  # when ``url`` stops working: a retry of the webhook has a new one
    sha256: Sha256Hex  # of the file's bytes, as downloaded
    size: Annotated[int, Field(ge=1)]  # bytes
    count: Annotated[int, Field(ge=1)]  # lines, one delivery each
    first_sequence: int  # the per-subscription ``sequence`` of the first line …
    last_sequence: int  # … and of the last; the lines' sequences increase strictly
    first_log_sequence: int  # where the file's changes lie in the exchange log (a replay
    last_log_sequence: int  # of this range sends them again should the file be lost)

    def to_bytes(self) -> bytes:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()


def file_digest(body: bytes) -> str:
    """The SHA-256 the announcement names (hex)."""
    return hashlib.sha256(body).hexdigest()
