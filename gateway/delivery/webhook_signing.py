"""The Standard Webhooks headers of anything the gateway posts to a subscriber's endpoint.

Why a module of its own: deliveries (``gateway.delivery.sending``), URL verification, the
admin's test sends and the endpoint health notices all sign alike, and none of them should
need the delivery service to do it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.delivery.subscription import Subscription
from gateway_client.contract import (
    ID_HEADER,
    KEY_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    GatewaySigners,
    HmacSigner,
)


def webhook_headers(
    subscription: Subscription, signers: GatewaySigners, msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """Standard Webhooks headers for anything sent to ``subscription``: ``v1`` with its secret,
    else ``v1a`` or ``v1sm2`` with the gateway's key of that algorithm (deliveries and URL
    verification sign alike)."""
    headers = {
        "content-type": "application/json",
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(timestamp),
    }
    secrets = subscription.secrets_at(datetime.fromtimestamp(timestamp, UTC))
    if secrets:  # v1: the model guarantees a secret; two during a rotation's overlap
        signatures = (HmacSigner(secret).sign(msg_id, timestamp, body) for secret in secrets)
        headers[SIGNATURE_HEADER] = " ".join(signatures)
    else:
        signer = signers.for_scheme(subscription.signature_scheme)
        headers[SIGNATURE_HEADER] = signer.sign(msg_id, timestamp, body)
        headers[KEY_ID_HEADER] = signer.key_id
    return headers
