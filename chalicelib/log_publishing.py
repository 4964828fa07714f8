"""Publishing the exchange log: C2SP tlog-tiles and entry bundles in the archive bucket, and a
signed checkpoint, for everything logged so far.

Fan-out publishes right after it logs and before it queues a delivery, so every change a
subscriber receives is already under a signed checkpoint. Publishers may run at once (one per
stream shard): each publishes from the recorded state up to the size it read, and every tile is a
pure function of the entries, so two of them write the same bytes to the same write-once keys;
the state only moves forward (a conditional write), and a publisher behind it simply starts
again from where the other left off.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta

from botocore.exceptions import ClientError

from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.dynamodb.log_published import Published
from chalicelib.s3_archive import S3Archive
from gateway_client.contract import (
    FROM_THE_START,
    Checkpoint,
    Clock,
    GatewaySigners,
    entry_leaf,
    moves_since,
    moves_since_line,
    salted_since_line,
    sign_checkpoint,
)
from gateway_client.tlog import entry_bundles_for, leaf_hash, tiles_for

PREFIX = "log/"
CHECKPOINTS = "checkpoints/"
_CHUNK = 4096  # entries published per state change: bounded memory whatever the backlog
_ATTEMPTS = 50
_WRITERS = 4  # a step writes a tile per level (three for 16M entries) and a bundle
_READERS = 8  # checkpoints read at once
_MISSING = ("NoSuchKey", "404")
SALTING_MARGIN = timedelta(minutes=15)  # Lambda's longest invocation
_BINARY = "application/octet-stream"


class LogMismatch(RuntimeError):
    """The bucket holds log objects the table's entries do not make (a restored table, a
    reused bucket): publishing stops rather than sign over them; an operator must look."""


class LogPublisher:
    def __init__(
        self,
        log: DynamoExchangeLog,
        archive: S3Archive,
        signers: GatewaySigners,
        origin: str,
        clock: Clock,
    ) -> None:
        self._log = log
        self._archive = archive
        self._signers = signers  # the key is read on first use: a tile request never signs
        self.origin = origin
        self._clock = clock
        self._last_tiles: dict[str, bytes] = {}

    def publish(self) -> Checkpoint | None:
        """Publish up to the log's size as read now (right after this process appended: as
        that append left it, and from the state it read: ``DynamoExchangeLog.after_append``,
        a round trip less before every delivery); the last checkpoint this call signed.

        A step whose state change lands at the size read is the last one: it does not read the
        state again to learn that (a request less on the way to every delivery). The size and
        the state are read at once, and a step's tiles and bundles written at once: each is
        independent of the others (the state is at most the size, whichever is read first),
        and only the checkpoint waits for them all."""
        with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
            appended = self._log.after_append()
            if appended is not None:  # as this process's append just read and left them
                return self._publish_from(*appended, pool)
            size = pool.submit(self._log.size)
            state = self._log.published_state()
            return self._publish_from(state, size.result(), pool)

    def _publish_from(
        self, state: Published, target: int, pool: ThreadPoolExecutor
    ) -> Checkpoint | None:
        signed: Checkpoint | None = None
        for attempt in range(_ATTEMPTS):
            if attempt:
                state = self._log.published_state()
            done, frontier = state.size, state.frontier
            if done >= target:
                return signed
            upto = min(target, done + _CHUNK)
            entries = self._log.leaves(done + 1, upto - done)
            if [e.sequence for e in entries] != list(range(done + 1, upto + 1)):
                raise RuntimeError(f"log entries {done + 1}…{upto} are not all stored")
            # fixed once (the state's put carries them on), then stated by every checkpoint
            since, moves = state.salted_since, state.moves_since
            if since is None or moves is None:
                stated = self._moves_stated(state)
                since, moves = self._log.cut_overs(stated or self._cut_over(state))
                state = replace(state, salted_since=since, moves_since=moves)
            leaves = [entry_leaf(e) for e in entries]
            grown, hashes = frontier.append([leaf_hash(x) for x in leaves])
            written = [
                *tiles_for(done, upto, hashes, self._read_partial),
                *entry_bundles_for(done, upto, leaves, self._read_partial),
            ]
            list(pool.map(lambda tile: self._put_tile(*tile), written))
            self._last_tiles = dict(written)
            checkpoint = sign_checkpoint(
                upto,
                grown.root(),
                self._clock.now(),
                self._signers,
                self.origin,
                [salted_since_line(since), moves_since_line(moves)],
            )
            kept = self._put_checkpoint(checkpoint)
            if self._log.advance_published(state, grown):
                signed = kept
                if upto == target:
                    return signed
        raise RuntimeError(f"the log's publication did not reach {target}")

    def _cut_over(self, state: Published) -> datetime:
        """From when only this code logs (every listing version salted, every move named in
        its leaf): always, for a log nothing was published of before this code (every
        fan-out publishes as it logs); else once no invocation of older code can still be
        running, Lambda's longest, whole seconds rounded up (a checkpoint states whole
        seconds). A cut-over fixed by an earlier release stays as it was."""
        if state.size == 0:
            return FROM_THE_START
        at = self._clock.now() + SALTING_MARGIN
        return at.replace(microsecond=0) + timedelta(seconds=bool(at.microsecond))

    def _moves_stated(self, state: Published) -> datetime | None:
        """The earliest moves cut-over the recent checkpoints state, where the state lost it: a
        publisher of the release before, still running during a deploy, puts the whole state
        without it, and fixing it again would move it later (what the salting one, which that
        release knows, never does). One read per recent checkpoint, once after such a put, and
        once on upgrading."""
        with ThreadPoolExecutor(max_workers=min(_READERS, len(state.recent) or 1)) as pool:
            stated = [at for at in pool.map(self._moves_stated_by, state.recent) if at]
        return min(stated, default=None)

    def _moves_stated_by(self, size: int) -> datetime | None:
        """What one checkpoint states; None for one not read here (never ours, never stated):
        an unreadable object must not stop every publication, and every delivery with it."""
        try:
            return moves_since(self.checkpoint(size).extensions)
        except (ValueError, ClientError):  # ValidationError is a ValueError
            return None

    def _read_partial(self, path: str) -> bytes:
        """A partial tile or bundle the next step extends: the one this publisher wrote last
        if it is that very path, else the bucket's. Each step writes partial tiles that the
        next one reads back, two S3 reads before every delivery; a path names its content for
        good (write-once, the width in the name, and ``_put_tile`` checked the bucket holds
        these bytes), so the copy kept from the last step is the bucket's. Only that step's
        tiles are kept (a few KB): another publisher's step meanwhile means other paths."""
        kept = self._last_tiles.get(path)
        return kept if kept is not None else self.read(path)

    def _put_tile(self, path: str, body: bytes) -> None:
        """Write once; a tile already there must hold these very bytes (another publisher's
        copy), or the bucket and the log disagree and nothing more is published on top."""
        if self._archive.put(PREFIX + path, body, {"kind": "log-tile"}, _BINARY):
            return
        if self.read(path) != body:
            raise LogMismatch(f"{PREFIX}{path} holds other bytes than the log's entries make")

    def _put_checkpoint(self, checkpoint: Checkpoint) -> Checkpoint:
        """Write once; the checkpoint already stored for that size (another publisher's) is the
        one kept, and it must sign the same tree."""
        key = checkpoint_key(checkpoint.sequence)
        if self._archive.put(key, checkpoint.model_dump_json().encode(), {"kind": "checkpoint"}):
            return checkpoint
        stored = self.checkpoint(checkpoint.sequence)
        if (stored.root, stored.origin) != (checkpoint.root, checkpoint.origin):
            raise LogMismatch(f"{key} signs another tree than the log's entries make")
        return stored

    def read(self, path: str) -> bytes:
        """A published tile or entry bundle (``KeyError`` when it is not there)."""
        try:
            return self._archive.get(PREFIX + path)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                raise KeyError(path) from error
            raise

    def latest(self) -> Checkpoint | None:
        """The checkpoint of the published size (``None`` before anything was logged)."""
        size = self._log.published_size()
        return self.checkpoint(size) if size else None

    def recent(self, limit: int) -> list[Checkpoint]:
        """The latest ``limit`` checkpoints, oldest first: the state names them, so nothing
        lists the bucket, whose checkpoints grow by one a fan-out batch."""
        return self.checkpoints(self._log.published_state().recent[-limit:])

    def checkpoints(self, sizes: Sequence[int]) -> list[Checkpoint]:
        """The checkpoints of these sizes, in their order, read at once (one object each:
        one after another they were most of ``GET /v1/log/checkpoints``)."""
        with ThreadPoolExecutor(max_workers=min(_READERS, len(sizes) or 1)) as pool:
            return list(pool.map(self.checkpoint, sizes))

    def checkpoint(self, size: int) -> Checkpoint:
        return Checkpoint.model_validate_json(self._archive.get(checkpoint_key(size)))


def checkpoint_key(size: int) -> str:
    return f"{CHECKPOINTS}{size:012d}.json"
