"""The exchange log, published: entries, signed checkpoints, and replay for a subscription."""

from __future__ import annotations

from chalice.app import Request, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.http_errors import json_response
from chalicelib.route_spec import Access, Operation, Reply, Tag, count_param
from chalicelib.subscriptions_api import owned_subscription
from gateway.validation import parse_request
from gateway_client.contract import (
    Checkpoint,
    Frozen,
    LogEntry,
    SchemaError,
    errors,
    sign_checkpoint,
)

_PAGE = 100
_MAX_LIMIT = 1000
_MAX_SEQUENCE = 10**12
_CHECKPOINTS = 100
_MAX_CHECKPOINTS = 1000


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = caller.query(request, name)
    if raw is None:
        return default
    digits = raw.isascii() and raw.isdigit() and len(raw) <= len(str(high))  # int() refuses 4301
    if not digits or not low <= int(raw) <= high:
        raise SchemaError(f"{name} must be a whole number from {low} to {high}", path=name)
    return int(raw)


def entries(request: Request) -> Response:
    """Log entries from ``from`` on: routing fields and digests, never listing content; and
    which of them retention erased (no longer owed to anyone: their tombstone is)."""
    caller.operator_or_region(request)
    start = int_param(request, "from", 1, 1, _MAX_SEQUENCE)
    limit = int_param(request, "limit", _PAGE, 1, _MAX_LIMIT)
    log = container().exchange_log
    found: list[LogEntry] = []
    erased: list[int] = []
    for offset in range(0, limit, _PAGE):
        page, stubs = log.published(start + offset, min(_PAGE, limit - offset))
        found += page
        erased += stubs
    head, _ = log.head()
    body = {"head": head, "entries": [e.model_dump(mode="json") for e in found], "erased": erased}
    return json_response(200, body)


def publish_checkpoint() -> Checkpoint | None:
    """Sign the current head and publish it, unless it is already the latest checkpoint."""
    c = container()
    sequence, head_hash = c.exchange_log.head()
    latest = c.archive.keys("checkpoints/", limit=1)
    if sequence == 0 or (latest and latest[-1] == _checkpoint_key(sequence)):
        return None
    checkpoint = sign_checkpoint(sequence, head_hash, c.clock.now(), c.signers)
    c.archive.put(
        _checkpoint_key(sequence), checkpoint.model_dump_json().encode(), {"kind": "checkpoint"}
    )
    return checkpoint


def _checkpoint_key(sequence: int) -> str:
    return f"checkpoints/{sequence:012d}.json"


def checkpoints(request: Request) -> Response:
    c = container()
    limit = int_param(request, "limit", _CHECKPOINTS, 1, _MAX_CHECKPOINTS)
    keys = c.archive.keys("checkpoints/", limit=limit)
    found = [Checkpoint.model_validate_json(c.archive.get(key)) for key in keys]
    return json_response(200, {"checkpoints": [x.model_dump(mode="json") for x in found]})


def checkpoint_now(request: Request) -> Response:
    caller.require_operator(request)
    published = publish_checkpoint()
    body = {"published": published.model_dump(mode="json") if published else None}
    return json_response(201 if published else 200, body)


class _Replay(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_sequence: int = Field(ge=1)
    to_sequence: int | None = Field(default=None, ge=1)


def replay(request: Request, subscription_id: str) -> Response:
    """Every matching change since ``from_sequence`` again, in order, with its original
    webhook id (the receiver dedups by it, or uses the replay to rebuild its copy); see
    ``gateway.delivery.Resending.replay``."""
    subscription = owned_subscription(request, subscription_id)
    wanted = parse_request(_Replay, caller.body(request))
    replayed = container().resending.replay(subscription, wanted.from_sequence, wanted.to_sequence)
    body = {
        "from_sequence": replayed.from_sequence,
        "to_sequence": replayed.to_sequence,
        "queued": replayed.queued,
    }
    return json_response(202, body)


class ReplayQueued(Frozen):
    from_sequence: int = Field(
        description="where the replay started: the one asked for, or the subscription's "
        "`log_start` + 1 if that is later (a subscription is owed what was logged after it)"
    )
    to_sequence: int
    queued: int = Field(
        description="deliveries queued; a purged listing's changes go as its `purged` tombstone"
    )


class LogEntries(Frozen):
    head: int = Field(description="the sequence of the log's last entry")
    entries: tuple[LogEntry, ...]
    erased: tuple[int, ...] = Field(
        description="sequences among these entries whose change retention erased (the listing "
        "was purged): the entry and its digest stay in the chain; the change is owed to nobody, "
        "the listing's `purged` tombstone is"
    )


class Checkpoints(Frozen):
    checkpoints: tuple[Checkpoint, ...]


class CheckpointPublished(Frozen):
    published: Checkpoint


class NothingPublished(Frozen):
    published: None = Field(description="the latest checkpoint already covers the head")


ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/subscriptions/{subscription_id}/replay",
        "replay",
        Tag.SUBS,
        "Deliver the logged changes again, in order, with their original webhook ids",
        Access.OPERATOR_OR_PLATFORM,
        {202: Reply(ReplayQueued, "Queued.")},
        (errors.NotFound, errors.RegionMismatch, errors.SubscriptionPending),
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
        query=(count_param("from", 1, _MAX_SEQUENCE), count_param("limit", _PAGE, _MAX_LIMIT)),
        handler=entries,
    ),
    Operation(
        "GET",
        "/v1/log/checkpoints",
        "log_checkpoints",
        Tag.LOG,
        "Signed checkpoints of the exchange log",
        Access.ANONYMOUS,
        {200: Reply(Checkpoints, "Oldest first.")},
        (errors.SchemaError,),
        query=(count_param("limit", _CHECKPOINTS, _MAX_CHECKPOINTS),),
        handler=checkpoints,
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
