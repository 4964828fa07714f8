"""What the subscription routes answer, as models for the OpenAPI document: a subscription shown
without its HMAC secrets (``Subscription.public_view()``), or with the secret the one time it is."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, Field, create_model

from gateway.delivery import UNSHOWN, Attempt, Subscription
from gateway_client.contract import EndpointNotice, Frozen

# ``Subscription.public_view()``: every field but the HMAC secrets, shown once.
_VIEW_FIELDS: dict[str, Any] = {
    name: (info.annotation, info)
    for name, info in Subscription.model_fields.items()
    if name not in UNSHOWN
}
SubscriptionView = create_model(
    "SubscriptionView",
    __base__=Frozen,
    __doc__="A subscription as shown after its creation: without its secrets.",
    **_VIEW_FIELDS,
)

SubscriptionCreated = create_model(
    "SubscriptionCreated",
    __base__=Frozen,
    __doc__="A subscription as its creation shows it: a v1 subscription's secret this once.",
    secret=(str | None, Field(description="the whsec_ secret of a v1 subscription")),
    **_VIEW_FIELDS,
)


class Subscriptions(Frozen):
    subscriptions: tuple[SubscriptionView, ...]
    next: str | None = Field(description="pass it as `after` for the next page; null: no more")


class SubscriptionChanged(Frozen):
    subscription: SubscriptionView
    redriven: int = Field(description="parked deliveries queued again (verified URL, resume)")


class SubscriptionDeleted(Frozen):
    deleted: str


class SecretRotated(Frozen):
    subscription: SubscriptionView
    secret: str = Field(description="the new whsec_ secret, shown this once")
    previous_secret_until: AwareDatetime | None = Field(
        description="until then, webhooks carry a second v1 signature with the old secret"
    )


class TestSent(Frozen):
    notice: EndpointNotice
    attempt: Attempt
    delivered: bool = Field(description="the endpoint answered 2xx")
