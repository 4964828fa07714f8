"""The person query (落实到人, ``gateway.persons``): ``POST /v1/persons/query``.

It is the one-stop query turned round — from a person's resident ID number to the listings
that name them as a responsible person — and follows that route's rules exactly: the same
viewer, the same disclosure, a purpose and a trail entry for every answer, and anonymous
callers counted per address and refused before anything is read. Signed lookups are limited
per region a minute and every one leaves a trail entry, found or not: a region that may look a
number up can confirm a guessed one, so how many it tries is bounded and on record. The number
travels in the signed body, never in a URL (URLs are logged)."""

from __future__ import annotations

from chalice.app import Request, Response
from pydantic import Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.caller import int_param
from chalicelib.http_errors import fits_a_reply, json_response
from chalicelib.query_api import admit_anonymous, admit_personal_lookup
from chalicelib.route_spec import Access, Operation, Param, Reply, Tag, count_param
from gateway.persons import PersonQuery, PersonView, person_number, person_view, traced_in
from gateway.recognition import (
    Asked,
    PersonalQueryRequiresSignature,
    page_of,
    rewards,
    subject_key,
    trail_entry,
)
from gateway.validation import parse_request
from gateway_client.contract import Frozen, NotFound, china_date, errors, mask, person_key

_PAGE, _MAX_PAGE = 200, 1000  # a Scan page and its index writes inside API Gateway's 29 s


def query_person(request: Request) -> Response:
    """Anonymous callers are counted, then refused before the body is read, so the answer
    cannot depend on the person; a number shown nothing is 404 whether it was never listed or
    the caller may see none of its listings. The trail entry — a miss's too — is written
    before the answer."""
    c = container()
    now = c.clock.now()
    viewer = caller.viewer(request)
    if viewer.anonymous:
        admit_anonymous(request)
        raise PersonalQueryRequiresSignature(
            "a person is looked up only on a signed request (or the operator's), with a purpose"
        )
    asked = parse_request(PersonQuery, caller.body(request), china_date(now))
    caller.registered_source(asked.as_region, "as_region")
    number = person_number(asked.id_number, china_date(now))
    admit_personal_lookup(viewer, now, number, "id_number")
    entries = c.persons.entries(person_key(number))
    held = c.listings.current([(e.credit_code, e.listing_id) for e in entries])
    agreements = c.agreements.all()
    rewarding = {x.credit_code for x in held.values() if rewards(x)}
    subjects = {code: c.listings.subject(code) for code in sorted(rewarding)}
    view = person_view(
        number, list(held.values()), viewer, agreements, china_date(now), asked.as_region, subjects
    )
    keep = c.settings.query_trail_period
    page = page_of(view, asked.offset, asked.limit, fits_a_reply) if view is not None else None
    # the page's listings, and the owners of every one the answer stands on (``trail_entry``)
    shown = [x.listing for x in page.listings] if page is not None else []
    stood_on = [x.listing for x in view.listings] if view is not None else []
    as_region = view.as_region if view is not None else asked.as_region
    look = Asked(viewer, asked.purpose, as_region, now, keep)
    c.query_trail.record(
        subject_key(c.trail_key(), number), trail_entry(number, shown, look, stood_on)
    )
    others = [  # each other person the page shows is traced under that person (review 274)
        (subject_key(c.trail_key(), other), trail_entry(other, listings, look))
        for other, listings in traced_in(shown, held).items()
        if other != number
    ]
    if others:
        c.query_trail.record_all(others)
    if page is None:
        raise NotFound(f"no listings name {mask(number)}", path="id_number")
    return json_response(200, page.model_dump(mode="json"))


class Reindexed(Frozen):
    entries: int = Field(description="index entries put (each a person named in a listing)")
    next: str | None = Field(description="pass it as `after` for the next page; null: done")


def reindex(request: Request) -> Response:
    """The operator fills the index from the listings table once, for listings stored before
    the index existed: the stream keeps it from then on. A scan, a page a call (one province's
    table does not fit a function's memory or API Gateway's 29 s), not a periodic job."""
    caller.require_operator(request)
    after = caller.query(request, "after")
    limit = int_param(request, "limit", _PAGE, 1, _MAX_PAGE)
    c = container()
    listings, following = c.listings.scan_page(c.reindex_tokens, after, limit)
    rebuilt = c.person_indexer.rebuild(listings, c.exchange_log.purged)
    return json_response(200, {"entries": rebuilt, "next": following})


ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/persons/query",
        "person_query",
        Tag.PUSH,
        "Person query (落实到人): the listings naming a resident ID number as a responsible person",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(PersonView, "Each listing with the person's roles, status and measures.")},
        (
            errors.MalformedJson,
            errors.SchemaError,
            errors.BadRequest,
            PersonalQueryRequiresSignature,
            errors.NotFound,
            errors.RateLimited,
        ),
        body=PersonQuery,
        description="The number goes in the signed body, never in the URL. Listings are "
        "shown as `GET /v1/subjects/{credit_code}` shows them to the same caller: ID numbers "
        "in full to the operator, the listing's owner and a region that recognises it, "
        "masked to other signers; listings that ended to their owner and the operator only. "
        "Each listing carries the person's roles (法定代表人, 主要负责人, 高级管理人员, 董事, "
        "股东, 注册执业人员, 直接责任人), its status, and the measures `as_region` (the "
        "signing region when absent) applies that are aimed at those roles. A number that is "
        "not a full, valid resident ID number is 400 `bad_request` (path `id_number`, reason "
        "`not_a_resident_id`: a masked one cannot be looked up); one naming no listing the "
        "caller may see is 404 `not_found`, as for one never listed; one born after today "
        "(Beijing) is 400 (reason `invalid_birth_date`), counted nowhere. Every answer leaves "
        "an entry in the number's query trail (`GET /v1/subjects/{credit_code}/trail`, the "
        "operator's to read) with its purpose, and so under every other person the page "
        "shows: a responsible person shown in full, a natural person listed. Anonymous: 401 "
        "`personal_query_requires_signature`, counted against `CG_ANONYMOUS_QUERIES_PER_MINUTE`.",
        handler=query_person,
    ),
    Operation(
        "POST",
        "/v1/persons/reindex",
        "person_reindex",
        Tag.PUSH,
        "Fill the person index from the listings held (once, after an upgrade)",
        Access.OPERATOR,
        {200: Reply(Reindexed, "How many entries the page put, and `next`.")},
        (errors.SchemaError,),
        query=(
            count_param("limit", _PAGE, _MAX_PAGE),
            Param("after", {"type": "string"}, "The `next` of the previous page."),
        ),
        description="Listings stored before the person index existed are indexed by nothing "
        "the stream will send again; this puts their entries. It scans the listings table, a "
        "page a call — call it with each `next` until null; run it once after the upgrade, "
        "not on a schedule. Running it again changes nothing.",
        handler=reindex,
    ),
)
