"""The purge's reach beyond the listing item: every other stored copy of a listing's content.

Delivery records hold none (``chalicelib.dynamodb.deliveries``), but the endpoint answers their
failed attempts kept may echo it: blanked (``chalicelib.dynamodb.delivery_excerpts``), those of
the listing's single deliveries and those of every batch whose file covered its changes (one
still retrying too: a settled batch's are blanked as it settles).
Batched delivery's files not yet delivered may hold the listing: its lines are taken out of
them (``chalicelib.batch_files``), the files found by the log sequences of its changes.

The files are looked for after the log is erased, never before: fan-out reads the log for
erasures after it writes a file (``gateway.delivery.Batcher``), so a file written while the
purge runs is either already there when the purge lists the files, or written late enough
for fan-out to see the erasure and clean it itself. The listing's sequences are read both
before the log's erasure (the log's older index forgets them as that ends) and after (a
change committed meanwhile); the log keeps them once erased, so a purge run again — after a
failure, whatever step it reached — looks through the files again.

Bulk checks' result files that answered with the listing are destroyed, and their uploads'
results withdrawn (``chalicelib.check_answers``).

Not reached: the raw evidence. Archived pushes (``pushes/``) and uploads (``uploads/``) are
kept for the evidence window after they were received, and the purge waits only until the
listing's last *accepted* version is that old (``gateway.lifecycle.retention.purge_due``). A
push that carried the entry again unchanged (a duplicate, or a resync upload) is archived but
moves nothing on the listing — noting it would cost a write per duplicate — so its raw body,
holding the person, outlives the purge by up to the evidence window (365 days) after that
last push; then the bucket's lifecycle rules expire it, every version.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.batch_files import S3BatchFiles
from chalicelib.check_answers import CheckAnswers
from chalicelib.dynamodb.delivery_excerpts import DeliveryExcerpts
from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.dynamodb.feedback import DynamoFeedback
from chalicelib.dynamodb.persons import DynamoPersonIndex
from chalicelib.observability import logger


class StoredCopies:
    """``gateway.ports.Erasure`` over the exchange log's bodies, the feedback table, the
    person index (keyed hashes, but still a person's: which listings name them), the answers
    delivery records kept and bulk checks' result files."""

    def __init__(
        self,
        exchange_log: DynamoExchangeLog,
        feedback: DynamoFeedback,
        persons: DynamoPersonIndex,
        batch_files: S3BatchFiles | None = None,
        excerpts: DeliveryExcerpts | None = None,
        check_answers: CheckAnswers | None = None,
    ) -> None:
        self._check_answers = check_answers
        self._excerpts = excerpts
        self._batch_files = batch_files
        self._log = exchange_log
        self._feedback = feedback
        self._persons = persons

    def purged(self, listing_ids: Sequence[str]) -> dict[str, str]:
        return self._log.purged(listing_ids)

    def erase(self, listing_id: str, tombstone_id: str, owner: str = "") -> None:
        before = self._log.sequences_of(listing_id) if self._batch_files is not None else []
        bodies = self._log.erase(listing_id, tombstone_id, owner)
        batches: list[str] = []
        if self._batch_files is not None:  # after the log: see the module docstring
            logged = {*before, *self._log.sequences_of(listing_id)}
            batches = self._batch_files.erase(listing_id, logged) if logged else []
        reports = self._feedback.erase(listing_id)
        people = self._persons.erase(listing_id)
        answers = 0
        if self._excerpts is not None:  # a retrying batch's too: its answers may echo the line
            answers = self._excerpts.erase(listing_id) + sum(map(self._excerpts.blank, batches))
        checks = self._check_answers.erase(listing_id) if self._check_answers is not None else 0
        logger.info(
            "purge: %d logged bodies, %d feedback reports, %d person index entries, %d "
            "batch files, the answers of %d delivery records and %d check result files erased",
            bodies,
            reports,
            people,
            len(batches),
            answers,
            checks,
        )
