"""The one-stop query and its trail: who may see which of a subject's listings, how, and the
record of every look at a person (``gateway.recognition.disclosure``,
``gateway.recognition.query_trail``)."""

from __future__ import annotations

import re
from datetime import datetime

from chalice.app import Request, Response
from pydantic import Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.caller import int_param
from chalicelib.http_errors import REPLY_BUDGET, fits_a_reply, json_response, reply_bytes
from chalicelib.route_spec import REGION_CODE, Access, Operation, Param, Reply, Tag, count_param
from gateway.lifecycle import as_on
from gateway.ownership import NotListingOwner
from gateway.persons import roles_of, shown_in_full
from gateway.rate_limit import admit
from gateway.recognition import (
    LISTINGS_PAGE,
    Asked,
    PersonalQueryRequiresSignature,
    SubjectView,
    TrailEntry,
    Viewer,
    entry_for,
    is_natural_person,
    keyed,
    leaves_trail,
    page_of,
    readable,
    subject_key,
    subject_view,
    trail_entry,
)
from gateway_client.contract import (
    ConsoleSessionNotAllowed,
    Frozen,
    NotFound,
    Purpose,
    SchemaError,
    china_date,
    errors,
    mask,
    person_key,
    purpose_of,
    requested_code,
    required,
)

_TRAIL_PAGE = 50
_TRAIL_READS = 20  # stored pages one trail request reads at most (1,000 entries at least)
_TRAIL_MAX = 1000
_ENTRY_ID = re.compile(r"[0-9T:.\-Z]{27}#[0-9a-f]{16}")  # a page's ``next``
_LISTINGS_OFFSET = 10**6  # the furthest page a lookup is asked for


def subject(request: Request, credit_code: str) -> Response:
    """Anonymous callers are counted per address before anything else, and refused a natural
    person's code before any table is read, so the answer cannot depend on the listing. A
    query that shows a person's listing or an ID number in full names its purpose and leaves
    a trail entry, written before the answer goes out."""
    c = container()
    now = c.clock.now()
    viewer = caller.viewer(request)
    if viewer.anonymous:
        admit_anonymous(request)
    code = requested_code(credit_code, china_date(now))
    as_region = caller.jurisdiction_param(request, "as", registered=not viewer.anonymous)
    purpose = purpose_of(caller.query(request, "purpose"))
    limit = int_param(request, "limit", LISTINGS_PAGE, 1, LISTINGS_PAGE)
    offset = int_param(request, "offset", 0, 0, _LISTINGS_OFFSET)
    if is_natural_person(code):
        if caller.console_session(request) is not None:
            raise ConsoleSessionNotAllowed(
                "a natural person is looked up on a signed request with a purpose, "
                "not from the console",
                path="credit_code",
            )
        if viewer.anonymous:
            raise PersonalQueryRequiresSignature(
                "a natural person's listings are shown only on a signed request "
                "(or the operator's), with a purpose"
            )
        required(purpose)
        admit_personal_lookup(viewer, now, code, "credit_code")
    today = china_date(now)
    listings = [as_on(x, today) for x in c.listings.subject(code)]  # not waiting for the tick
    agreements = c.agreements.all() if as_region or viewer.region else []
    view = subject_view(listings, as_region, agreements, today, viewer)
    if view is None:
        if is_natural_person(code):  # a try at a person's number is recorded, found or not
            asked = Asked(viewer, required(purpose), as_region, now, c.settings.query_trail_period)
            c.query_trail.record(subject_key(c.trail_key(), code), trail_entry(code, [], asked))
        raise NotFound(f"no listings for {mask(code)}", path="credit_code")
    # The figures above the listings (name, flags, grades, how many) tell of all of them: the
    # entry's owners are all of theirs, whatever page was asked (``trail_entry``).
    page = page_of(view, offset, limit, fits_a_reply)
    # a person's code is traced whatever its listings were stored as (review 294: a foreign
    # resident's stored as an organisation's by an earlier release left no entry)
    if is_natural_person(code) or leaves_trail(view):
        keep = c.settings.query_trail_period
        entry = entry_for(view, page, viewer, required(purpose), now, keep)
        look = Asked(viewer, required(purpose), view.as_region, now, keep)
        named = shown_in_full([v.listing for v in page.listings])
        c.query_trail.record(subject_key(c.trail_key(), code), entry)
        others = [
            (subject_key(c.trail_key(), number), trail_entry(number, shown, look))
            for number, shown in named.items()
            if number != code
        ]
        if others:  # each number shown in full is traced under it too
            c.query_trail.record_all(others)
    return json_response(200, page.model_dump(mode="json"))


def trail(request: Request, credit_code: str) -> Response:
    """The operator reads every entry; a region that owns one of the subject's listings, the
    entries that returned a listing it owns (``_readable_page``): follow ``next`` until it is
    null."""
    c = container()
    viewer = caller.viewer(request)
    if viewer.anonymous:
        caller.signed_region(request)  # 401 missing_signature
    code = requested_code(credit_code, china_date(c.clock.now()))
    limit = int_param(request, "limit", _TRAIL_PAGE, 1, _TRAIL_MAX)
    key = subject_key(c.trail_key(), code)
    after = _opened(caller.query(request, "after"), key)
    owned = set() if viewer.operator else _require_an_owned_listing(viewer, code)
    entries, following = _readable_page(key, viewer, limit, after)
    body = {
        "credit_code": mask(code),
        "entries": [e.as_read_by(viewer, owned).model_dump(mode="json") for e in entries],
        # opaque, and bound to this subject's trail (review 168: it opened another's)
        "next": None if following is None else c.trail_tokens.seal([key, following]),
    }
    return json_response(200, body)


def _readable_page(
    key: str, viewer: Viewer, limit: int, after: str | None
) -> tuple[list[TrailEntry], str | None]:
    """Up to ``limit`` entries ``viewer`` may read, and where the next page starts (``None``:
    the trail ends). Stored pages are read until it is filled: a page cut where the store's
    was would show how many entries hidden from the reader lie between those it reads, and
    when (an empty page with a ``next``). At most ``_TRAIL_READS`` of them, though: a long run
    of hidden entries then shows as a short page (sealed, its ``next`` names no entry), rather
    than every request reading the whole trail."""
    c = container()
    shown: list[TrailEntry] = []
    size = 0  # as Lambda counts the reply: entries naming thousands of listings (review 351)
    for _ in range(_TRAIL_READS):
        entries, following = c.query_trail.page(key, max(limit, _TRAIL_PAGE), after, c.clock.now())
        for entry in readable(entries, viewer):
            cost = reply_bytes(entry.model_dump(mode="json"))
            if shown and size + cost > REPLY_BUDGET:
                return shown, shown[-1].entry_id
            shown.append(entry)
            size += cost
            if len(shown) == limit:
                return shown, entry.entry_id
        if following is None:
            return shown, None
        after = following
    return shown, after


def _opened(after: str | None, key: str) -> str | None:
    """The entry a sealed ``next`` of this subject's trail (``key``) names; 400 at ``after``
    for any other value."""
    if after is None:
        return None
    try:
        opened = container().trail_tokens.open(after)
    except ValueError:
        opened = None
    if not isinstance(opened, list) or len(opened) != 2 or opened[0] != key:
        opened = [key, None]
    entry = opened[1]
    if not isinstance(entry, str) or not _ENTRY_ID.fullmatch(entry):
        raise SchemaError("after is the next value of a previous page", path="after")
    return entry


def addressed_code(request: Request, credit_code: str, listing_id: str, now: datetime) -> str:
    """A listing route's code. A region trying a natural person's code on a listing it does
    not own makes a lookup of one person, counted as the one-stop query counts it (what such a
    try is answered may differ for the right number: 404 for a wrong one, and for a region that
    sees the person in full, its objection accepted); the owner's own work and the operator's
    remedies are not tries. Each try is in the trail, without a purpose (the route states
    none), as the operator's to read."""
    code = requested_code(credit_code, china_date(now))
    if not is_natural_person(code):
        return code
    viewer = caller.viewer(request)
    if viewer.operator:
        return code
    c = container()
    held = c.listings.current([(code, listing_id)]).get(listing_id)
    if held is None or not viewer.owns(held.origin_region):
        if caller.console_session(request) is not None:  # a lookup of a person (review 280)
            raise ConsoleSessionNotAllowed(
                "a natural person's listing not the region's own is asked about on a signed "
                "request, not from the console",
                path="credit_code",
            )
        admit_personal_lookup(viewer, now, code, "credit_code")
        # on record for the operator, found or not: which listing it was stays out of it
        asked = Asked(viewer, None, None, now, c.settings.query_trail_period)
        c.query_trail.record(subject_key(c.trail_key(), code), trail_entry(code, [], asked))
    return code


def admit_personal_lookup(viewer: Viewer, now: datetime, code: str, path: str) -> None:
    """Count a signed lookup of one person against its region's per-minute limit, and as a try
    at its number's mask that day (429; ``gateway.recognition.number_tries``)."""
    c = container()
    limit = c.settings.personal_lookups_per_minute
    asker = viewer.region or "operator"
    message = f"lookups of a person are limited to {limit} a minute per region"
    admit(c.rates, f"personal#{asker}", now, limit, message)
    c.tries.admit(asker, [(path, code)], now)


def admit_anonymous(request: Request) -> None:
    """Count an anonymous query against its client address's per-minute limit (429)."""
    c = container()
    limit = c.settings.anonymous_queries_per_minute
    address = keyed(c.trail_key(), "address", caller.source_address(request))
    admit(
        c.rates,
        f"anonymous#{address[:32]}",
        c.clock.now(),
        limit,
        f"anonymous queries are limited to {limit} a minute per client address",
    )


def _require_an_owned_listing(viewer: Viewer, code: str) -> set[str]:
    """A region reads a trail only while it owns one of the subject's listings, or of those
    naming the number as a responsible person's (the person query's: ``persons_api``); after
    the last one is purged, the trail is the operator's to read. The ids of those it owns."""
    c = container()
    held = c.listings.subject(code)
    if is_natural_person(code):  # and those naming the person: their ids are the reader's too
        named = c.persons.entries(person_key(code))  # a hint: kept only where it still holds
        found = c.listings.current([(e.credit_code, e.listing_id) for e in named]).values()
        held = [*held, *(x for x in found if roles_of(x, code))]
    owned = {x.listing_id for x in held if viewer.owns(x.origin_region)}
    if not owned:
        raise NotListingOwner(
            f"{viewer.region} owns no listing of {mask(code)}: only the owners of its listings "
            "(or of those naming the person) and the operator read its query trail",
            path="credit_code",
        )
    return owned


class TrailPage(Frozen):
    credit_code: str = Field(description="masked for a natural person")
    entries: tuple[TrailEntry, ...]
    next: str | None = Field(description="where the next page starts; null: no more")


ROUTES: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/v1/subjects/{credit_code}",
        "subject",
        Tag.PUSH,
        "One-stop query (应查必查): a subject's listings as a region sees them",
        Access.ANYONE,
        {200: Reply(SubjectView, "The listings shown, recognition for `as`, intensified flag.")},
        (
            errors.BadRequest,
            errors.SchemaError,
            PersonalQueryRequiresSignature,
            errors.NotFound,
            errors.RateLimited,
        ),
        query=(
            Param("as", REGION_CODE, "See the subject as this region's jurisdiction."),
            Param(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": LISTINGS_PAGE},
                f"Listings a page shows ({LISTINGS_PAGE}, the most, unless asked for fewer).",
            ),
            Param(
                "offset",
                {"type": "integer", "minimum": 0, "maximum": _LISTINGS_OFFSET},
                "The `next_offset` of the previous page (0: the first).",
            ),
            Param(
                "purpose",
                {"type": "string", "enum": [p.value for p in Purpose]},
                "Why: required (400 `invalid_schema`, path `purpose`) when the answer holds a "
                "natural person's listing or any resident ID number in full; recorded in the "
                "query trail.",
            ),
        ),
        description="Resident ID numbers are shown in full, listing by listing, to the "
        "operator, the listing's owner (its origin, or an ancestor relaying for it) and a "
        "region that recognises it (own subtree, or an agreement in force) — the region whose "
        "key signed, never `as`; others who sign see them masked, as in deliveries. Listings "
        "that ended (revoked, repaired, expired, corrected) are shown to their owner and the "
        "operator only. Anonymous: a natural person's code is 401 "
        "`personal_query_requires_signature` whether or not the person is listed; an "
        "organisation shows its listings in force and suspended ones, without responsible "
        "persons' ID numbers, objections or history; nothing to show is 404 `not_found`, as "
        "for a code never listed; each client address may ask "
        "`CG_ANONYMOUS_QUERIES_PER_MINUTE` (60) times a minute (429 `rate_limited`, "
        "`Retry-After`).",
        handler=subject,
    ),
    Operation(
        "GET",
        "/v1/subjects/{credit_code}/trail",
        "subject_trail",
        Tag.PUSH,
        "The query trail (查询留痕) of a credit code: who was shown a person, when and why",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(TrailPage, "Newest first; follow `next` until it is null.")},
        (errors.BadRequest, errors.SchemaError, NotListingOwner),
        query=(
            count_param("limit", _TRAIL_PAGE, _TRAIL_MAX),
            Param("after", {"type": "string"}, "The `next` of the previous page."),
        ),
        description="The operator reads every entry; a region that owns one of the subject's "
        "listings (403 `not_listing_owner` otherwise), the entries that returned a listing it "
        "owns, each with only its own listings' `listing_ids` and itself among the `owners`. "
        "A page holds `limit` entries unless the trail ends there (or a long run of "
        "entries the reader may not see cuts it short); `next` is opaque. "
        "Entries expire after "
        "`CG_QUERY_TRAIL_DAYS` (1096).",
        handler=trail,
    ),
)
