"""The subscriber's side of batched delivery: fetch the announced file, prove it is the one the
gateway signed for you, and hand back its lines, each to be treated as a delivery received.

The webhook is verified first like any other (signature, timestamp, ``batch_id`` =
``webhook-id``, audience: ``Audience.batch``). Its body names the file's SHA-256 and size, so
the file needs no signature of its own: any change to it — a line altered, dropped, added or
moved, the file cut short — changes its digest. The lines are then checked as the gateway
promises them: ``count`` of them, each a delivery addressed to you, their per-subscription
``sequence`` strictly increasing from ``first_sequence`` to ``last_sequence``. Standard library
only, like the rest of the client.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from typing import Any

from pydantic import ValidationError

from gateway_client.contract import (
    BatchAnnouncement,
    DeliveryPayload,
    VerificationError,
    file_digest,
)
from gateway_client.exchange_deadline import SLOWEST_LINK, Deadline
from gateway_client.push_client import DEFAULT_TIMEOUT

MAX_FILE = 256 << 20  # a stream batch's file is well under a megabyte; refuse anything huge


class FileUnavailable(OSError):
    """The file could not be fetched (the link lapsed, the network failed): answer non-2xx, so
    the gateway sends the webhook again with a fresh link."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A presigned link is the object itself: a redirect elsewhere (to another host, an
    internal address) is not followed but answered as the error it is."""

    def redirect_request(self, *_: Any, **__: Any) -> None:
        return None


def fetch_file(url: str, size: int, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """GET the presigned ``url``, reading at most one byte more than the announced ``size``,
    all of it within ``timeout`` seconds and the time ``size`` takes at ``SLOWEST_LINK`` (a
    file of a thousand lines on a slow link is no trickle: review 345); no redirect is
    followed (review 46g)."""
    if size > MAX_FILE:
        raise VerificationError(f"the batch file is announced as {size} bytes: too large")
    if not url.startswith(("https://", "http://")):
        raise VerificationError("the batch file's link is not an http(s) URL")
    try:
        with (
            Deadline(timeout + size / SLOWEST_LINK) as deadline,
            deadline.opener(_NoRedirects()).open(url, timeout=timeout) as reply,
        ):
            # an answer broken off before the length it gave is IncompleteRead: unavailable,
            # to fetch again — not a file altered (review 336)
            return deadline.read(reply, size + 1)
    except urllib.error.HTTPError as error:
        raise FileUnavailable(f"GET of the batch file answered {error.code}") from error
    except (urllib.error.URLError, TimeoutError, http.client.HTTPException) as error:
        # HTTPException: the answer broke off or was no HTTP (a chunk cut short, a bad status
        # line), which is no OSError; a fresh link and another try may well work
        raise FileUnavailable(f"the batch file could not be fetched: {error}") from error


def batch_lines(
    announced: BatchAnnouncement, body: bytes, subscription_id: str, region: str | None
) -> list[tuple[DeliveryPayload, bytes]]:
    """Each line of the file as (delivery, its bytes), once the file is proven whole and in
    order for this subscription.

    Raises
    ------
    VerificationError
        The digest, size or count differ from what was signed, a line is not a delivery or is
        addressed elsewhere, the sequences do not increase from first to last, or a line lies
        outside the announced log range.
    """
    if len(body) != announced.size or file_digest(body) != announced.sha256:
        raise VerificationError(
            f"the batch file's SHA-256 or size ({len(body)} bytes) differs from the signed "
            f"announcement ({announced.size} bytes): altered or truncated"
        )
    raw = [line for line in body.split(b"\n") if line.strip()]
    if len(raw) != announced.count:
        raise VerificationError(
            f"the batch file holds {len(raw)} lines, the announcement {announced.count}"
        )
    lines = [(_line(n, line), line) for n, line in enumerate(raw, 1)]
    previous: int | None = None
    for n, (delivery, _) in enumerate(lines, 1):
        if delivery.subscription_id != subscription_id or (
            region is not None and delivery.subscriber_region != region
        ):
            raise VerificationError(
                f"line {n} of the batch is addressed to {delivery.subscription_id} "
                f"({delivery.subscriber_region}), not to {subscription_id}"
            )
        sequence = delivery.sequence
        if sequence is None or (previous is not None and sequence <= previous):
            raise VerificationError(f"line {n} of the batch is out of order (sequence {sequence})")
        previous = sequence
        logged = delivery.log_sequence
        if logged is not None and not (
            announced.first_log_sequence <= logged <= announced.last_log_sequence
        ):  # the range a replay sends again should the file be lost (review 307)
            raise VerificationError(
                f"line {n} of the batch lies at log entry {logged}, outside the announced "
                f"{announced.first_log_sequence}–{announced.last_log_sequence}"
            )
    if (lines[0][0].sequence, previous) != (announced.first_sequence, announced.last_sequence):
        raise VerificationError(
            "the batch's sequences do not run from the announced first to the announced last"
        )
    return lines


def _line(number: int, line: bytes) -> DeliveryPayload:
    try:
        return DeliveryPayload.model_validate_json(line)
    except ValidationError as exc:
        raise VerificationError(f"line {number} of the batch is not a delivery") from exc
