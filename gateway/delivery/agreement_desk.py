"""Signing, revising and ending agreements, each followed by its re-evaluation: the subscriber
region's existing listings are recognised again under the agreements before and after, and
every difference is queued to that region's subscriptions.

The revision and its re-evaluation job are stored in one transaction (an outbox), and a runner
works the job off afterwards (``gateway.delivery.reevaluation_runner``): no subscriber hears of an
agreement that was not saved, and no saved agreement goes without its re-evaluation, however
large the listings table.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from gateway.delivery.ports import AgreementStore
from gateway.delivery.reevaluation_job import carried, revision_job
from gateway.delivery.reevaluation_outbox import (
    ReevaluationOutbox,
    ReevaluationTrigger,
    last_dated,
)
from gateway.ports import Registry
from gateway.recognition import Agreement, AgreementTerms, terms_digest
from gateway_client.contract import (
    AgreementsTooLarge,
    BadRequest,
    Clock,
    Conflict,
    NotFound,
    UnknownRegion,
    china_date,
)

log = logging.getLogger("credit_gateway.delivery")

REGION_AGREEMENTS_BYTES = 160 * 1024
"""The most one subscriber region's agreements may hold, as a re-evaluation job carries them
(JSON; those ended before today without their measures: ``reevaluation_job.carried``): a job
carries them all twice (before and after) in one DynamoDB item, whose limit is 400 KB, and a
delivery the measures that recognise it in one SQS message (256 KB). A measure named by its
catalogue id takes a few dozen bytes; one written out in full up to about 3 KB (review 159)."""


def stored_size(agreement: Agreement) -> int:
    return len(agreement.model_dump_json().encode())


@dataclass(frozen=True)
class Saved:
    agreement: Agreement
    reevaluation: str | None  # the id of the job re-evaluating it; None: nothing changed
    new: bool = True  # False: a retried creation answered with what it made


def new_agreement_id() -> str:
    return "agr_" + secrets.token_hex(8)


def keyed_agreement_id(key: str) -> str:
    """The id an agreement signed under the operator's ``Idempotency-Key`` gets."""
    return "agr_" + hashlib.sha256(f"operator:{key}".encode()).hexdigest()[:16]


class AgreementDesk:
    def __init__(
        self,
        agreements: AgreementStore,
        registry: Registry,
        outbox: ReevaluationOutbox,
        trigger: ReevaluationTrigger,
        clock: Clock,
        new_id: Callable[[], str] = new_agreement_id,
    ) -> None:
        self.agreements = agreements
        self.registry = registry
        self.outbox = outbox
        self.trigger = trigger
        self.clock = clock
        self.new_id = new_id

    def sign(self, terms: AgreementTerms, key: str | None = None) -> Saved:
        """A new agreement (revision 1) for a registered subscriber region. The operator's
        ``key`` (``Idempotency-Key``) makes a retry answer the agreement it signed, never a
        twin that would go on recognising once the first is ended (review 188); other terms
        under it are 409 at the key."""
        agreement_id = self.new_id() if key is None else keyed_agreement_id(key)
        held = None if key is None else self.agreements.get(agreement_id)
        if held is not None:  # a retry: what it signed, as it stands, whatever changed since
            return _retried(held, terms)
        if self.registry.get_region(terms.subscriber_region) is None:
            raise UnknownRegion(
                f"region {terms.subscriber_region} is not registered", path="subscriber_region"
            )
        self._check(terms)
        now = self.clock.now()
        agreement = Agreement(
            **terms.as_catalogue_says().model_dump(),
            created_as=terms_digest(terms) if key is not None else None,
            agreement_id=agreement_id,
            revision=1,
            updated_at=now,
            start_moved_at=now,  # its start set: None is left to agreements stored before
            coverage_changed_at=now,
        )
        try:
            return self._save(None, agreement)
        except Conflict:
            # a retry racing the first request under its key: what the first signed, once it
            # is stored (review 218: 409 at agreement_id)
            signed = None if key is None else self.agreements.get(agreement_id)
            if signed is None:
                raise
            return _retried(signed, terms)

    def revise(self, agreement_id: str, terms: AgreementTerms) -> Saved:
        """New terms for the same subscriber region, as the next revision. The terms it holds
        already (a ``PUT`` retried) make none: a revision moves the day feedback is judged
        from, and its job would tell the subscribers nothing."""
        current = self.existing(agreement_id)
        if terms.subscriber_region != current.subscriber_region:
            raise BadRequest(
                "an agreement's subscriber region cannot change", path="subscriber_region"
            )
        self._check(terms)
        said = terms.as_catalogue_says()
        if said.model_dump() == current.model_dump(include=set(type(said).model_fields)):
            return Saved(current, None)
        now = self.clock.now()
        moved = terms.effective_from != current.effective_from
        revised = Agreement(
            **said.model_dump(),
            created_as=current.created_as,
            agreement_id=agreement_id,
            revision=current.revision + 1,
            updated_at=now,
            start_moved_at=now if moved else current.start_revised_at,
            coverage_changed_at=(current.coverage_revised_at if current.covers_as(said) else now),
        )
        gaps = revised.gaps_since(current, now)
        return self._save(current, revised.model_copy(update={"measure_gaps": gaps}))

    def end(self, agreement_id: str) -> Saved:
        """End an agreement today; it is kept, with its history, as no longer effective.

        One that has already lapsed keeps its real end date: ending it again changes nothing.
        """
        current = self.existing(agreement_id)
        today = china_date(self.clock.now())
        until = max(min(today, current.effective_until or today), current.effective_from)
        if until == current.effective_until:
            return Saved(current, None)
        ended = current.model_copy(
            update={
                "effective_until": until,
                "revision": current.revision + 1,
                "updated_at": self.clock.now(),
                "start_moved_at": current.start_revised_at,
                "coverage_changed_at": current.coverage_revised_at,
            }
        )
        return self._save(current, ended, ending=True)

    def _check(self, terms: AgreementTerms) -> None:
        """Terms that make sense (``AgreementTerms.check_sense``), each source with a registered
        platform: the region itself, or for a subtree any region in it (a province whose cities
        push is a source before its own platform registers).

        Raises
        ------
        UnknownRegion
        """
        terms.check_sense()
        for index, scope in enumerate(terms.sources):
            if scope.subtree:
                registered = self.registry.any_within(scope.region)
            else:
                registered = self.registry.get_region(scope.region) is not None
            if not registered:
                raise UnknownRegion(
                    f"no registered platform in source {scope.region}",
                    path=f"sources.{index}.region",
                )

    def existing(self, agreement_id: str) -> Agreement:
        found = self.agreements.get(agreement_id)
        if found is None:
            raise NotFound(f"no agreement {agreement_id}", path="agreement_id")
        return found

    def _save(
        self, previous: Agreement | None, agreement: Agreement, *, ending: bool = False
    ) -> Saved:
        """Store the revision with its job, then start the job (should that fail, the tick
        starts it within the hour). A revision may not take its region's agreements past
        ``REGION_AGREEMENTS_BYTES``; an end, or one that grows nothing, always may. Judged
        against the region's agreements as read after its guard's count, which the save
        requires unchanged: of two saves at once, the second is a 409 (review 163)."""
        region = agreement.subscriber_region
        saves = self.outbox.region_saves(region)
        others = [
            a
            for a in self.agreements.all()
            if a.subscriber_region == region and a.agreement_id != agreement.agreement_id
        ]
        since = last_dated(self.outbox, region, china_date(agreement.updated_at))
        since = max(since, self.outbox.revised_on([region]).get(region, since))
        if not ending:
            _within_limit(previous, agreement, others, since)
        job = revision_job(previous, agreement, others, since)
        self.outbox.save(agreement, job, saves)
        try:  # a narrowing only: without it the job compares a wider window
            self.outbox.committed(job, self.clock.now())
        except Exception:
            log.warning("re-evaluation %s not stamped committed", job.job_id, exc_info=True)
        self.trigger.start(job.job_id)
        return Saved(agreement, job.job_id)


def _retried(held: Agreement, terms: AgreementTerms) -> Saved:
    """A keyed creation again: the agreement it signed, or 409 at the key for other terms."""
    if held.created_as != terms_digest(terms):
        raise Conflict(
            "this Idempotency-Key already signed an agreement of other terms",
            path="idempotency-key",
        )
    return Saved(held, None, new=False)


def _within_limit(
    previous: Agreement | None, agreement: Agreement, others: Sequence[Agreement], since: date
) -> None:
    """Refused when the region's agreements, as the largest job would carry them (a date job
    from ``since``, the last day its date jobs were stored: ``carried``), pass the limit and
    the revision makes them larger: one that puts an ended agreement back in force counts its
    measures again (review 163)."""
    held = sum(stored_size(a) for a in carried(others, since))
    total = held + sum(stored_size(a) for a in carried([agreement], since))
    before = held + (sum(stored_size(a) for a in carried([previous], since)) if previous else 0)
    if total > REGION_AGREEMENTS_BYTES and (previous is None or total > before):
        raise AgreementsTooLarge(
            f"region {agreement.subscriber_region}'s agreements would hold {total:,} bytes, "
            f"more than the {REGION_AGREEMENTS_BYTES:,} one region's may: name catalogue "
            "measures by id, write measures shorter, or end an agreement first"
        )
