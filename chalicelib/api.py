"""The push route and the gateway's published keys: parse at the edge, call the domain, shape the
JSON reply."""

from __future__ import annotations

from chalice.app import Request, Response
from pydantic import Field

from chalicelib import caller
from chalicelib.activity_api import count_pushes
from chalicelib.bootstrap import container
from chalicelib.http_errors import json_response
from chalicelib.observability import correlate, emit, note
from chalicelib.route_spec import Access, Operation, Reply, Tag
from gateway.intake import MAX_ENTRIES, PushEnvelope, PushResult
from gateway.lifecycle import Removal
from gateway_client.contract import (
    ID_HEADER,
    Frozen,
    ListingEntry,
    PublishedKey,
    errors,
    key_set,
)


def push(request: Request) -> Response:
    """Counts per region go to the metrics (``Push*``) and to the request's log line."""
    headers = caller.headers(request)
    correlate(batch_id=headers.get(ID_HEADER))
    started = container().clock.now()
    result = container().push_service.push(headers, caller.body(request))
    counts = {
        "accepted": result.accepted,
        "duplicate": result.duplicate,
        "removed": result.removed,
        "rejected": result.rejected,
    }
    replayed = result.received_at < started  # a batch id's first result, counted then
    note(region=result.region, replayed=replayed, **counts)
    if not replayed:  # in the metrics once, as in the activity (review 221)
        emit({f"Push{name.title()}": n for name, n in counts.items()}, region=result.region)
        count_pushes(result.region, counts)
    return json_response(200, result.model_dump(mode="json"))


def gateway_keys(request: Request) -> Response:
    """Every key a receiver should accept: the signing one, and the next or previous ones the
    operator publishes while rotating (``CG_PUBLISHED_KEYS``)."""
    c = container()
    keys = key_set(c.signers, c.settings.published_keys)
    body = {"keys": [key.model_dump(mode="json") for key in keys]}
    return json_response(200, body, {"Cache-Control": "max-age=300"})


class PushBody(PushEnvelope):
    """A push: signed exactly as sent. Entries and removals are checked one by one: a bad one is
    reported in the reply's ``errors`` (status 200), it does not refuse the batch."""

    entries: list[ListingEntry] = Field(max_length=MAX_ENTRIES)
    removals: list[Removal] = Field(default_factory=list, max_length=MAX_ENTRIES)


class GatewayKeys(Frozen):
    keys: tuple[PublishedKey, ...]


ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/pushes",
        "push",
        Tag.PUSH,
        "Push a signed batch of red / black list entries and removals",
        Access.PLATFORM,
        {200: Reply(PushResult, "Per-entry outcomes and errors; a resent batch id, the first.")},
        (
            errors.PayloadTooLarge,
            errors.BadRequest,
            errors.RegionMismatch,
            errors.BatchIdReused,
            errors.BatchInProgress,
            errors.RateLimited,
        ),
        body=PushBody,
        description="The `webhook-id` header is the batch id (`batch_id` must equal it). Per-entry "
        "codes include `invalid_check_character`, `invalid_credit_code`, `missing_legal_basis`, "
        "`missing_severity`, `unknown_domain`, `domain_kind_mismatch`, `dates_out_of_order`, "
        "`region_not_permitted`, `relay_not_permitted`, `not_listing_owner` (the listing belongs "
        "to a region this one neither is nor relays for: nothing is written; a natural person's "
        "decision another region holds becomes this region's own listing of it instead, under an "
        "id of its own), `origin_mismatch` (an entry naming, as `origin_region`, a region other "
        "than the pusher and the one its decision is listed for: nothing is written), "
        "`listing_contended`, "
        "`listing_purged` (the decision's listing was purged at the end of its retention: it is "
        "never listed again, nothing is written), "
        "`future_version`, `future_date`, `control_character`, `blank_text` (a text field of "
        "spaces alone), `id_number_in_text` (a resident ID "
        "number in a text field: give it as `credit_code` or `responsible_persons[].id_number`), "
        "`duplicate_key`, `version_reused` (a version held with other content: nothing is "
        "written), `stale_version` (newer than the content held, not than a step the owner took "
        "since: a decision, a repair; nothing is written), `period_restarted` (`valid_from`: a "
        "black listing's or evaluation's later version starting later than the one held, so "
        "that its longest period ends later; nothing is written), `period_lengthened` "
        "(`valid_until`, `open_ended` or `severity`: such a version ending later than the one "
        "held without an extension of its own; nothing is written), "
        "`invalid_birth_date`, `missing_field`, `unknown_listing`, `unknown_domain` (a removal's "
        "`domain` not in the catalogue), `domain_not_permitted` (a "
        "national source's entry outside its registered domains: nothing is written), "
        "`domain_reserved` (a new listing in a domain only the gateway lists in: "
        "`broken_commitment`, listed from a broken commitment by its owner's policy; the owner "
        "may update one the tick made).",
        handler=push,
    ),
    Operation(
        "GET",
        "/v1/keys",
        "gateway_keys",
        Tag.META,
        "The gateway's public keys (v1a deliveries, log checkpoints)",
        Access.ANONYMOUS,
        {200: Reply(GatewayKeys, "The keys in force.", {"Cache-Control": "max-age=300"})},
        handler=gateway_keys,
    ),
)
