"""Agreement routes: sign, revise, end and list; every change re-evaluates existing listings,
in a job saved with the revision and run after the reply (``chalicelib.reevaluations``)."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from chalice.app import Request, Response
from pydantic import Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.caller import int_param
from chalicelib.http_errors import json_response
from chalicelib.reply_pages import page_of
from chalicelib.route_spec import REGION_CODE, Access, Operation, Param, Reply, Tag, count_param
from gateway.delivery import Saved
from gateway.recognition import Agreement, AgreementTerms
from gateway.validation import parse_request
from gateway_client.contract import Frozen, china_date, errors


def _today() -> date:
    """Terms are judged against the Beijing day: one that has ended applies on no day."""
    return china_date(container().clock.now())


def create_agreement(request: Request) -> Response:
    caller.require_operator(request)
    key = caller.idempotency_key(request)
    terms = parse_request(AgreementTerms, caller.body(request), _today())
    saved = container().agreement_desk.sign(terms, key)
    return _saved(201 if saved.new else 200, saved)


def revise_agreement(request: Request, agreement_id: str) -> Response:
    caller.require_operator(request)
    terms = parse_request(AgreementTerms, caller.body(request), _today())
    return _saved(200, container().agreement_desk.revise(agreement_id, terms))


def end_agreement(request: Request, agreement_id: str) -> Response:
    caller.require_operator(request)
    return _saved(200, container().agreement_desk.end(agreement_id))


_PAGE, _MAX_PAGE = 200, 1000
# A page stops short of ``reply_pages.PAGE_BYTES``: each region may hold 160 KiB of
# agreements, and regions are many (review 187).
_CURSOR = re.compile(r"[0-9]{6}/[A-Za-z0-9_]{1,64}")


def list_agreements(request: Request) -> Response:
    """A page of the agreements, by subscriber region and id; ``next`` goes on from the last
    (``after``), null at the end."""
    wanted = caller.region_param(request, "subscriber")
    limit = int_param(request, "limit", _PAGE, 1, _MAX_PAGE)
    after = caller.query(request, "after")
    if after is not None and not _CURSOR.fullmatch(after):
        raise errors.SchemaError("after is the next of a previous page", path="after")
    page, following = page_of(
        (a for a in container().agreements.all() if wanted in (None, a.subscriber_region)),
        _position,
        lambda agreement: agreement.model_dump(mode="json"),
        limit,
        after,
    )
    return json_response(200, {"agreements": page, "next": following})


def _position(agreement: Agreement) -> str:
    return f"{agreement.subscriber_region}/{agreement.agreement_id}"


def _saved(status: int, saved: Saved) -> Response:
    job = saved.reevaluation
    body = {
        "agreement": saved.agreement.model_dump(mode="json"),
        "reevaluation": {"job_id": job, "state": "queued"} if job else None,
    }
    return json_response(status, body)


class Reevaluation(Frozen):
    job_id: str = Field(description="the agreement id and revision (`agr_…@2`)")
    state: Literal["queued"] = Field(
        description="saved with the revision; its recognition.changed deliveries follow"
    )


class AgreementSaved(Frozen):
    agreement: Agreement
    reevaluation: Reevaluation | None = Field(
        description="the re-evaluation of existing listings; null when nothing changed"
    )


class Agreements(Frozen):
    agreements: tuple[Agreement, ...]
    next: str | None = Field(description="pass it as `after` for the next page; null: no more")


# Terms that parse but could never work (``AgreementTerms.check_sense``): nothing is stored.
_NONSENSE = (
    errors.DuplicateValue,
    errors.SelfRecognition,
    errors.MeasureNotForKinds,
    errors.DomainNotForKinds,
    errors.GradeNotForDomains,
)

ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/agreements",
        "create_agreement",
        Tag.AGREE,
        "Sign a mutual-recognition agreement (互认协议)",
        Access.OPERATOR,
        {
            201: Reply(AgreementSaved, "The agreement, revision 1."),
            200: Reply(
                AgreementSaved,
                "A retry under the same `Idempotency-Key`: the agreement it signed, as it "
                "stands (`reevaluation` null).",
            ),
        },
        (errors.UnknownRegion, *_NONSENSE, errors.AgreementsTooLarge, errors.Conflict),
        body=AgreementTerms,
        description="Send an `Idempotency-Key` header (8–128 letters, digits, `_.:-`) to make "
        "a retry safe: the same key and terms answer 200 with the agreement signed first, "
        "other terms 409 `conflict` at `idempotency-key`. Without one, each request signs "
        "another agreement.",
        handler=create_agreement,
    ),
    Operation(
        "GET",
        "/v1/agreements",
        "list_agreements",
        Tag.AGREE,
        "Agreements, optionally one subscriber's",
        Access.ANONYMOUS,
        {200: Reply(Agreements, "Ordered by subscriber region and id, a page at a time.")},
        (errors.SchemaError,),
        query=(
            Param("subscriber", REGION_CODE, "Only this subscriber region's."),
            count_param("limit", _PAGE, _MAX_PAGE),
            Param("after", {"type": "string"}, "The `next` of the previous page."),
        ),
        description="A page holds `limit` agreements unless the list ends there or they would "
        "take over 4 MB as JSON; follow `next` until it is null.",
        handler=list_agreements,
    ),
    Operation(
        "PUT",
        "/v1/agreements/{agreement_id}",
        "revise_agreement",
        Tag.AGREE,
        "Revise an agreement's terms",
        Access.OPERATOR,
        {
            200: Reply(
                AgreementSaved, "The next revision; the agreement as it is for the terms it holds."
            )
        },
        (
            errors.NotFound,
            errors.UnknownRegion,
            errors.BadRequest,
            *_NONSENSE,
            errors.AgreementsTooLarge,
            errors.Conflict,
        ),
        body=AgreementTerms,
        handler=revise_agreement,
    ),
    Operation(
        "DELETE",
        "/v1/agreements/{agreement_id}",
        "end_agreement",
        Tag.AGREE,
        "End an agreement today (it is kept, no longer effective)",
        Access.OPERATOR,
        {200: Reply(AgreementSaved, "The ended agreement (unchanged if it had lapsed).")},
        (errors.NotFound, errors.Conflict),
        handler=end_agreement,
    ),
)
