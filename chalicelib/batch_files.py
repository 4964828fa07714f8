"""Batched delivery's files in the archive bucket (``gateway.delivery.ports.BatchFiles``).

A file holds listings, some of natural persons, so it is kept no longer than its batch needs:
deleted (every version) once the batch settles; erased at once when retention purges a listing
it holds (``chalicelib.erasure``); and, should both miss it, expired by the bucket's lifecycle
rule on ``batches/`` (``infra/resources.json``) — days after any presigned link has lapsed
(``gateway.delivery.batching.LINK_TTL``) and any retry schedule has ended.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from chalicelib.s3_archive import NDJSON, S3Archive
from gateway.delivery import BATCH_KEY_PREFIX, lines_in, log_range

_ALL = 1 << 31  # keys() keeps the newest ``limit``: every pending file, here


class S3BatchFiles:
    def __init__(self, archive: S3Archive) -> None:
        self._archive = archive

    def write(self, key: str, body: bytes) -> bytes:
        if self._archive.put(key, body, {}, content_type=NDJSON):
            return body
        return self._archive.get(key)

    def read(self, key: str) -> bytes | None:
        return self._archive.find(key)

    def link(self, key: str, expires: timedelta) -> str | None:
        return self._archive.presign_get(key, expires) if self._archive.exists(key) else None

    def remove(self, key: str) -> None:
        self._archive.destroy(key)

    def erase(self, listing_id: str, sequences: Collection[int]) -> int:
        """Destroy every pending file holding ``listing_id`` (logged at ``sequences``): only
        files whose key's log range covers one of them are read. Their batches then go dead,
        their changes to be replayed (``gateway.delivery.batch_sending.lost``). How many."""
        erased = 0
        for key in self._archive.keys(BATCH_KEY_PREFIX, _ALL):
            span = log_range(key)
            if span is None or not any(span[0] <= x <= span[1] for x in sequences):
                continue
            body = self._archive.find(key)
            if body is not None and any(
                line.data.listing.listing_id == listing_id for line in lines_in(body)
            ):
                self.remove(key)
                erased += 1
        return erased
