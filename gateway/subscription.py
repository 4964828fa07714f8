"""Subscriptions: a region's webhook endpoint and the filters that choose its changes."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AwareDatetime, Field

from gateway.catalogue import ListKind
from gateway.errors import InvalidWebhookUrl
from gateway.listing import Listing
from gateway.model import Frozen
from gateway.regions import RegionCode, within

SignatureScheme = Literal["v1a", "v1"]


class SubscriptionFilters(Frozen):
    """Empty tuples mean "all"; source regions match their whole subtree."""

    kinds: tuple[ListKind, ...] = ()
    domains: tuple[str, ...] = ()
    source_regions: tuple[RegionCode, ...] = ()

    def matches(self, listing: Listing) -> bool:
        return self.admits(listing.kind, listing.domain, listing.origin_region)

    def admits(self, kind: ListKind, domain: str, origin_region: str) -> bool:
        return (
            (not self.kinds or kind in self.kinds)
            and (not self.domains or domain in self.domains)
            and (
                not self.source_regions
                or any(within(origin_region, root) for root in self.source_regions)
            )
        )


class SubscriptionRequest(Frozen):
    region: RegionCode
    url: Annotated[str, Field(min_length=8, max_length=2048)]
    filters: SubscriptionFilters = SubscriptionFilters()
    signature_scheme: SignatureScheme = "v1a"
    description: Annotated[str, Field(max_length=200)] = ""


class Subscription(SubscriptionRequest):
    subscription_id: str
    secret: str | None = None
    enabled: bool = True
    created_at: AwareDatetime

    def public_view(self) -> dict[str, object]:
        """What may be shown after creation: the HMAC secret is shown once, at creation only."""
        return self.model_dump(mode="json", exclude={"secret"})


def check_webhook_url(url: str, *, allow_loopback_http: bool) -> str:
    """Refuse URLs a gateway should never call.

    Production needs https to a public host; local mode may call http on loopback only.

    Raises
    ------
    InvalidWebhookUrl
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in {"https", "http"} or not host:
        raise InvalidWebhookUrl("the webhook URL must be an absolute http(s) URL", field="url")
    if parts.username or parts.password:
        raise InvalidWebhookUrl("the webhook URL must not carry credentials", field="url")
    loopback = host == "localhost" or _is_ip(host, "is_loopback")
    if loopback and allow_loopback_http:
        return url
    if parts.scheme != "https":
        raise InvalidWebhookUrl("webhook URLs must use https", field="url")
    if loopback or _is_ip(host, "is_private") or _is_ip(host, "is_link_local"):
        raise InvalidWebhookUrl("webhook URLs must not target private addresses", field="url")
    return url


def _is_ip(host: str, attribute: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return bool(getattr(address, attribute))
