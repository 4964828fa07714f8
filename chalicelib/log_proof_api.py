"""The exchange log's proofs: its tiles, inclusion and consistency proofs computed from them,
and the verifier key witnesses check its checkpoints with."""

from __future__ import annotations

import base64

from botocore.exceptions import ClientError
from chalice.app import Request, Response
from pydantic import Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.caller import int_param
from chalicelib.http_errors import json_response
from chalicelib.log_api import MAX_SEQUENCE
from chalicelib.route_spec import Access, Operation, Param, Reply, Tag, count_param
from gateway_client.contract import Frozen, SchemaError, errors
from gateway_client.tlog import (
    NoteSigner,
    consistency_proof,
    inclusion_proof,
    parse_tile_path,
    tile_hash_reader,
)


def log_vkey(request: Request) -> Response:
    """The note verifier key of the gateway's checkpoints: what a witness is configured with
    (``gateway witness serve --log-vkey``). It changes with the signing key."""
    c = container()
    origin = c.settings.log_origin
    vkey = NoteSigner(origin, c.signers.ed25519.private_key).vkey
    return json_response(200, {"origin": origin, "vkey": vkey})


_TILE_PATH_CHARS = 100  # a tile of the largest log (MAX_SEQUENCE entries) needs under 40


def tile(request: Request) -> Response:
    """One published tile or entry bundle (C2SP tlog-tiles path), base64 in JSON."""
    caller.operator_or_region(request)
    path = caller.query(request, "path") or ""
    try:
        # a canonical path of an index no log reaches could pass S3's key limit (a 5xx there)
        if len(path) > _TILE_PATH_CHARS:
            raise ValueError(path)
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
    size = int_param(request, "size", 1, 1, MAX_SEQUENCE)
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


ROUTES: tuple[Operation, ...] = (
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
                {"type": "string", "maxLength": _TILE_PATH_CHARS},
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
            count_param("old", 1, MAX_SEQUENCE),
        ),
        handler=proof,
    ),
)
