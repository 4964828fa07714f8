"""What one chunk's attempt writes before its transaction (``exchange_log``): the chunk's object
in the archive bucket and the claims of its changes, each written once however many turns of
the head the chunk takes, all of them concurrently.

Both are started before the head and the index are read, as the chunk will most likely be
logged: every change in it, none of them erased. The claims are stored before the reads start
(why: ``exchange_log``), the object meanwhile. Only the reads can tell (a retried batch whose
changes are logged already, an erased listing), and then the object of the shape they tell is
written instead; the one written ahead was given no key anywhere, so it holds nothing anyone
can read (as an object whose writer died before its transaction), and a claim of a change
logged already names no chunk that holds it, so it counts for nothing (compaction removes it
with the others). So the object's write overlaps the reads rather than following them, and
the claims no longer wait for them: a retried batch pays a claim per change again.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from chalicelib.dynamodb.log_chunks import Sealed, seal
from chalicelib.dynamodb.log_transaction import claims
from chalicelib.s3_archive import S3Archive
from gateway_client.contract import Change

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_BINARY = "application/octet-stream"
_CHUNK_META = {"kind": "log-chunk"}
_TOKEN_BYTES = 8  # a claim's token: 64 random bits name one chunk (its claim item is put once)
Shape = tuple[tuple[str, ...], tuple[int, ...]]  # a chunk's change ids, and its bodiless offsets


class ChunkWrites:
    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        archive: S3Archive,
        pool: ThreadPoolExecutor,
        chunk: Sequence[Change],
    ) -> None:
        self._client = client
        self._table = table
        self._archive = archive
        self._pool = pool
        self.token = secrets.token_hex(_TOKEN_BYTES)  # kept for every turn of the chunk
        self.tried = False  # whether a transaction may have named ``token``
        self._objects: dict[Shape, Future[Sealed]] = {}
        self._object(chunk, ())  # ahead of the reads: see the module docstring
        self._claims = [
            pool.submit(functools.partial(client.update_item, **update))
            for update in claims(table, chunk, self.token)
        ]

    def claimed(self) -> None:
        """Every change of the chunk claimed, stored (raises if a claim failed): what the
        reads wait for (``exchange_log``'s docstring says why)."""
        for claim in self._claims:
            claim.result()
        self._claims = []

    def before_transaction(self, live: Sequence[Change], erased: Collection[int]) -> Sealed:
        """The object of exactly these changes (bodiless at the ``erased`` offsets), stored,
        their claims too: what the transaction may then name."""
        self.tried = True
        self.claimed()
        return self._object(live, erased).result()

    def _object(self, live: Sequence[Change], erased: Collection[int]) -> Future[Sealed]:
        shape = (tuple(c.change_id for c in live), tuple(sorted(erased)))
        found = self._objects.get(shape)
        if found is None:
            found = self._objects[shape] = self._pool.submit(self._write, live, set(erased))
        return found

    def _write(self, live: Sequence[Change], erased: set[int]) -> Sealed:
        sealed = seal(live, erased)
        self._archive.put(sealed.object_key, sealed.body, _CHUNK_META, _BINARY)
        return sealed
