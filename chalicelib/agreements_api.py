"""Agreement routes: sign, revise, end and list; every change re-evaluates existing listings."""

from __future__ import annotations

import secrets

from chalice.app import Request, Response

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.http_errors import json_response
from gateway.agreement import Agreement, AgreementTerms
from gateway.clock import china_date
from gateway.errors import BadRequest, NotFound, UnknownRegion
from gateway.push import parse_request
from gateway.reevaluation import recognition_changes


def create_agreement(request: Request) -> Response:
    caller.require_operator(request)
    c = container()
    terms = parse_request(AgreementTerms, caller.body(request))
    _require_region(terms.subscriber_region)
    agreement = Agreement(
        **terms.model_dump(),
        agreement_id="agr_" + secrets.token_hex(8),
        revision=1,
        updated_at=c.clock.now(),
    )
    return _save_agreement(None, agreement, 201)


def revise_agreement(request: Request, agreement_id: str) -> Response:
    caller.require_operator(request)
    c = container()
    current = _existing_agreement(agreement_id)
    terms = parse_request(AgreementTerms, caller.body(request))
    if terms.subscriber_region != current.subscriber_region:
        raise BadRequest("an agreement's subscriber region cannot change", path="subscriber_region")
    revised = Agreement(
        **terms.model_dump(),
        agreement_id=agreement_id,
        revision=current.revision + 1,
        updated_at=c.clock.now(),
    )
    return _save_agreement(current, revised, 200)


def end_agreement(request: Request, agreement_id: str) -> Response:
    """End an agreement today; it is kept, with its history, as no longer effective.

    One that has already lapsed keeps its real end date: ending it again changes nothing.
    """
    caller.require_operator(request)
    c = container()
    current = _existing_agreement(agreement_id)
    today = china_date(c.clock.now())
    until = max(min(today, current.effective_until or today), current.effective_from)
    if until == current.effective_until:
        body = {"agreement": current.model_dump(mode="json"), "deliveries_queued": 0}
        return json_response(200, body)
    ended = current.model_copy(
        update={
            "effective_until": until,
            "revision": current.revision + 1,
            "updated_at": c.clock.now(),
        }
    )
    return _save_agreement(current, ended, 200)


def list_agreements(request: Request) -> Response:
    wanted = caller.query(request, "subscriber")
    agreements = [a for a in container().agreements.all() if wanted in (None, a.subscriber_region)]
    agreements.sort(key=lambda a: (a.subscriber_region, a.agreement_id))
    return json_response(200, {"agreements": [a.model_dump(mode="json") for a in agreements]})


def _existing_agreement(agreement_id: str) -> Agreement:
    found = container().agreements.get(agreement_id)
    if found is None:
        raise NotFound(f"no agreement {agreement_id}", path="agreement_id")
    return found


def _require_region(code: str) -> None:
    if container().registry.get_region(code) is None:
        raise UnknownRegion(f"region {code} is not registered", path="subscriber_region")


def _save_agreement(previous: Agreement | None, agreement: Agreement, status: int) -> Response:
    """Store the agreement, then deliver what it changes for its subscriber's existing listings."""
    c = container()
    region = agreement.subscriber_region
    others = [
        a
        for a in c.agreements.all()
        if a.subscriber_region == region and a.agreement_id != agreement.agreement_id
    ]
    c.agreements.put(agreement)
    deliveries = recognition_changes(
        c.listings.by_subject(),
        region,
        others + ([previous] if previous else []),
        [*others, agreement],
        [s for s in c.subscriptions.all() if s.region == region],
        f"{agreement.agreement_id}@{agreement.revision}",
        c.clock.now(),
    )
    c.queue.enqueue(deliveries)
    body = {"agreement": agreement.model_dump(mode="json"), "deliveries_queued": len(deliveries)}
    return json_response(status, body)
