"""The purge's reach beyond the listing item: every other stored copy of a listing's content.

Delivery records hold none (``chalicelib.dynamodb.deliveries``); raw pushes and uploads expire
by the bucket's lifecycle rules before any purge is due (``gateway.lifecycle.retention.purge_due``).
Batched delivery's files not yet delivered may hold the listing: those are destroyed
(``chalicelib.batch_files``), found by the log sequences of the listing's changes.
"""

from __future__ import annotations

from chalicelib.batch_files import S3BatchFiles
from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.dynamodb.feedback import DynamoFeedback
from chalicelib.dynamodb.persons import DynamoPersonIndex
from chalicelib.observability import logger


class StoredCopies:
    """``gateway.ports.Erasure`` over the exchange log's bodies, the feedback table and the
    person index (keyed hashes, but still a person's: which listings name them)."""

    def __init__(
        self,
        exchange_log: DynamoExchangeLog,
        feedback: DynamoFeedback,
        persons: DynamoPersonIndex,
        batch_files: S3BatchFiles | None = None,
    ) -> None:
        self._batch_files = batch_files
        self._log = exchange_log
        self._feedback = feedback
        self._persons = persons

    def erase(self, listing_id: str, tombstone_id: str) -> None:
        files = 0
        if self._batch_files is not None:  # first: the log's index of the listing goes next
            logged = self._log.sequences_of(listing_id)
            files = self._batch_files.erase(listing_id, logged) if logged else 0
        bodies = self._log.erase(listing_id, tombstone_id)
        reports = self._feedback.erase(listing_id)
        people = self._persons.erase(listing_id)
        logger.info(
            "purge: %d logged bodies, %d feedback reports, %d person index entries and %d "
            "batch files erased",
            bodies,
            reports,
            people,
            files,
        )
