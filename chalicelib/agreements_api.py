"""Agreement routes: sign, revise, end and list; every change re-evaluates existing listings."""

from __future__ import annotations

from chalice.app import Request, Response

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.http_errors import json_response
from gateway.delivery import Saved
from gateway.recognition import AgreementTerms
from gateway.validation import parse_request


def create_agreement(request: Request) -> Response:
    caller.require_operator(request)
    terms = parse_request(AgreementTerms, caller.body(request))
    return _saved(201, container().agreement_desk.sign(terms))


def revise_agreement(request: Request, agreement_id: str) -> Response:
    caller.require_operator(request)
    terms = parse_request(AgreementTerms, caller.body(request))
    return _saved(200, container().agreement_desk.revise(agreement_id, terms))


def end_agreement(request: Request, agreement_id: str) -> Response:
    caller.require_operator(request)
    return _saved(200, container().agreement_desk.end(agreement_id))


def list_agreements(request: Request) -> Response:
    wanted = caller.query(request, "subscriber")
    agreements = [a for a in container().agreements.all() if wanted in (None, a.subscriber_region)]
    agreements.sort(key=lambda a: (a.subscriber_region, a.agreement_id))
    return json_response(200, {"agreements": [a.model_dump(mode="json") for a in agreements]})


def _saved(status: int, saved: Saved) -> Response:
    body = {
        "agreement": saved.agreement.model_dump(mode="json"),
        "deliveries_queued": saved.deliveries_queued,
    }
    return json_response(status, body)
