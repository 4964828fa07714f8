"""The subscriber's side: verify each delivery, answer the URL-verification challenge, fetch
the gateway's keys. Standard library HTTP only, so a province can vendor it with ``client``.

A delivery is genuine for *you* only if it is signed by the gateway (a key listed at
``/v1/keys`` and valid when it was signed, or your ``v1`` secret) *and* addressed to your
subscription: the gateway signs every region's deliveries with the same key, so the audience
named inside the signed body is what keeps another region's subscription, pointed at your URL,
from feeding you deliveries that verify.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from gateway_client.contract import (
    BATCH_EVENT,
    DEFAULT_TOLERANCE,
    DISABLED,
    FAILING,
    TEST,
    VERIFICATION_EVENT,
    AnyKey,
    BatchAnnouncement,
    DeliveryPayload,
    EndpointNotice,
    GatewayError,
    PublishedKey,
    SignedHeaders,
    VerificationError,
    VerificationEvent,
    verify_gateway_signed,
    verify_hmac,
)
from gateway_client.push_client import DEFAULT_TIMEOUT, http_request

_Body = TypeVar("_Body", bound=BaseModel)


def fetch_gateway_keys(base_url: str, timeout: float = DEFAULT_TIMEOUT) -> list[PublishedKey]:
    """Every key ``GET /v1/keys`` lists (current, next, previous) that this client can read;
    refresh it now and then. An entry it cannot read (an algorithm added since, a malformed
    one) could verify nothing here, so it is left out rather than spoiling the others.

    Raises
    ------
    VerificationError
        No list of keys in the answer, or not one key in it this client can read.
    """
    reply = http_request("GET", base_url.rstrip("/") + "/v1/keys", timeout=timeout)
    listed = reply.body.get("keys") if isinstance(reply.body, dict) else None
    if reply.status != 200 or not isinstance(listed, list):
        raise VerificationError(f"GET /v1/keys → {reply.status}: {reply.body}")
    readable = [key for key in map(_readable, listed) if key is not None]
    if not readable:
        raise VerificationError(
            f"GET /v1/keys lists no key this client can read ({len(listed)} listed)"
        )
    return readable


def _readable(entry: object) -> PublishedKey | None:
    try:
        return PublishedKey.model_validate(entry)
    except ValidationError:
        return None


def _signed(
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    public_keys: Iterable[AnyKey],
    secret: str | None,
    tolerance: timedelta,
) -> SignedHeaders:
    """The headers, once the signature and timestamp check out (``VerificationError`` else)."""
    try:
        signed = SignedHeaders.from_headers(headers)
        signed.check_timestamp(now, tolerance)
        if secret is not None:
            verify_hmac(signed, body, secret)
        else:
            signed_at = datetime.fromtimestamp(signed.timestamp, UTC)
            verify_gateway_signed(signed, body, public_keys, signed_at)
    except GatewayError as exc:
        raise VerificationError(exc.message) from exc
    return signed


@dataclass(frozen=True)
class Audience:
    """Your subscription and whom you trust: what each webhook sent to your endpoint is checked
    against. ``subscription_id`` (and ``region``, when given) is yours: a webhook addressed to
    another subscription is refused even though the gateway signed it."""

    subscription_id: str
    region: str | None = None
    public_keys: tuple[AnyKey, ...] = ()
    secret: str | None = None
    tolerance: timedelta = DEFAULT_TOLERANCE

    def delivery(self, headers: Mapping[str, str], body: bytes, now: datetime) -> DeliveryPayload:
        """A change delivered: signature, timestamp, audience, then the change."""
        signed, payload = self._read(DeliveryPayload, "delivery", headers, body, now)
        if payload.delivery_id != signed.msg_id:
            raise VerificationError("the body's delivery_id differs from webhook-id")
        self._addressed("delivery", payload.subscription_id, payload.subscriber_region)
        return payload

    def batch(self, headers: Mapping[str, str], body: bytes, now: datetime) -> BatchAnnouncement:
        """A file of deliveries announced (``deliveries.batch``): signature, timestamp,
        audience; the file itself is checked by ``gateway_client.batch_receiver``."""
        signed, announced = self._read(BatchAnnouncement, "batch", headers, body, now)
        if announced.batch_id != signed.msg_id:
            raise VerificationError("the body's batch_id differs from webhook-id")
        self._addressed("batch", announced.subscription_id, announced.subscriber_region)
        return announced

    def notice(self, headers: Mapping[str, str], body: bytes, now: datetime) -> EndpointNotice:
        """Your endpoint has been failing for a day (``subscription.failing``), the gateway
        disabled the subscription (``subscription.disabled``), or you asked for a test event
        (``subscription.test``). Sent once, never retried: answer 2xx, and alert whoever runs
        the endpoint."""
        signed, notice = self._read(EndpointNotice, "notice", headers, body, now)
        if notice.notice_id != signed.msg_id:
            raise VerificationError("the body's notice_id differs from webhook-id")
        self._addressed("notice", notice.subscription_id, notice.subscriber_region)
        return notice

    def _read(
        self, model: type[_Body], what: str, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> tuple[SignedHeaders, _Body]:
        signed = _signed(headers, body, now, self.public_keys, self.secret, self.tolerance)
        try:
            return signed, model.model_validate_json(body)
        except ValueError as exc:
            raise VerificationError(f"the body is not a {what}: {exc}") from exc

    def _addressed(self, what: str, to_subscription: str, to_region: str | None) -> None:
        """The gateway signs every region's webhooks with the same key: the body says whose."""
        if to_subscription != self.subscription_id:
            raise VerificationError(
                f"the {what} is addressed to subscription {to_subscription}, "
                f"not to {self.subscription_id}"
            )
        if self.region is not None and to_region != self.region:
            raise VerificationError(
                f"the {what} is addressed to region {to_region}, not to {self.region}"
            )


def verify_delivery(
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    *,
    subscription_id: str,
    region: str | None = None,
    public_keys: Iterable[AnyKey] = (),
    secret: str | None = None,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> DeliveryPayload:
    """What a subscriber runs on each webhook (``Audience.delivery``).

    Raises
    ------
    VerificationError
        One error type for every failure, with the reason in its message.
    """
    audience = Audience(subscription_id, region, tuple(public_keys), secret, tolerance)
    return audience.delivery(headers, body, now)


def verify_challenge(
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    *,
    region: str,
    public_keys: Iterable[AnyKey] = (),
    secret: str | None = None,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> VerificationEvent:
    """A URL-verification event the gateway signed for a subscription of ``region``; answer it
    with ``event.answer()`` and a 2xx status. A ``v1`` endpoint that has no secret yet (the
    event comes before the creation reply) checks its ``v1a`` signature with ``public_keys``.

    Raises
    ------
    VerificationError
        Not signed by the gateway, out of time, not a verification, or for another region.
    """
    signed = _signed(headers, body, now, public_keys, secret, tolerance)
    try:
        event = VerificationEvent.model_validate_json(body)
    except ValueError as exc:
        raise VerificationError(f"the body is not a verification event: {exc}") from exc
    if event.verification_id != signed.msg_id:
        raise VerificationError("the body's verification_id differs from webhook-id")
    if event.subscriber_region != region:
        raise VerificationError(
            f"the verification is for a subscription of {event.subscriber_region}, not {region}"
        )
    return event


def is_verification(body: bytes) -> bool:
    """Whether a webhook body claims to be the URL-verification event (its ``type``), to pick
    ``verify_challenge``, ``Audience.notice`` or ``Audience.delivery``; each then checks it."""
    return _claimed_type(body) == VERIFICATION_EVENT


def is_notice(body: bytes) -> bool:
    """Whether a webhook body claims to be an endpoint notice — health, or the test event its
    owner asked for (``Audience.notice``)."""
    return _claimed_type(body) in (FAILING, DISABLED, TEST)


def is_batch(body: bytes) -> bool:
    """Whether a webhook body claims to announce a file of deliveries (``Audience.batch``)."""
    return _claimed_type(body) == BATCH_EVENT


def _claimed_type(body: bytes) -> object:
    """Peeked before any signature is checked, so anyone's body: what is no JSON object, or
    nests too deep to parse, claims no type and is refused as the delivery it is not."""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return parsed.get("type") if isinstance(parsed, dict) else None
