"""A subscription in its owner's hands: list, change, pause and resume, rotate the secret,
send a test event, delete.

Every action is the subscribed region's (signed with one of its platform keys) or the
operator's, and every refusal comes before anything is written. A changed URL is a new
endpoint: it is ``pending`` until it answers the URL-verification challenge (sent at once), and
what fan-out plans meanwhile is parked, then delivered by the verification's re-drive, as at
creation. Pausing parks deliveries the same way; resuming delivers what was parked.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from gateway.delivery.ports import SubscriptionStore, WebhookTransport
from gateway.delivery.records import Attempt
from gateway.delivery.resending import Resending
from gateway.delivery.subscription import (
    Subscription,
    SubscriptionChanges,
    check_settings,
    check_signable,
)
from gateway.delivery.terms import with_terms_changed
from gateway.delivery.url_verification import VERIFY_TIMEOUT_SECONDS
from gateway.delivery.webhook_signing import webhook_headers
from gateway.delivery.webhook_url import check_webhook_url
from gateway.ports import Registry
from gateway_client.contract import (
    TEST,
    BadRequest,
    Busy,
    Clock,
    EndpointNotice,
    GatewaySigners,
    NoSecretToRotate,
    NotFound,
    RegionMismatch,
    SubscriptionFilters,
    SubscriptionPending,
    generate_hmac_secret,
    scrub_excerpt,
)

DEFAULT_OVERLAP = timedelta(hours=24)  # how long the old secret still signs after a rotation


@dataclass(frozen=True)
class Changed:
    subscription: Subscription
    redriven: int  # parked deliveries queued again (a verified new URL, a resume)


@dataclass(frozen=True)
class Tried:
    """What the endpoint answered the test event (never retried, never recorded)."""

    notice: EndpointNotice
    attempt: Attempt


class SubscriptionAdmin:
    def __init__(
        self,
        subscriptions: SubscriptionStore,
        registry: Registry,
        resending: Resending,
        transport: WebhookTransport,
        signers: GatewaySigners,
        clock: Clock,
        *,
        allow_loopback_http: bool,
        token: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self.subscriptions = subscriptions
        self.registry = registry
        self.resending = resending
        self.transport = transport
        self.signers = signers
        self.clock = clock
        self.allow_loopback_http = allow_loopback_http
        self.token = token

    def owned(self, subscription_id: str, by: str | None) -> Subscription:
        """The subscription, for the operator (``by`` None) or a platform of its region."""
        found = self.subscriptions.get(subscription_id)
        if found is None:
            raise NotFound(f"no subscription {subscription_id}", path="subscription_id")
        if by is not None and by != found.region:
            raise RegionMismatch(
                f"subscription {subscription_id} is not one of {by}'s", path="subscription_id"
            )
        return found

    def of_region(self, by: str | None, region: str | None) -> list[Subscription]:
        """A platform's region's subscriptions; the operator's: all, or one region's."""
        if by is not None and region not in (None, by):
            raise RegionMismatch(f"a {by} key cannot list subscriptions of {region}", path="region")
        wanted = by or region
        found = [s for s in self.subscriptions.all() if wanted in (None, s.region)]
        return sorted(found, key=lambda s: (s.created_at, s.subscription_id))

    def update(
        self,
        subscription: Subscription,
        changes: SubscriptionChanges,
        admitted: Callable[[bool, bool], None] = lambda terms, challenge: None,
        by_key: str | None = None,
    ) -> Changed:
        """Apply the fields sent; a new URL is checked, then challenged before it gets anything.
        Whether the URL is new is judged against the subscription as stored when the change is
        written (another change may have moved it meanwhile), never against an older read.
        ``admitted(terms, challenge)`` is asked (and may raise) once the change passed its
        checks, if it changes the terms of the subscription as read or gives it another URL
        (challenged at once): rate limits count changes of terms and challenges (review 93
        F2), not a request that repeats them nor one refused by a check (one answered 503
        ``busy``, after the count, does count). Terms that repeat those read, respelled or not,
        are left as stored: no transaction with the log's head is made for them, uncounted
        (review 45)."""
        if changes.url is not None:
            check_webhook_url(changes.url, allow_loopback_http=self.allow_loopback_http)
        check_settings(
            changes.filters,
            changes.retry_schedule_seconds,
            self.registry,
            local=self.allow_loopback_http,
        )
        scheme = changes.signature_scheme or subscription.signature_scheme
        if changes.signature_scheme is not None and subscription.signature_scheme == "v1":
            raise BadRequest(
                "a v1 subscription signs with its own secret for good: subscribe anew for v1a "
                "or v1sm2",
                path="signature_scheme",
            )
        check_signable(scheme, sm2_signing=self.signers.sm2 is not None)
        fields = {name: getattr(changes, name) for name in changes.model_fields_set}
        asked = {"filters", "recognised_only"} & changes.model_fields_set
        terms = set() if same_terms(subscription, fields, asked) else asked
        challenge = changes.url is not None and changes.url != subscription.url
        # a turn to batched delivery is written at the log's size, as terms are (its
        # ``batched_from`` parts what may have gone singly), and limited as terms are, since
        # each is a write against the log's head; "batched" repeated is neither (review 45)
        turning = changes.delivery_mode == "batched" and subscription.delivery_mode == "single"
        pinned = bool(terms) or turning  # written at the log's size, ``head`` in ``apply``
        if terms or challenge or turning:
            admitted(bool(terms) or turning, challenge)
        moved: list[bool] = [False]

        def apply(current: Subscription, head: int) -> Subscription:
            moved[0] = changes.url is not None and changes.url != current.url
            challenge = {
                "state": "pending",
                "verified_at": None,
                "verification_failure": "the URL changed: not challenged yet",
                # the old endpoint's failures (single and batched) say nothing of the new one:
                # kept, its first failure disabled it for the old one's days (review 245)
                "failing_since": None,
                "warned_at": None,
                "batches_failing_since": None,
                "batches_failed_at": None,
            }
            kept: dict[str, object] = {"ever_batched": current.had_batches()}  # receipts stay
            if fields.get("delivery_mode") == "batched" and current.delivery_mode == "single":
                if not pinned:  # made single meanwhile: not written at the log's size (268)
                    raise _changed_meanwhile()
                kept["batched_from"] = head  # what was logged so far may have gone singly
            written = fields
            if same_terms(current, fields, asked):  # as stored: left so, respelled or not
                written = {name: value for name, value in fields.items() if name not in asked}
            elif not pinned:  # moved since read by another change: never dropped (review 289)
                raise _changed_meanwhile()
            else:
                kept |= with_terms_changed(current, head)
            if moved[0]:  # who gave it this URL (``Subscription.set_by_key``)
                kept |= challenge | {"set_by_key": by_key}
            changed = current.model_copy(update=written | kept)
            if changed == current:
                return changed
            return changed.model_copy(update=current.changed_by(by_key))

        changed = self._change(subscription, apply, pinned=pinned)
        if moved[0]:
            return Changed(*self.resending.verify(changed))
        if scheme != subscription.signature_scheme and self.resending.sending(changed):
            # what waited for a key to sign it (``unsigned``) goes out under the new scheme
            return Changed(changed, self.resending.redrive_held(changed))
        return Changed(changed, 0)

    def delete(self, subscription: Subscription, by_key: str | None = None) -> None:
        """Nothing more is planned or sent for it; messages already queued are dropped.
        ``by_key``: the platform key asking (None: the operator), named at its revocation."""
        self.subscriptions.delete(subscription.subscription_id, by_key)

    def pause(self, subscription: Subscription, by_key: str | None = None) -> Subscription:
        """Park its deliveries (kept, not sent) until resumed; pausing twice changes nothing.
        ``by_key``: the platform key asking (None: the operator), noted for review."""
        now = self.clock.now()
        return self._change(
            subscription,
            lambda current, _: (
                None
                if current.paused_at is not None
                else current.model_copy(update={"paused_at": now, **current.changed_by(by_key)})
            ),
        )

    def resume(self, subscription: Subscription, by_key: str | None = None) -> Changed:
        """Send again, and what was parked meanwhile (only that: dead letters of failed
        attempts are the operator's to re-drive). A still disabled or unverified endpoint gets
        it when it is enabled or verified."""
        resumed = self._change(
            subscription,
            lambda current, _: (
                None
                if current.paused_at is None
                else current.model_copy(update={"paused_at": None, **current.changed_by(by_key)})
            ),
        )
        if not self.resending.sending(resumed):  # disabled, unverified or unsigned still
            return Changed(resumed, 0)
        # Also when it was not paused: what one call left parked (over REDRIVE_LIMIT) goes next.
        return Changed(resumed, self.resending.redrive_held(resumed))

    def rotate_secret(
        self, subscription: Subscription, overlap: timedelta, by_key: str | None = None
    ) -> Subscription:
        """A new ``whsec_`` secret; the current one still signs beside it for ``overlap`` (each
        webhook then carries both signatures), so the receiver can switch without a gap. A
        rotation during an overlap drops the oldest secret. ``by_key`` (the platform key that
        learns the secret) is noted for review."""
        if subscription.secret is None:
            raise NoSecretToRotate(
                f"subscription {subscription.subscription_id} is signed v1a with the gateway's "
                "key (GET /v1/keys): it has no secret to rotate",
                path="subscription_id",
            )
        fresh, until = generate_hmac_secret(), self.clock.now() + overlap
        return self._change(
            subscription,
            lambda current, _: current.model_copy(
                update={
                    "secret": fresh,
                    "previous_secret": current.secret if overlap else None,
                    "previous_secret_until": until if overlap else None,
                    **current.changed_by(by_key),
                }
            ),
        )

    def _change(
        self,
        subscription: Subscription,
        change: Callable[[Subscription, int], Subscription | None],
        *,
        pinned: bool = False,
    ) -> Subscription:
        """``change`` applied to the subscription as stored now (never a stale copy over a
        delivery's health note); 404 if it was deleted meanwhile. ``pinned``: written at the
        exchange log's size given to ``change`` (a change of terms: ``gateway.delivery.terms``);
        else ``change`` is given 0."""
        sid = subscription.subscription_id
        stored = (
            self.subscriptions.update_at(sid, change, self.resending.log.size)
            if pinned
            else self.subscriptions.update(sid, lambda current: change(current, 0))
        )
        if stored is None:
            raise NotFound(
                f"no subscription {subscription.subscription_id}", path="subscription_id"
            )
        return stored

    def send_test(
        self, subscription: Subscription, admitted: Callable[[], None] = lambda: None
    ) -> Tried:
        """Post a signed ``subscription.test`` notice now and report the answer. Only to a
        verified endpoint (one that proved it wants the gateway's posts); paused or disabled
        endpoints may be tried, which is how their owner checks them before resuming.
        ``admitted`` is asked (and may raise) once the checks passed, before the post: a rate
        limit counts notices sent, never a refusal."""
        check_signable(subscription.signature_scheme, sm2_signing=self.signers.sm2 is not None)
        if subscription.pending:
            raise SubscriptionPending(
                f"subscription {subscription.subscription_id} has not verified its endpoint; "
                "POST …/verify first",
                path="subscription_id",
            )
        admitted()
        now = self.clock.now()
        notice = EndpointNotice(
            type=TEST,
            notice_id=f"ntc_{self.token()}",
            timestamp=now,
            subscription_id=subscription.subscription_id,
            subscriber_region=subscription.region,
            failing_since=subscription.failing_since,
        )
        body = notice.to_bytes()
        headers = webhook_headers(
            subscription, self.signers, notice.notice_id, int(now.timestamp()), body
        )
        answer = self.transport.post(subscription.url, headers, body, VERIFY_TIMEOUT_SECONDS)
        excerpt = scrub_excerpt(answer.body_excerpt)
        attempt = Attempt(
            at=now, status=answer.status, latency_ms=answer.elapsed_ms, response_excerpt=excerpt
        )
        return Tried(notice, attempt)


def _changed_meanwhile() -> Busy:
    """What a change whose terms (or delivery mode) another change moved after it read them
    answers: written off its read, it would drop or misdate them; read again, it is pinned."""
    return Busy(
        "the subscription changed while this was written: nothing was written; send the "
        "request again (a signed one under a new webhook-id: the one used is spent)",
        retry_after=1,
    )


def same_terms(current: Subscription, fields: dict[str, object], terms: set[str]) -> bool:
    """Whether a change leaves the subscription's terms as they were: its filters compared by
    meaning (``SubscriptionFilters.canonical``), so a respelling moves no ``terms_since``, which
    verify-log would rightly report (``gateway_client.terms_audit``)."""
    for name in terms:
        new, old = fields[name], getattr(current, name)
        if isinstance(new, SubscriptionFilters) and isinstance(old, SubscriptionFilters):
            new, old = new.canonical(), old.canonical()
        if new != old:
            return False
    return True
