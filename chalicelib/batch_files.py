"""Batched delivery's files in the archive bucket (``gateway.delivery.ports.BatchFiles``).

A file holds listings, some of natural persons, so it is kept no longer than its batch needs:
deleted (every version) once the batch settles; rewritten without a listing's lines at once
when retention purges it (``chalicelib.erasure``; fan-out does the same for a file it writes
after the purge, ``gateway.delivery.Batcher``); and, should all miss it, expired by the bucket's
lifecycle rule on ``batches/`` (``infra/resources.json``) — days after any presigned link has
lapsed (``gateway.delivery.batching.LINK_TTL``) and any retry schedule has ended.

Why rewrite rather than destroy: the file's other lines are owed to the subscriber, and its
queued batch still holds their place in the subscription's message group. Left in the file,
they go out where they were, with their ids, when the batch is sent (what is announced is the
file as read then: ``gateway.delivery.batch_sending``), and settle line by line — delivered, or
dead for "re-drive all dead" — as any batch's lines do. The purged listing's line leaves no
copy: the rewrite is conditioned on the version read (``If-Match``, so a concurrent settling or
rewrite is never undone) and the older versions are destroyed. A file with no line left goes.
Deleting versions lists them again until none is left (``S3Archive.destroy``): a rewrite that
lands while a settling deletes the file goes with it. A purge that died between its rewrite and
that cleanup leaves an older version behind: run again, it destroys it (``erase``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import timedelta

from chalicelib.s3_archive import NDJSON, S3Archive
from gateway.delivery import BATCH_KEY_PREFIX, batch_of, log_range, without

_REWRITES = 5  # tries of a rewrite that found the file changed (another purge, a settling)


class FileChanging(RuntimeError):
    """A file kept changing under a purge's rewrite: the purge fails, to be run again."""


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

    def without(self, key: str, listing_ids: Collection[str]) -> bytes | None:
        return self.rewritten(key, lambda body: without(body, listing_ids))

    def rewritten(self, key: str, rewrite: Callable[[bytes], bytes]) -> bytes | None:
        for _ in range(_REWRITES):
            found = self._archive.current(key)
            if found is None:
                return None
            body, etag = found
            kept = rewrite(body)
            if kept == body:
                return body or None
            # emptied first, conditionally like any rewrite, so nothing unread is destroyed
            if self._archive.replace(key, kept, etag, NDJSON):
                if not kept:
                    self.remove(key)
                return kept or None
        raise FileChanging(f"batch file {key} kept changing while it was rewritten")

    def erase(self, listing_id: str, sequences: Collection[int]) -> list[str]:
        """Take ``listing_id``'s lines (logged at ``sequences``) out of every pending file:
        only files whose key's log range covers one of them are read. The batches of the
        files covered, cleaned now or found clean (a purge run again): the answers their
        records kept while retrying may echo the lines (``chalicelib.erasure``).

        A covered file also loses its older versions, and an emptied one goes: a file is
        written once, so an older version is what a rewrite took out and an empty file what
        it left, either because the purge died before its cleanup. Run again, the purge finds
        the current version clean, and only this reaches what the first run left behind. A
        file the bucket's expiry took (its current version a delete marker) is found by its
        older versions, which still hold its lines: they go, all of them (review 41)."""
        covered = []
        for key in sorted(self._archive.versioned_keys(BATCH_KEY_PREFIX)):
            span = log_range(key)
            if span is None or not any(span[0] <= x <= span[1] for x in sequences):
                continue
            covered.append(batch_of(key))
            body = self._archive.find(key)
            if body is None:  # expired, or removed: nothing of it is to be sent any more
                self._archive.destroy(key)
            elif body and without(body, {listing_id}) != body:
                self.without(key, {listing_id})
            elif body == b"":
                self.remove(key)
            else:
                self._archive.prune(key)
        return covered
