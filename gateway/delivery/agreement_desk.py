"""Signing, revising and ending agreements, each followed by its re-evaluation: the subscriber
region's existing listings are recognised again under the agreements before and after, and
every difference is queued to that region's subscriptions.

The agreement is stored before its re-evaluation is queued, so no subscriber ever hears of an
agreement that was not saved.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from gateway.delivery.planning import Delivery
from gateway.delivery.ports import AgreementStore, DeliveryQueue, SubscriptionStore
from gateway.delivery.reevaluation import recognition_changes
from gateway.ports import ListingStore, Registry
from gateway.recognition import Agreement, AgreementTerms
from gateway_client.contract import BadRequest, Clock, NotFound, UnknownRegion, china_date


@dataclass(frozen=True)
class Saved:
    agreement: Agreement
    deliveries_queued: int


def new_agreement_id() -> str:
    return "agr_" + secrets.token_hex(8)


class AgreementDesk:
    def __init__(
        self,
        agreements: AgreementStore,
        registry: Registry,
        listings: ListingStore,
        subscriptions: SubscriptionStore,
        queue: DeliveryQueue,
        clock: Clock,
        new_id: Callable[[], str] = new_agreement_id,
    ) -> None:
        self.agreements = agreements
        self.registry = registry
        self.listings = listings
        self.subscriptions = subscriptions
        self.queue = queue
        self.clock = clock
        self.new_id = new_id

    def sign(self, terms: AgreementTerms) -> Saved:
        """A new agreement (revision 1) for a registered subscriber region."""
        if self.registry.get_region(terms.subscriber_region) is None:
            raise UnknownRegion(
                f"region {terms.subscriber_region} is not registered", path="subscriber_region"
            )
        agreement = Agreement(
            **terms.model_dump(),
            agreement_id=self.new_id(),
            revision=1,
            updated_at=self.clock.now(),
        )
        return self._save(None, agreement)

    def revise(self, agreement_id: str, terms: AgreementTerms) -> Saved:
        """New terms for the same subscriber region, as the next revision."""
        current = self.existing(agreement_id)
        if terms.subscriber_region != current.subscriber_region:
            raise BadRequest(
                "an agreement's subscriber region cannot change", path="subscriber_region"
            )
        revised = Agreement(
            **terms.model_dump(),
            agreement_id=agreement_id,
            revision=current.revision + 1,
            updated_at=self.clock.now(),
        )
        return self._save(current, revised)

    def end(self, agreement_id: str) -> Saved:
        """End an agreement today; it is kept, with its history, as no longer effective.

        One that has already lapsed keeps its real end date: ending it again changes nothing.
        """
        current = self.existing(agreement_id)
        today = china_date(self.clock.now())
        until = max(min(today, current.effective_until or today), current.effective_from)
        if until == current.effective_until:
            return Saved(current, 0)
        ended = current.model_copy(
            update={
                "effective_until": until,
                "revision": current.revision + 1,
                "updated_at": self.clock.now(),
            }
        )
        return self._save(current, ended)

    def existing(self, agreement_id: str) -> Agreement:
        found = self.agreements.get(agreement_id)
        if found is None:
            raise NotFound(f"no agreement {agreement_id}", path="agreement_id")
        return found

    def _save(self, previous: Agreement | None, agreement: Agreement) -> Saved:
        deliveries = self._reevaluation(previous, agreement)
        self.agreements.put(agreement)
        self.queue.enqueue(deliveries)
        return Saved(agreement, len(deliveries))

    def _reevaluation(self, previous: Agreement | None, agreement: Agreement) -> list[Delivery]:
        """What the change means for the subscriber region: recognition before and after."""
        region = agreement.subscriber_region
        others = [
            a
            for a in self.agreements.all()
            if a.subscriber_region == region and a.agreement_id != agreement.agreement_id
        ]
        return recognition_changes(
            self.listings.by_subject(),
            region,
            others + ([previous] if previous else []),
            [*others, agreement],
            [s for s in self.subscriptions.all() if s.region == region],
            f"{agreement.agreement_id}@{agreement.revision}",
            self.clock.now(),
        )
