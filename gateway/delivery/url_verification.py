"""URL verification: a new subscription's endpoint proves it wants the subscription's
deliveries before it gets any.

Why: anyone allowed to subscribe could otherwise point a subscription at another region's
endpoint and have the gateway post there. The gateway posts a signed
``subscription.verification`` event naming the subscription, its region and a random
``challenge``; only an endpoint that answers 2xx with ``{"challenge": "<the same>"}`` is
verified. A receiver answers only for its own region, so another region's subscription to its
URL stays ``pending`` and nothing is ever sent to it.

The event is signed like the subscription's deliveries (``v1`` with its secret, else ``v1a``);
a ``v1`` subscription's event carries a ``v1a`` signature too, because its endpoint learns the
``whsec_`` secret only from the creation reply, after this event was sent.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable

from gateway.delivery.ports import WebhookTransport
from gateway.delivery.records import HttpResponse
from gateway.delivery.subscription import Subscription
from gateway.delivery.webhook_signing import webhook_headers
from gateway_client.contract import (
    KEY_ID_HEADER,
    SIGNATURE_HEADER,
    Clock,
    GatewaySigners,
    VerificationEvent,
)

# Short and hard: the attempt runs inside the creating request (API Gateway gives up at 29 s).
VERIFY_TIMEOUT_SECONDS = 5.0


def failure_of(response: HttpResponse, challenge: str) -> str | None:
    """``None`` when the answer proves control of the endpoint, else why it does not."""
    if response.status == 0:
        return f"no answer: {response.body_excerpt[:200]}"
    if not 200 <= response.status < 300:
        return f"answered {response.status}, not 2xx"
    try:
        echoed = json.loads(response.body_excerpt)
    except (ValueError, RecursionError):  # nested deeper than Python parses (review 223)
        echoed = None
    if echoed != {"challenge": challenge}:
        # exactly that: an endpoint that reflects what it is sent (an echo service, an API
        # answering with the object it stored) holds the challenge too, yet proves nothing
        return 'answered other than exactly {"challenge": "…"} with the challenge sent'
    return None


class UrlVerifier:
    """Send one challenge to a subscription's endpoint and judge the answer."""

    def __init__(
        self,
        transport: WebhookTransport,
        signers: GatewaySigners,
        clock: Clock,
        timeout: float = VERIFY_TIMEOUT_SECONDS,
        token: Callable[[], str] = lambda: secrets.token_urlsafe(24),
    ) -> None:
        self._transport = transport
        self._signers = signers
        self._clock = clock
        self._timeout = timeout
        self._token = token

    def verify(self, subscription: Subscription) -> Subscription:
        """The subscription after one attempt: ``verified``, or ``pending`` with the reason."""
        now = self._clock.now()
        event = VerificationEvent(
            timestamp=now,
            verification_id="ver_" + secrets.token_hex(16),
            subscription_id=subscription.subscription_id,
            subscriber_region=subscription.region,
            challenge=self._token(),
        )
        body = event.to_bytes()
        timestamp = int(now.timestamp())
        headers = webhook_headers(
            subscription, self._signers, event.verification_id, timestamp, body
        )
        if subscription.secret is not None:
            v1a = self._signers.ed25519.sign(event.verification_id, timestamp, body)
            headers[SIGNATURE_HEADER] += " " + v1a
            headers[KEY_ID_HEADER] = self._signers.ed25519.key_id
        response = self._transport.post(subscription.url, headers, body, self._timeout)
        failure = failure_of(response, event.challenge)
        if failure is None:
            update: dict[str, object] = {
                "state": "verified",
                "verified_at": now,
                "verification_failure": None,
            }
        else:
            update = {"state": "pending", "verification_failure": failure}
        return subscription.model_copy(update=update)
