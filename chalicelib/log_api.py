"""The exchange log, published: entries, tiles, proofs, signed checkpoints, and replay for a
subscription."""

from __future__ import annotations

import base64

from botocore.exceptions import ClientError
from chalice.app import Request, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.dynamodb.exchange_log import RECENT_CHECKPOINTS
from chalicelib.http_errors import json_response
from chalicelib.route_spec import Access, Operation, Param, Reply, Tag, count_param
from chalicelib.subscriptions_api import owned_subscription
from chalicelib.witnessing import published_checkpoints, with_cosignatures
from gateway.validation import parse_request
from gateway_client.contract import (
    Checkpoint,
    Frozen,
    LogEntry,
    SchemaError,
    errors,
)
from gateway_client.tlog import (
    NoteSigner,
    add_signatures,
    consistency_proof,
    inclusion_proof,
    parse_tile_path,
    tile_hash_reader,
)

_PAGE = 100
_MAX_LIMIT = 1000
_MAX_SEQUENCE = 10**12
_CHECKPOINTS = 20
_MAX_CHECKPOINTS = RECENT_CHECKPOINTS  # the publisher's state names this many


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = caller.query(request, name)
    if raw is None:
        return default
    digits = raw.isascii() and raw.isdigit() and len(raw) <= len(str(high))  # int() refuses 4301
    if not digits or not low <= int(raw) <= high:
        raise SchemaError(f"{name} must be a whole number from {low} to {high}", path=name)
    return int(raw)


def entries(request: Request) -> Response:
    """Log entries from ``from`` on: routing fields, digests and leaf hashes, never listing
    content; and which of them retention erased (no longer owed to anyone: their tombstone is)."""
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
    body = {
        "head": log.size(),
        "entries": [e.model_dump(mode="json") for e in found],
        "erased": erased,
    }
    return json_response(200, body)


def checkpoints(request: Request) -> Response:
    """The newest checkpoints, each with the witness cosignatures collected for it."""
    limit = int_param(request, "limit", _CHECKPOINTS, 1, _MAX_CHECKPOINTS)
    c = container()
    found = published_checkpoints(c.archive, c.log_publisher.recent(limit))
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


def log_vkey(request: Request) -> Response:
    """The note verifier key of the gateway's checkpoints: what a witness is configured with
    (``gateway witness serve --log-vkey``). It changes with the signing key."""
    c = container()
    origin = c.settings.log_origin
    vkey = NoteSigner(origin, c.signers.ed25519.private_key).vkey
    return json_response(200, {"origin": origin, "vkey": vkey})


def tile(request: Request) -> Response:
    """One published tile or entry bundle (C2SP tlog-tiles path), base64 in JSON."""
    caller.operator_or_region(request)
    path = caller.query(request, "path") or ""
    try:
        parse_tile_path(path)
    except ValueError:
        raise SchemaError(
            "path must be a tlog-tiles path, e.g. tile/0/x001/234.p/17", path="path"
        ) from None
    try:
        raw = container().log_publisher.read(path)
    except KeyError:
        raise errors.NotFound(f"no tile {path} is published", path="path") from None
    return json_response(200, {"path": path, "data": base64.b64encode(raw).decode()})


def proof(request: Request) -> Response:
    """An inclusion proof (``index``) or a consistency proof (``old``) for a checkpointed size,
    computed from the published tiles: what a subscriber could compute from them itself."""
    caller.operator_or_region(request)
    publisher = container().log_publisher
    if caller.query(request, "size") is None:
        raise SchemaError("size (a checkpoint's tree size) is required", path="size")
    size = int_param(request, "size", 1, 1, _MAX_SEQUENCE)
    index = caller.query(request, "index")
    old = caller.query(request, "old")
    if (index is None) == (old is None):
        raise SchemaError(
            "give exactly one of index (inclusion) or old (consistency)", path="index"
        )
    try:
        publisher.checkpoint(size)
    except ClientError:
        raise errors.NotFound(f"no checkpoint of size {size}", path="size") from None
    read = tile_hash_reader(size, publisher.read)
    if index is not None:
        leaf = int_param(request, "index", 0, 0, size - 1)
        hashes = inclusion_proof(leaf, size, read)
        answer: dict[str, object] = {"index": leaf}
    else:
        before = int_param(request, "old", 1, 1, size)
        hashes = consistency_proof(before, size, read)
        answer = {"old": before}
    answer |= {"size": size, "proof": [h.hex() for h in hashes]}
    return json_response(200, answer)


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
        "was purged): the entry and its leaf stay in the tree; the change is owed to nobody, "
        "the listing's `purged` tombstone is"
    )


class Tile(Frozen):
    path: str = Field(description="the C2SP tlog-tiles path")
    data: str = Field(description="its bytes, base64")


class Proof(Frozen):
    size: int = Field(description="the checkpointed tree size the proof is for")
    index: int | None = Field(default=None, description="inclusion: the leaf (sequence - 1)")
    old: int | None = Field(default=None, description="consistency: the earlier tree size")
    proof: tuple[str, ...] = Field(description="the RFC 9162 proof's hashes, hex")


class LogVkey(Frozen):
    origin: str = Field(description="the log's name in its checkpoints (C2SP origin)")
    vkey: str = Field(
        description="the C2SP signed-note verifier key of the checkpoints: "
        "<origin>+<hex key id>+<base64 of 0x01 and the Ed25519 public key>"
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
        "GET",
        "/v1/log/vkey",
        "log_vkey",
        Tag.LOG,
        "The verifier key of the checkpoints' signed notes (what a witness is given)",
        Access.ANONYMOUS,
        {200: Reply(LogVkey, "The log's origin and note verifier key.")},
        handler=log_vkey,
    ),
    Operation(
        "GET",
        "/v1/log/tile",
        "log_tile",
        Tag.LOG,
        "One published tile or entry bundle of the Merkle tree (C2SP tlog-tiles)",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(Tile, "The tile's bytes.")},
        (errors.SchemaError, errors.NotFound),
        query=(
            Param(
                "path",
                {"type": "string", "maxLength": 100},
                "e.g. tile/0/x001/234.p/17 or tile/entries/000",
                required=True,
            ),
        ),
        handler=tile,
    ),
    Operation(
        "GET",
        "/v1/log/proof",
        "log_proof",
        Tag.LOG,
        "An inclusion proof (index) or consistency proof (old) against a checkpointed size",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(Proof, "The proof, computed from the published tiles.")},
        (errors.SchemaError, errors.NotFound),
        query=(
            Param("size", {"type": "integer", "minimum": 1}, "a checkpoint's size", required=True),
            Param("index", {"type": "integer", "minimum": 0}, "leaf index (sequence - 1)"),
            count_param("old", 1, _MAX_SEQUENCE),
        ),
        handler=proof,
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
