"""Which region a delivery went to, also once its subscription is gone.

A region may replace a subscription (to change its signature scheme, say, which takes a new
one): what the old one received is still the region's to read and to report measures on. The
subscription names the region while it exists; after, the delivery's kept recognition does
(it is made for one subscriber region), so no record needs a field of its own for it.
"""

from __future__ import annotations

from chalicelib.bootstrap import Container


def recipient_region(c: Container, subscription_id: str, delivery_id: str) -> str | None:
    """The region the delivery was made for; None when neither the subscription nor the
    delivery's kept recognition says."""
    subscription = c.subscriptions.get(subscription_id)
    if subscription is not None:
        return subscription.region
    kept = c.deliveries.kept(delivery_id)
    return kept.recognition.subscriber_region if kept is not None else None
