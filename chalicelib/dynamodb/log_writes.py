"""What one chunk's attempt writes before its transaction (``exchange_log``): the chunk's object
in the archive bucket and the claims of its changes, each written once however many turns of
the head the chunk takes, all of them concurrently.

Both are started before the head and the index are read, as the chunk will most likely be
logged: every change in it, none of them erased. Only the reads can tell (a retried batch
whose changes are logged already, an erased listing), and then the object of the shape they
tell is written instead; the one written ahead was given no key anywhere, so it holds nothing
anyone can read (as an object whose writer died before its transaction), and a claim of a
change logged already names no chunk that holds it, so it counts for nothing (compaction
removes it with the others). So the writes overlap the reads rather than following them, a
round trip less before every change is logged; a retried batch pays a claim per change again.
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
        self._chunk = chunk
        self.tried = False  # whether a transaction may have named ``token``
        self._claimed: set[str] = set()  # the chunk's changes whose claim was sent
        self._claims: list[Future[object]] = []  # those not yet known to be stored
        self._objects: dict[Shape, Future[Sealed]] = {}
        self._object(chunk, ())  # ahead of the reads: see the module docstring
        self._claim(chunk)

    def before_transaction(self, live: Sequence[Change], erased: Collection[int]) -> Sealed:
        """The object of exactly these changes (bodiless at the ``erased`` offsets) and the
        claim of every one of them, stored: what the transaction may then name."""
        self.tried = True
        self._claim([c for c in live if c.change_id not in self._claimed])
        sealed = self._object(live, erased)
        for claim in self._claims:
            claim.result()  # every claim stored before the transaction can commit
        self._claims = []
        return sealed.result()

    def claimed_listings(self) -> list[str]:
        """The listing of each change claimed (one entry per change): what this chunk's claims
        may have added to each index, whether or not the reads saw them."""
        return [c.listing.listing_id for c in self._chunk if c.change_id in self._claimed]

    def _claim(self, changes: Sequence[Change]) -> None:
        for update in claims(self._table, changes, self.token):
            self._claims.append(
                self._pool.submit(functools.partial(self._client.update_item, **update))
            )
        self._claimed.update(c.change_id for c in changes)

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
