"""The exchange log in one table and the archive bucket: a head item (the size, and an erasure
generation), per appended chunk one S3 object and a few small items
(``chalicelib.dynamodb.log_chunks``), per listing an index of claims (kept small by
``chalicelib.dynamodb.log_compaction``), and the publisher's state (``log_published``, moved by
``chalicelib.log_publishing``: how far tiles and checkpoints go, and the tree's right edge).

Appending a chunk (``append_with_counts``), for each chunk of pending changes:

1. *claim*: a fresh random token (one per chunk, kept for its retries) is added to each
   change's claims in its listing's index item (``listing#<id>``, one attribute per change id
   holding a set of tokens): one small unconditional update per listing, outside any
   transaction (1 write unit), all of them stored before 2 reads; the chunk's object is
   written meanwhile (``chalicelib.dynamodb.log_writes``). A change 2 finds logged already (a
   retried batch) is so claimed once more, for nothing: a token naming no chunk that holds it;
2. read the head (size and generation) and the claims of the chunk's changes as of one moment
   (``log_index``: a snapshot, the claims of a large chunk after it), and resolve them: a
   change is logged if a token it holds names a committed chunk (``claim#<token>``, written
   by the chunk's transaction) whose list of change ids holds it, or if its ``change#``
   marker, read with or after its listing's claims, says so (a purge's, or a change whose
   claims were compacted away: ``log_compaction`` shows why that keeps what follows true);
   such changes leave the chunk, and a listing marked erased has its changes logged bodiless;
3. one transaction conditioned on the head's size *and generation* as read in 2: the head
   moves on, the chunk's item, its claim item, its block, the statistics counters its records
   move (``append_counted``), a marker per purge. If it is cancelled (another appender took
   the turn, or an erasure happened), back off at random and go to 2 with the same token.
4. once the chunks are logged, each listing whose index was read holding ``COMPACT_AT``
   claims or more is compacted (``log_compaction``), so the item stays near a kilobyte.

Exactly once: say two attempts A and B (a retried or bisected batch, a re-drive, concurrent
lanes) both commit change c, A first. B's transaction needs the head as B read it in 2; every
commit moves the head, so B read it after A's commit, and so read c's claims after that too
(2 reads the head no later than the claims). A's token was added to c's claims in A's step 1,
before A committed, and A's claim item and chunk were committed with A: B found c logged and
left it out — a contradiction. (For this, only the order of an attempt's own claim before its
own transaction matters. The claims come before the reads for two other reasons: on DynamoDB a
write in flight to an item cancels a snapshot that reads it, and the reads then count the
chunk's own claims for compaction.) Gap-free: every commit moves the head from the size it
read to that plus the chunk's length, atomically with the chunk. A token left by an attempt
that died before its transaction names no committed chunk, so it counts for nothing, and its
object holds no readable body (its keys were never stored).

Erasure (``erase``) marks the listing's index, then moves the head's generation, and only then
reads the index again and resolves the listing's claims, removing each entry's body key from
its chunk (crypto-shredding). A transaction prepared before the generation moved either
commits before it — its claims were stored before that commit, so the second read finds them
(or compaction's pages, written before a claim leaves) — or is cancelled by it and prepared
again, reading the mark — whatever the order of an appender's claims and reads. So no body of
the listing stays readable, while every leaf, tile and checkpoint still verifies.

Logs written before chunks keep their per-entry items (``entry#``, ``body#``, ``change#``,
``listing#`` with a ``sequences`` set); they are still read, deduplicated against and erased.
The costs, measured, and why one item per listing remains: ``bench/README.md``.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from chalicelib.dynamodb.base import n, s
from chalicelib.dynamodb.conflicts import lost_turn
from chalicelib.dynamodb.log_chunks import Committed
from chalicelib.dynamodb.log_compaction import COMPACT_AT
from chalicelib.dynamodb.log_erasure import LogErasure
from chalicelib.dynamodb.log_published import (
    CUT_OVERS,
    PUBLISHED,
    PUBLISHED_KEY,
    Published,
    advance_put,
    cut_over_update,
    published_of,
)
from chalicelib.dynamodb.log_reading import (
    Read,
    erased_in,
    read_window,
)
from chalicelib.dynamodb.log_transaction import (
    ALONE,
    Head,
    actions,
    take,
)
from chalicelib.dynamodb.log_writes import ChunkWrites
from chalicelib.dynamodb.statistics import full_items, without
from chalicelib.s3_archive import S3Archive
from gateway.delivery import Erased
from gateway.statistics import Key, total
from gateway_client.contract import Change, ChangeType, LogEntry
from gateway_client.tlog import Frontier

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

log = logging.getLogger("credit_gateway.exchange_log")
_ATTEMPTS = 20
_BACKOFF = 0.02  # seconds; doubled per lost turn, up to 32 times, each wait drawn at random
_WRITERS = 8  # claims (and the chunk's object) written at once


Counters = Callable[[Mapping[Key, int]], "list[TransactWriteItemTypeDef]"]
"""The statistics counters' updates adding summed deltas, for the log's own transaction."""


class LogContention(RuntimeError):
    """The head kept moving; the caller's batch is retried by Lambda."""


class DynamoExchangeLog(LogErasure):
    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        archive: S3Archive,
        compact_at: int = COMPACT_AT,
    ) -> None:
        super().__init__(client, table_name, compact_at)
        self._archive = archive  # the chunks' objects
        self._committed = Committed()  # the last chunks this process committed
        self._appended: tuple[Published, int] | None = None  # see ``after_append``
        self._appended_lock = threading.Lock()

    def size(self) -> int:
        return self._head().size

    def published_size(self) -> int:
        return self.published_state().size

    def published_state(self) -> Published:
        """How far tiles and checkpoints are published, the tree's right edge there, and the
        sizes of the latest checkpoints."""
        return published_of(self._get(PUBLISHED_KEY))

    def after_append(self) -> tuple[Published, int] | None:
        """What the publisher right after this process's last append needs, as that append
        read it: the published state (read with the index, before its transaction), and a
        size its commits reached that covers every sequence it returned. Given once; ``None``
        until the next append that commits.

        The state may be behind by then (another publisher moved it), never ahead: the
        publisher's conditional ``advance_published`` finds that out and reads it again. The
        size covers every change the append logged, and every change before them."""
        with self._appended_lock:
            appended, self._appended = self._appended, None
        return appended

    def cut_overs(self, at: datetime) -> tuple[datetime, datetime]:
        """The salting and moves cut-overs, each fixed at ``at`` unless it is fixed already
        (``log_published``)."""
        fixed = self._client.update_item(**cut_over_update(self._table, at))["Attributes"]
        salted, moves = (datetime.fromisoformat(fixed[name]["S"]) for name in CUT_OVERS)
        return salted, moves

    def advance_published(self, before: Published, frontier: Frontier) -> bool:
        """Record publication up to ``frontier.size`` unless another publisher moved it first."""
        return self._put_if(**advance_put(self._table, before, frontier))

    def append(self, changes: Sequence[Change]) -> dict[str, int]:
        """Log the changes not logged yet, in order; every change's sequence number."""
        return self.append_with_counts(changes, {}, lambda _: [])[0]

    def append_counted(
        self,
        changes: Sequence[Change],
        tallies: Mapping[str, Mapping[Key, int]],
        counters: Counters,
    ) -> set[str]:
        """``append``, each change's statistics delta (by change id) added to the counters in
        the transaction that logs it: exactly once, guarded by the change's own index entry.
        The ids whose deltas are settled: counted now, or with their change by an earlier
        attempt (not those logged before chunks: their deltas had markers of their own)."""
        return self.append_with_counts(changes, tallies, counters)[1]

    def append_with_counts(
        self,
        changes: Sequence[Change],
        tallies: Mapping[str, Mapping[Key, int]],
        counters: Counters,
    ) -> tuple[dict[str, int], set[str]]:
        """Both of ``append`` and ``append_counted``: every change's sequence number, and the
        ids whose deltas are settled."""
        unique = list(dict((c.change_id, c) for c in changes).values())
        known: dict[str, int] = {}
        settled: set[str] = set()
        crowded: dict[str, int] = {}  # by listing: its claims as read (this call's among them)
        pending, attempt = unique, 0
        published: Published | None = None  # as the last commit of this call read it
        with self._appended_lock:
            self._appended = None  # an earlier call's, never published (its caller failed)
        with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
            while pending:
                chunk = take(pending, tallies)
                if not chunk:  # a change whose counters fill a transaction alone: never spin
                    raise RuntimeError(
                        f"change {pending[0].change_id} brings over {ALONE} counters"
                    )
                writes = ChunkWrites(self._client, self._table, self._archive, pool, chunk)
                writes.claimed()  # before any read: module docstring
                while True:  # until the chunk's changes are logged, by this attempt or another
                    # the head with the index (module docstring), and the publisher's state
                    own = None if writes.tried else writes.token  # names no chunk yet
                    read = self._state(chunk, pool, (PUBLISHED,), own)
                    if read is not None:
                        head, state = read
                        known |= state.logged | state.older
                        settled |= set(state.logged)
                        crowded |= {x: max(k, crowded.get(x, 0)) for x, k in state.claims.items()}
                        live = [c for c in chunk if c.change_id not in known]
                        if not live:
                            break
                    if attempt >= _ATTEMPTS:
                        raise LogContention(
                            f"{len(pending)} changes not logged after {attempt} tries"
                        )
                    if read is not None and self._commit(
                        head, live, writes, state.erasures, tallies, counters
                    ):
                        published = published_of(state.also.get(PUBLISHED))
                        known |= {c.change_id: head.size + 1 + i for i, c in enumerate(live)}
                        settled |= {c.change_id for c in live}
                        break
                    attempt += 1
                    time.sleep(random.uniform(0, _BACKOFF * 2 ** min(attempt, 5)))  # noqa: S311
                pending = [c for c in pending if c.change_id not in known]
        if published is not None:
            self._after(published, max(known.values()))
        self._compact_crowded(crowded)
        return known, settled

    def _after(self, published: Published, size: int) -> None:
        """Keep what ``after_append`` gives: ``size`` covers every change this call returns,
        its own and those it found logged by another (a later chunk's may lie past its own
        commits). Of two appends at once, the larger size is kept: it covers both."""
        with self._appended_lock:
            if self._appended is None or size >= self._appended[1]:
                self._appended = (published, size)

    def _commit(
        self,
        head: Head,
        live: Sequence[Change],
        writes: ChunkWrites,
        erasures: Mapping[str, str | None],
        tallies: Mapping[str, Mapping[Key, int]],
        counters: Counters,
    ) -> bool:
        """The chunk's object and its claims (``log_writes``), then its transaction; whether
        it took its turn."""
        erased = {
            i: purge
            for i, c in enumerate(live)
            if c.type is not ChangeType.PURGED
            and (purge := erasures.get(c.listing.listing_id)) is not None
        }
        sealed = writes.before_transaction(live, erased)
        counted = counters(total(tallies[c.change_id] for c in live if c.change_id in tallies))
        items = actions(self._table, head, live, sealed, erased, writes.token)
        transaction = [*items, *counted]
        try:
            self._client.transact_write_items(TransactItems=transaction)
        except ClientError as error:
            if full := full_items(error, transaction, len(items)):
                # A region's statistics item past DynamoDB's 400 KB (counters its pushes grew):
                # the changes are logged, and so delivered, without that item's counts, which
                # are lost (review 386: every stream batch failed, every region's delivery with
                # it; review 387: every other item's counts were dropped with it).
                kept = {change_id: without(tally, full) for change_id, tally in tallies.items()}
                return self._commit(head, live, writes, erasures, kept, counters)
            if not lost_turn(error, "ConditionalCheckFailed"):
                raise
            return False  # the head moved (a turn taken, or an erasure): read again
        self._committed.add(head.size + 1, sealed.body)
        return True

    def _window(self, start: int, limit: int, bodies: bool) -> list[Read]:
        window = range(max(start, 1), max(start, 1) + max(limit, 0))
        return read_window(self._batch, self._archive.get, window, bodies)

    def entries(self, start: int, limit: int) -> list[tuple[LogEntry, Change | Erased]]:
        """Entries ``start`` … ``start + limit - 1`` that exist, in order, with their changes
        (or, where retention erased one, the tombstone that replaced it)."""
        return [(entry, body) for entry, body, _ in self._window(start, limit, True) if body]

    def leaves(self, start: int, limit: int) -> list[LogEntry]:
        """The entries ``start`` … ``start + limit - 1`` that exist, as ``published`` lists
        them, for the publisher: from the chunks this process just committed when those hold
        the whole window (``log_chunks.Committed``), else read."""
        window = range(max(start, 1), max(start, 1) + max(limit, 0))
        kept = self._committed.entries(window)
        return kept if kept is not None else self.published(start, limit)[0]

    def published(self, start: int, limit: int) -> tuple[list[LogEntry], list[int]]:
        """What ``GET /v1/log`` shows: the entries, and which of them had their body erased
        (bodies themselves are not decrypted)."""
        read = self._window(start, limit, False)
        return [e for e, _, _ in read], [e.sequence for e, _, erased in read if erased]

    def erased_in(self, first: int, last: int) -> list[int]:
        """The sequences in ``[first, last]`` whose bodies a purge erased (``published``'s
        second part), read from the chunk items only: what fan-out checks its files against."""
        return erased_in(self._batch, range(max(first, 1), last + 1))

    def change_ids_of(self, listing_id: str) -> list[str]:
        """The ids of the listing's logged changes, in log order (what its single deliveries'
        ids are made of: ``delivery_receipts``)."""
        read = read_window(self._batch, self._archive.get, self.sequences_of(listing_id), False)
        return [entry.change_id for entry, _, _ in read]

    def sequence_of(self, change_id: str) -> int | None:
        """Where ``change_id`` is logged, if it is: a purge's (what replays look up for an
        erased body), or any change logged before chunks or compacted out of its index."""
        return self._marked([change_id]).get(change_id)

    def allocate(self, subscription_id: str, count: int) -> int:
        """Reserve ``count`` per-subscription sequence numbers; the first of them."""
        reply = self._client.update_item(
            TableName=self._table,
            Key={"pk": s(f"subscription#{subscription_id}")},
            UpdateExpression="ADD #next :count",
            ExpressionAttributeNames={"#next": "next"},
            ExpressionAttributeValues={":count": n(count)},
            ReturnValues="UPDATED_NEW",
        )
        return int(reply["Attributes"]["next"]["N"]) - count + 1
