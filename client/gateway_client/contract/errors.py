"""One hierarchy of domain errors, each with a stable machine-readable code.

The domain never knows about HTTP; ``chalicelib.http_errors`` maps each class to a status.
"""

from __future__ import annotations

import json
from datetime import date
from enum import Enum
from typing import Any


class GatewayError(Exception):
    """Base class: ``code`` is stable and machine-readable, ``message`` is for people, and
    ``path`` names what was refused. A raise that knows the field passes ``path=``; one that
    does not gets its class's ``default_path`` (the header, body or id the refusal is about),
    so every refusal carries a ``path`` as the contract promises. Each direct subclass sets
    one: the base has none to offer."""

    code = "gateway_error"
    default_path = ""

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def to_dict(self) -> dict[str, Any]:
        path = self.context.get("path") or self.default_path
        return {"code": self.code, "message": self.message, **self.context, "path": path}


class AuthenticationError(GatewayError):
    """The request is not proven to come from who it claims (401)."""

    code = "authentication_failed"
    default_path = "authorization"


class MissingSignature(AuthenticationError):
    """A signature, timestamp, id or key-id header is absent."""

    code = "missing_signature"
    default_path = "webhook-signature"


class InvalidSignature(AuthenticationError):
    """No signature in the header verifies against the body with an acceptable key."""

    code = "invalid_signature"
    default_path = "webhook-signature"


class TimestampOutOfWindow(AuthenticationError):
    """The signed timestamp is too far from the gateway's clock (replay protection)."""

    code = "timestamp_out_of_window"
    default_path = "webhook-timestamp"


class OperatorCredentialsRequired(AuthenticationError):
    """No operator credentials, or wrong ones, on an operator endpoint."""

    code = "operator_credentials_required"


class ConsoleSessionInvalid(AuthenticationError):
    """A console session token that is unknown, expired, closed, or whose key was revoked."""

    code = "console_session_invalid"


class ForbiddenError(GatewayError):
    """The caller is known but may not do this (403)."""

    code = "forbidden"
    default_path = "authorization"


class ConsoleSessionNotAllowed(ForbiddenError):
    """A console session on a route that changes lists, keys or sessions: those need the
    platform's own signature (or the operator's credentials) on each request."""

    code = "console_session_not_allowed"


class UnknownKey(ForbiddenError):
    """The key id is not registered, or not valid at the signed time."""

    code = "unknown_key"
    default_path = "x-credit-key-id"


class UnknownRegion(ForbiddenError):
    """The region is not registered with the gateway."""

    code = "unknown_region"
    default_path = "region"


class RegionMismatch(ForbiddenError):
    """A platform acted for a region its key does not belong to."""

    code = "region_mismatch"
    default_path = "region"


class OperatorOnly(ForbiddenError):
    """The endpoint needs operator credentials."""

    code = "operator_only"


class BadRequest(GatewayError):
    """The request is malformed (400); ``path`` names the offending field when known."""

    code = "bad_request"
    default_path = "body"


class MalformedJson(BadRequest):
    """The body is not valid UTF-8 JSON."""

    code = "malformed_json"


class SchemaError(BadRequest):
    """The body is JSON but does not match the schema."""

    code = "invalid_schema"


class InvalidCreditCode(BadRequest):
    """A credit code is neither a valid USCC nor a valid resident ID number."""

    code = "invalid_credit_code"


class InvalidWebhookUrl(BadRequest):
    """A subscription's URL is not acceptable for this stage."""

    code = "invalid_webhook_url"


class Sm2NotOffered(BadRequest):
    """The gateway was asked to sign with SM2 (``v1sm2``) but holds no SM2 key: the deployment
    has not turned SM2 signing on (``CG_SM2_SIGNING``)."""

    code = "sm2_not_offered"


class FutureDate(BadRequest):
    """A date that cannot have come yet: a decision, the end of the conduct, a measure executed,
    a key's start too far ahead."""

    code = "future_date"


class DatesOutOfOrder(BadRequest):
    """Two dates the wrong way round: a key valid until before it is valid from, a measure
    executed before the decision it answers."""

    code = "dates_out_of_order"


class DuplicateValue(BadRequest):
    """A list that is a set names one thing twice (a filter's kind, an agreement's source or
    measure): the repeat says nothing, and often stands where something else was meant."""

    code = "duplicate_value"

    @classmethod
    def check(cls, values: Any, path: str, field: str = "") -> None:
        """Refuse the first repeat in ``values``, naming it ``<path>.<index>`` (and the
        ``field`` of that item the value is, for a list of objects)."""
        seen: list[Any] = []
        for index, value in enumerate(values):
            if value in seen:
                at = f"{path}.{index}.{field}" if field else f"{path}.{index}"
                raise cls(f"{path} names {_shown(value)} twice", path=at)
            seen.append(value)


def _shown(value: Any) -> str:
    """A value as the request wrote it, not Python's repr (``<ListKind.BLACK: 'black'>``)."""
    if isinstance(value, tuple):
        return "(" + ", ".join(_shown(part) for part in value) + ")"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, date):
        value = value.isoformat()
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


class TooManySourceRegions(BadRequest):
    """A subscription's ``filters.source_regions`` names more roots than a subscription
    takes (``MAX_SOURCE_REGIONS``): a subtree stands for its regions."""

    code = "too_many_source_regions"
    default_path = "filters.source_regions"


class InvalidRetrySchedule(BadRequest):
    """Retry delays under a second, or shorter than the one before: they would hammer a
    failing endpoint instead of backing off."""

    code = "invalid_retry_schedule"


class MeasureNotForKinds(BadRequest):
    """A catalogue measure for kinds of list the agreement does not recognise (a red list's
    incentive in a black-list agreement): it could never apply."""

    code = "measure_not_for_kinds"


class DomainNotForKinds(BadRequest):
    """A domain whose lists are of none of the kinds the agreement recognises (a red list's
    domain in a black-list agreement): nothing could ever match it (review 187)."""

    code = "domain_not_for_kinds"


class GradeNotForDomains(BadRequest):
    """A grade no rating scheme of the agreement's domains has (a tax grade in a customs
    agreement): no result could ever match it (review 388)."""

    code = "grade_not_for_domains"


class SelfRecognition(BadRequest):
    """An agreement whose subscriber region names itself, or a region under it, as a source: a
    region's own subtree's listings are its own already, not another's to recognise."""

    code = "self_recognition"


class AgreementsTooLarge(BadRequest):
    """A revision that would make its subscriber region's agreements larger than one region's
    may be (``gateway.delivery.agreement_desk``): each re-evaluation carries them all, before
    and after, in one stored job, and each delivery the measures recognising it."""

    code = "agreements_too_large"
    default_path = "measures"


class PayloadTooLarge(GatewayError):
    """The body exceeds the configured limit (413)."""

    code = "payload_too_large"
    default_path = "body"


class NotFound(GatewayError):
    """The addressed resource does not exist (404)."""

    code = "not_found"
    default_path = "path"


class Gone(GatewayError):
    """What the request names existed and was erased for good (410)."""

    code = "gone"
    default_path = "path"


class Conflict(GatewayError):
    """The request conflicts with stored state (409)."""

    code = "conflict"
    default_path = "body"


class BatchIdReused(Conflict):
    """A batch id was sent again with a different body."""

    code = "batch_id_reused"
    default_path = "batch_id"


class BatchInProgress(Conflict):
    """The same batch is being processed right now; retry shortly."""

    code = "batch_in_progress"
    default_path = "batch_id"


class RequestReplayed(Conflict):
    """A signed request's ``webhook-id`` was already used by the same key: each request is
    signed once, with its own id, so captured headers cannot be sent again."""

    code = "request_replayed"
    default_path = "webhook-id"


class SubscriptionPending(Conflict):
    """The subscription's endpoint has not answered its URL-verification challenge yet."""

    code = "subscription_pending"
    default_path = "subscription_id"


class SubscriptionPaused(Conflict):
    """Its owner paused it: a replay would be held back with nothing to keep it (the changes
    were delivered before), so it is asked for after ``resume``."""

    code = "subscription_paused"
    default_path = "subscription_id"


class SubscriptionDisabled(Conflict):
    """It was disabled (its endpoint kept failing): a replay is asked for after ``enable``."""

    code = "subscription_disabled"
    default_path = "subscription_id"


class NoSecretToRotate(Conflict):
    """A ``v1a`` subscription is signed with the gateway's key (``GET /v1/keys``): it holds
    no secret of its own to rotate."""

    code = "no_secret_to_rotate"
    default_path = "subscription_id"


class SubscriptionLimitReached(Conflict):
    """The region holds as many subscriptions as one region may (``CG_SUBSCRIPTIONS_PER_REGION``):
    every subscription is planned for every change of the whole country, so one region's
    endpoints cannot multiply everyone's fan-out. Delete one to make room."""

    code = "subscription_limit_reached"
    default_path = "region"


class VerificationError(GatewayError):
    """A subscriber-side check of a delivery failed (signature, timestamp or body)."""

    code = "verification_failed"
    default_path = "body"


class Busy(GatewayError):
    """The gateway could not make the change for load it did not choose (the exchange log kept
    moving under it): nothing was written; try again after ``retry_after`` seconds."""

    code = "busy"
    default_path = "body"


class RateLimited(GatewayError):
    """The region sent more pushes this minute than its limit (or an address more anonymous
    queries); ``retry_after`` is in seconds."""

    code = "rate_limited"
    default_path = "authorization"
