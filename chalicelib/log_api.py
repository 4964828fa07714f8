"""The exchange log, published: entries, signed checkpoints, and replay for a subscription
(its tiles and proofs: ``log_proof_api``)."""

from __future__ import annotations

from chalice.app import Request, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.caller import int_param
from chalicelib.http_errors import json_response
from chalicelib.route_spec import Access, Operation, Reply, Tag, count_param
from chalicelib.subscriptions_api import owned_subscription
from chalicelib.witnessing import published_checkpoints, with_cosignatures
from gateway.delivery import StartPastHead
from gateway.rate_limit import admit
from gateway.validation import parse_request
from gateway_client.contract import (
    Checkpoint,
    Frozen,
    LogEntry,
    errors,
)
from gateway_client.tlog import (
    add_signatures,
)

_PAGE = 100
_MAX_LIMIT = 1000
MAX_SEQUENCE = 10**12
_CHECKPOINTS = 20
_MAX_CHECKPOINTS = 32  # anyone may ask, and each costs two reads of the bucket


def entries(request: Request) -> Response:
    """Log entries from ``from`` on: routing fields, digests and leaf hashes, never listing
    content; and which of them retention erased (no longer owed to anyone: their tombstone is)."""
    caller.operator_or_region(request)
    start = int_param(request, "from", 1, 1, MAX_SEQUENCE)
    limit = int_param(request, "limit", _PAGE, 1, _MAX_LIMIT)
    log = container().exchange_log
    head = log.size()
    stop = min(start + limit, head + 1)  # nothing is read past the head
    found: list[LogEntry] = []
    erased: list[int] = []
    for first in range(start, stop, _PAGE):
        page, stubs = log.published(first, min(_PAGE, stop - first))
        found += page
        erased += stubs
    body = {
        "head": head,
        "entries": [e.model_dump(mode="json") for e in found],
        "erased": erased,
    }
    return json_response(200, body)


def checkpoints(request: Request) -> Response:
    """The newest checkpoints and the one each listed witness last cosigned, oldest first, each
    with the witness cosignatures collected for it. Fan-out signs one a stream batch and the
    witnesses are asked hourly, so the newest alone soon hold none that is cosigned, and
    verify-log's k-of-n rule would fail an honest log (review 33)."""
    limit = int_param(request, "limit", _CHECKPOINTS, 1, _MAX_CHECKPOINTS)
    c = container()
    recent = c.log_publisher.recent(limit)
    newest = {x.sequence for x in recent}
    witnessed = sorted(c.witnessing.cosigned_sizes() - newest)
    chosen = [*c.log_publisher.checkpoints(witnessed), *recent]
    found = published_checkpoints(c.archive, sorted(chosen, key=lambda x: x.sequence))
    return json_response(200, {"checkpoints": [x.model_dump(mode="json") for x in found]})


def checkpoint_now(request: Request) -> Response:
    """Publish up to the head, then ask the witnesses to cosign the latest checkpoint."""
    caller.require_operator(request)
    published = container().log_publisher.publish()
    container().witnessing.cosign_latest()
    body = {"published": published.model_dump(mode="json") if published else None}
    return json_response(201 if published else 200, body)


def latest_note(request: Request) -> Response:
    """The latest checkpoint as its C2SP signed note, what tlog tooling and witnesses read,
    with the witness cosignature lines collected for it so far."""
    latest = container().log_publisher.latest()
    if latest is None:
        raise errors.NotFound("nothing is logged yet", path="checkpoint")
    latest = with_cosignatures(container().archive, latest)
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/plain; charset=utf-8",
        "Cache-Control": "no-cache",
    }
    note = add_signatures(latest.note, latest.cosignatures)
    return Response(body=note, status_code=200, headers=headers)


class _Replay(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_sequence: int = Field(ge=1, le=MAX_SEQUENCE)
    to_sequence: int | None = Field(default=None, ge=1, le=MAX_SEQUENCE)


class RangeReversed(errors.BadRequest):
    """``to_sequence`` before ``from_sequence``: an empty replay the caller cannot have meant."""

    code = "range_reversed"


def replay(request: Request, subscription_id: str) -> Response:
    """Every change since ``from_sequence`` that the subscription's terms match now, or
    matched when it was logged (``terms_history``: what ``gateway verify-log`` judges by),
    again, in order, with its original webhook id (the receiver dedups by it, or uses the
    replay to rebuild its copy); see ``gateway.delivery.Resending.replay``."""
    subscription = owned_subscription(request, subscription_id)
    wanted = parse_request(_Replay, caller.body(request))
    if wanted.to_sequence is not None and wanted.to_sequence < wanted.from_sequence:
        raise RangeReversed(
            f"to_sequence {wanted.to_sequence} is before from_sequence {wanted.from_sequence}",
            path="to_sequence",
        )
    c = container()
    limit = c.settings.replays_per_minute
    replayed = c.resending.replay(
        subscription,
        wanted.from_sequence,
        wanted.to_sequence,
        lambda: admit(
            c.rates,
            f"replay#{subscription.region}",
            c.clock.now(),
            limit,
            f"replays are limited to {limit} a minute per subscribing region",
        ),
    )
    body = {
        "from_sequence": replayed.from_sequence,
        "to_sequence": replayed.to_sequence,
        "queued": replayed.queued,
        "next_from_sequence": replayed.next_from,
    }
    return json_response(202, body)


class ReplayQueued(Frozen):
    from_sequence: int = Field(
        description="where the replay started: the one asked for, or the subscription's "
        "`log_start` + 1 if that is later (a subscription is owed what was logged after it)"
    )
    to_sequence: int = Field(
        description="where it ended: the end asked for (or the signed head), or, for a longer "
        "range, 4,999 entries after `from_sequence` (one request goes through at most 5,000)"
    )
    queued: int = Field(
        description="deliveries queued; a purged listing's changes go as its `purged` tombstone"
    )
    next_from_sequence: int | None = Field(
        description="where the range asked goes on: send it again from here (`gateway "
        "subscription replay` does); null when it is done"
    )


class LogEntries(Frozen):
    head: int = Field(description="the sequence of the log's last entry")
    entries: tuple[LogEntry, ...]
    erased: tuple[int, ...] = Field(
        description="sequences among these entries whose change retention erased (the listing "
        "was purged): the entry and its leaf stay in the tree; the change is owed to nobody, "
        "the listing's `purged` tombstone is"
    )


class Checkpoints(Frozen):
    checkpoints: tuple[Checkpoint, ...]


class CheckpointPublished(Frozen):
    published: Checkpoint


class NothingPublished(Frozen):
    published: None = Field(description="the latest checkpoint already covers the head")


_NOTE = {
    "type": "string",
    "description": "a C2SP signed note (tlog-checkpoint), with witness cosignature lines",
}


ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/subscriptions/{subscription_id}/replay",
        "replay",
        Tag.SUBS,
        "Deliver the logged changes again, in order, with their original webhook ids",
        Access.OPERATOR_OR_PLATFORM,
        {202: Reply(ReplayQueued, "Queued.")},
        (
            errors.NotFound,
            errors.RegionMismatch,
            errors.SubscriptionPending,
            errors.SubscriptionPaused,
            errors.SubscriptionDisabled,
            errors.Sm2NotOffered,
            RangeReversed,
            StartPastHead,
            errors.RateLimited,
        ),
        body=_Replay,
        handler=replay,
    ),
    Operation(
        "GET",
        "/v1/log",
        "log_entries",
        Tag.LOG,
        "Exchange-log entries from a sequence on (routing fields and digests only)",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(LogEntries, "The entries and the current head.")},
        (errors.SchemaError,),
        query=(count_param("from", 1, MAX_SEQUENCE), count_param("limit", _PAGE, _MAX_LIMIT)),
        handler=entries,
    ),
    Operation(
        "GET",
        "/v1/log/checkpoints",
        "log_checkpoints",
        Tag.LOG,
        "Signed checkpoints of the exchange log",
        Access.ANONYMOUS,
        {
            200: Reply(
                Checkpoints,
                "Oldest first: the newest `limit`, and the one each listed witness last "
                "cosigned (at most one more a witness).",
            )
        },
        (errors.SchemaError,),
        query=(count_param("limit", _CHECKPOINTS, _MAX_CHECKPOINTS),),
        handler=checkpoints,
    ),
    Operation(
        "GET",
        "/v1/log/checkpoint",
        "log_checkpoint_note",
        Tag.LOG,
        "The latest checkpoint as a C2SP signed note (origin, size, root; the gateway's "
        "Ed25519 signature line, then the witnesses' cosignature lines collected so far)",
        Access.ANONYMOUS,
        {200: Reply(_NOTE, "The signed note.", {"Cache-Control": "no-cache"}, media="text/plain")},
        (errors.NotFound,),
        handler=latest_note,
    ),
    Operation(
        "POST",
        "/v1/log/checkpoints",
        "publish_checkpoint",
        Tag.LOG,
        "Sign and publish a checkpoint of the current head now",
        Access.OPERATOR,
        {
            201: Reply(CheckpointPublished, "Published."),
            200: Reply(NothingPublished, "Nothing new to sign."),
        },
        handler=checkpoint_now,
    ),
)
