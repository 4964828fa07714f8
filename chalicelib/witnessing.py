"""Asking witnesses to cosign the exchange log's latest checkpoint (C2SP tlog-witness), and
publishing what they cosigned.

Each configured witness (``CG_WITNESSES``) gets ``POST <url>/add-checkpoint``: the size it last
cosigned (``witness#<name>`` in the exchange-log table), a consistency proof from there to the
latest checkpoint computed from the published tiles, and the signed note. A witness cosigns
only what extends its own record, so checkpoints it cosigned are ones every province trusting
it was shown alike (``gateway verify-log --witnesses-required``). Its cosignature line is
verified under its configured key before it is stored, write-once, beside the checkpoint at
``checkpoints/<size>.cosignatures/<name>``; the log routes serve the lines with the note. A
witness that cosigned the latest checkpoint already is asked again (old size = size, no proof)
and its fresh line kept at ``checkpoints/fresh/<size>/<name>`` (overwritten; the bucket's rule
``FreshCosignatures`` expires the old versions): an idle log's witnesses thus vouch every hour
that it is still that checkpoint, and a subscriber shown an older one for a day sees it frozen.

Witnessing never holds the log up: it runs after publishing (the lifecycle tick, the operator's
``POST /v1/log/checkpoints``), each witness with a short deadline, and a witness that is down
or refuses is logged and skipped; it is asked again, from its recorded size, next time.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from chalicelib.dynamodb.witness_sizes import DynamoWitnessSizes
from chalicelib.http_transport import Urllib3Transport
from chalicelib.log_publishing import CHECKPOINTS, LogPublisher
from chalicelib.observability import logger
from chalicelib.s3_archive import S3Archive
from chalicelib.settings import WitnessConfig
from gateway_client.contract import Checkpoint
from gateway_client.tlog import consistency_proof, format_add_checkpoint, tile_hash_reader
from gateway_client.witness_audit import cosigners

TIMEOUT = 3.0  # seconds per request: a tick waits at most twice this per witness
_READERS = 8  # checkpoints whose cosignatures are read at once
_COSIGNATURES = ".cosignatures/"
_HEADERS = {"content-type": "text/plain; charset=utf-8"}
_COSIGNATURE = {"kind": "cosignature"}
_TEXT = "text/plain"


def cosignature_prefix(size: int) -> str:
    return f"{CHECKPOINTS}{size:012d}{_COSIGNATURES}"


def fresh_prefix(size: int) -> str:
    """Where each witness's latest cosignature of the checkpoint of ``size`` is kept, when it
    was asked again: beside the first lines' prefix, never under it."""
    return f"{CHECKPOINTS}fresh/{size:012d}/"


class Witnessing:
    def __init__(
        self,
        publisher: LogPublisher,
        sizes: DynamoWitnessSizes,
        archive: S3Archive,
        transport: Urllib3Transport,
        witnesses: Sequence[WitnessConfig],
    ) -> None:
        self._publisher = publisher
        self._sizes = sizes
        self._archive = archive
        self._transport = transport
        self._witnesses = tuple(witnesses)

    def cosign_latest(self) -> dict[str, int]:
        """Ask every witness, at once, to cosign the latest checkpoint; the witnesses that
        cosigned it now, with its size. One that cosigned it before is asked again: its
        cosignature's time then says the log was still this checkpoint (``verify-log`` holds
        a log whose witnesses' latest cosignatures are a day old as frozen: review 51)."""
        latest = self._publisher.latest() if self._witnesses else None
        if latest is None:
            return {}
        with ThreadPoolExecutor(max_workers=min(8, len(self._witnesses))) as pool:
            outcomes = list(pool.map(lambda w: self._ask(w, latest), self._witnesses))
        cosigned = zip(self._witnesses, outcomes, strict=True)
        return {witness.name: latest.sequence for witness, ok in cosigned if ok}

    def cosigned_sizes(self) -> set[int]:
        """The size of the checkpoint each listed witness last cosigned (none: 0, left out)."""
        return {size for size in self._sizes.sizes([w.name for w in self._witnesses]) if size}

    def _ask(self, witness: WitnessConfig, checkpoint: Checkpoint) -> bool:
        size = checkpoint.sequence
        recorded = old = self._sizes.size(witness.name)
        if recorded > size:
            return False
        url = witness.url.rstrip("/") + "/add-checkpoint"
        for attempt in range(2):
            body = format_add_checkpoint(old, self._proof(old, size), checkpoint.note)
            reply = self._transport.post(url, dict(_HEADERS), body.encode(), TIMEOUT)
            if reply.status != 409 or attempt:
                break
            reported = _reported_size(reply.body_excerpt)  # the witness's record: start there
            if reported is None or reported > size:  # at size: asked again (review 52)
                return _skipped(witness, size, f"409 with size {reported}")
            old = reported
        if reply.status != 200:
            why = reply.body_excerpt[:200] if reply.status == 0 else f"HTTP {reply.status}"
            return _skipped(witness, size, why)
        line = _verified_line(reply.body_excerpt, checkpoint, witness)
        if line is None:
            return _skipped(witness, size, "its answer holds no valid cosignature")
        first = cosignature_prefix(size) + witness.name
        if recorded == size or not self._archive.put(first, line.encode(), _COSIGNATURE, _TEXT):
            # asked again: its fresh time shows the log is not frozen (apart from the first
            # lines, as a name may end in anything; old versions expire: FreshCosignatures)
            self._archive.overwrite(
                fresh_prefix(size) + witness.name, line.encode(), _COSIGNATURE, _TEXT
            )
        if recorded < size:
            self._sizes.advance(witness.name, recorded, size)
        return True

    def _proof(self, old: int, size: int) -> list[bytes]:
        if old == 0:
            return []
        return consistency_proof(old, size, tile_hash_reader(size, self._publisher.read))


def _reported_size(text: str) -> int | None:
    """The size a 409 (``text/x.tlog.size``) reports: one decimal number and a newline."""
    digits = text.strip()
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 19 else None


def _verified_line(text: str, checkpoint: Checkpoint, witness: WitnessConfig) -> str | None:
    """The first line of the answer that verifies as the witness's cosignature, timed as
    verify-log will accept it (``witness_audit.cosigners``)."""
    now = datetime.now(UTC)
    for line in text.split("\n"):
        candidate = checkpoint.model_copy(update={"cosignatures": (line,)})
        if line and cosigners(candidate, [witness.verifier], now):
            return line + "\n"
    return None


def _skipped(witness: WitnessConfig, size: int, why: str) -> bool:
    logger.warning("witness %s did not cosign checkpoint %d: %s", witness.name, size, why)
    return False


def with_cosignatures(archive: S3Archive, checkpoint: Checkpoint) -> Checkpoint:
    """The checkpoint with the cosignature lines collected for its size, the latest and the
    first of each witness, in that order: a signed-note reader takes a key's first line and
    skips the rest, and the latest is what shows the log is not frozen (review 195)."""
    size = checkpoint.sequence
    keys = archive.keys(fresh_prefix(size), limit=sys.maxsize)
    keys += archive.keys(cosignature_prefix(size), limit=sys.maxsize)
    return _cosigned(archive, checkpoint, keys)


def published_checkpoints(
    archive: S3Archive, checkpoints: Sequence[Checkpoint]
) -> list[Checkpoint]:
    """The checkpoints, each with its cosignature lines, the checkpoints' read at once."""
    with ThreadPoolExecutor(max_workers=min(_READERS, len(checkpoints) or 1)) as pool:
        return list(pool.map(functools.partial(with_cosignatures, archive), checkpoints))


def _cosigned(archive: S3Archive, checkpoint: Checkpoint, keys: Sequence[str]) -> Checkpoint:
    if not keys:
        return checkpoint
    lines = tuple(archive.get(key).decode().rstrip("\n") for key in keys)
    return checkpoint.model_copy(update={"cosignatures": lines})
