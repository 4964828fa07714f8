"""Creating a subscription: who may subscribe which region, an id a retried request finds
again, and the endpoint's first URL-verification challenge.

A platform subscribes only its own region, by signing; the operator any registered one. A
signed request's webhook-id makes a retried creation answer with the subscription it created
(like a push's batch id); the HMAC secret of a ``v1`` subscription is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from gateway.authentication import Authenticated, replayed
from gateway.delivery.ports import ExchangeLog, SubscriptionStore
from gateway.delivery.resending import Resending
from gateway.delivery.subscription import (
    Subscription,
    SubscriptionRequest,
    check_settings,
    check_signable,
    request_digest,
)
from gateway.delivery.webhook_url import check_webhook_url
from gateway.ports import Registry
from gateway_client.contract import (
    Clock,
    Conflict,
    RegionMismatch,
    SubscriptionLimitReached,
    UnknownRegion,
    generate_hmac_secret,
)

_REQUEST_FIELDS = set(SubscriptionRequest.model_fields)
SUBSCRIPTIONS_PER_REGION = 50
"""Subscriptions one region may hold: each is planned for every change logged, country-wide."""


@dataclass(frozen=True)
class Created:
    subscription: Subscription
    new: bool  # False: the answer to a retried request (without the secret)


class SubscriptionDesk:
    def __init__(
        self,
        subscriptions: SubscriptionStore,
        registry: Registry,
        log: ExchangeLog,
        resending: Resending,
        clock: Clock,
        *,
        allow_loopback_http: bool,
        sm2_signing: bool = False,
        per_region: int = SUBSCRIPTIONS_PER_REGION,
        seed: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self.per_region = per_region
        self.subscriptions = subscriptions
        self.registry = registry
        self.log = log
        self.resending = resending
        self.clock = clock
        self.allow_loopback_http = allow_loopback_http
        self.sm2_signing = sm2_signing
        self.seed = seed

    def create(
        self,
        wanted: SubscriptionRequest,
        signed: Authenticated | None,
        admitted: Callable[[], None] = lambda: None,
        key: str | None = None,
    ) -> Created:
        """Subscribe ``wanted.region`` (``signed``: the platform's request; ``None``: the
        operator's). The new subscription is ``pending`` until its endpoint answers the
        challenge, tried once here; what is returned says which it is. ``admitted`` is called
        once every check passed, just before the write (the caller's rate limit: a refused
        request counts nothing); a region holding ``per_region`` subscriptions gets none more.
        The operator's ``key`` (``Idempotency-Key``) makes a retry answer the subscription it
        made, as a platform's webhook-id does (review 188).
        (Two creations racing for the last place may both pass: the rate limit bounds by how
        many.)"""
        by = signed.key.region if signed else None
        if by is not None and wanted.region != by:
            raise RegionMismatch(f"a {by} key cannot subscribe {wanted.region}", path="region")
        if self.registry.get_region(wanted.region) is None:
            raise UnknownRegion(f"region {wanted.region} is not registered", path="region")
        check_webhook_url(wanted.url, allow_loopback_http=self.allow_loopback_http)
        check_settings(
            wanted.filters,
            wanted.retry_schedule_seconds,
            self.registry,
            local=self.allow_loopback_http,
        )
        if signed is not None:
            seed, named = f"{by}:{signed.signed.msg_id}", "webhook-id"
        else:
            # the region in it: a key reused for another region makes another id (review 189)
            keyed = f"operator:{wanted.region}:{key}"
            seed, named = (keyed if key else self.seed()), "idempotency-key"
        subscription_id = "sub_" + hashlib.sha256(seed.encode()).hexdigest()[:24]
        existing = self.subscriptions.get(subscription_id)
        if existing is not None:
            if existing.created_as is not None:  # as created, whatever changed since
                same = existing.created_as == request_digest(wanted)
            else:
                asked = existing.model_dump(include=_REQUEST_FIELDS)
                same = SubscriptionRequest.model_validate(asked) == wanted
            if not same:
                raise Conflict(f"this {named} already created a different subscription", path=named)
            return Created(existing, new=False)
        if self.subscriptions.was_deleted(subscription_id, wanted.region):
            raise _deleted(named)  # a deleted id never lives again (reviews 189, 190)
        if signed is not None and signed.repeated:
            raise replayed(signed)
        check_signable(wanted.signature_scheme, sm2_signing=self.sm2_signing)
        held = sum(1 for s in self.subscriptions.all() if s.region == wanted.region)
        if held >= self.per_region:
            raise SubscriptionLimitReached(
                f"region {wanted.region} holds {held} subscriptions, the most one region may "
                "(CG_SUBSCRIPTIONS_PER_REGION); delete one first",
                path="region",
            )
        admitted()
        secret = generate_hmac_secret() if wanted.signature_scheme == "v1" else None
        created_at = self.clock.now()
        subscription = self.subscriptions.create(
            lambda head: Subscription(
                **wanted.model_dump(),
                created_as=request_digest(wanted),
                set_by_key=signed.key.key_id if signed else None,
                # its creator saw its secret and set its terms: named at its revocation even
                # once someone else gives it another URL (review 162)
                changed_by_keys=(signed.key.key_id,) if signed else (),
                subscription_id=subscription_id,
                secret=secret,
                created_at=created_at,
                log_start=head,
                state="pending",
            ),
            self.log.size,
        )
        if subscription is None:  # made meanwhile by a try in flight, or since deleted
            made = self.subscriptions.get(subscription_id)
            if made is not None and made.created_as == request_digest(wanted):
                return Created(made, new=False)
            raise _deleted(named)
        # Fan-out may park deliveries for it while the challenge is out: a success re-drives them.
        checked, _ = self.resending.verify(subscription)
        return Created(checked, new=True)


def _deleted(named: str) -> Conflict:
    return Conflict(
        f"the subscription this {named} made was deleted, or made otherwise meanwhile: a new "
        f"one needs a new {named}",
        path=named,
    )
