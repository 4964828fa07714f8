"""Which region a delivery went to, also once its subscription is gone.

A region may replace a subscription (to change its signature scheme, say, which takes a new
one): what the old one received is still the region's to read and to report measures on. The
subscription names the region while it exists; after, the delivery's kept recognition does
(it is made for one subscriber region; a batch's lines keep theirs by digest), so no record
needs a field of its own for it.
"""

from __future__ import annotations

from chalicelib.bootstrap import Container


def recipient_region(c: Container, subscription_id: str, delivery_id: str) -> str | None:
    """The region the delivery (or batch) was made for; None when neither the subscription
    nor a recognition kept with it says."""
    subscription = c.subscriptions.get(subscription_id)
    if subscription is not None:
        return subscription.region
    return c.deliveries.recipient_region(delivery_id)
