"""URL verification through the API: at creation, and again on the owner's request.

The attempt runs inside the request (``gateway.delivery.url_verification``: one signed challenge, a
5 s hard timeout, the deliveries' SSRF-checked transport), so the caller sees at once whether
its endpoint is ``verified`` or still ``pending`` and why. Deliveries planned meanwhile were
parked as dead without a request; a successful verification re-drives them, as ``enable`` does.
"""

from __future__ import annotations

from chalice.app import Request, Response
from pydantic import Field

from chalicelib.bootstrap import container
from chalicelib.http_errors import json_response
from chalicelib.route_spec import Access, Operation, Reply, Tag
from chalicelib.subscription_replies import SubscriptionView
from chalicelib.subscriptions_api import admit_challenge, owned_subscription
from gateway_client.contract import Frozen, errors


def verify(request: Request, subscription_id: str) -> Response:
    """Try the challenge again (the owner region, signed, or the operator), counted against
    ``CG_URL_CHALLENGES_PER_MINUTE`` (429, nothing sent). A verified subscription stays as it
    is: there is nothing to prove twice (nor counted)."""
    subscription = owned_subscription(request, subscription_id)
    subscription, redriven = container().resending.verify(
        subscription, lambda: admit_challenge(subscription.region)
    )
    body = {"subscription": subscription.public_view(), "redriven": redriven}
    return json_response(200, body)


class VerifyResult(Frozen):
    subscription: SubscriptionView
    redriven: int = Field(description="parked deliveries queued again by a success")


ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/subscriptions/{subscription_id}/verify",
        "verify_subscription",
        Tag.SUBS,
        "Challenge a pending subscription's endpoint again; a success delivers what it missed",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(VerifyResult, "The subscription after the attempt (`state`, and why not).")},
        (errors.NotFound, errors.RegionMismatch, errors.Sm2NotOffered, errors.RateLimited),
        body_required=False,
        description="A verified subscription is left as it is. Challenges of endpoints not "
        "verified yet (this, a creation's, and a PATCH of `url`) are limited per subscribing "
        "region (`CG_URL_CHALLENGES_PER_MINUTE`, 30; 429, nothing sent).",
        handler=verify,
    ),
)
