"""Which bulk checks' result files answered with a listing a purge may erase
(``gateway.checks.bulk.Answers``), so the purge destroys them.

Kept in the query trail's table — it is the trail of those checks, read by listing instead of by
code — under ``answered#<listing id>``, one item per upload (``{region}#{upload id}``), expiring a
week after the file does (``gateway.checks.bulk.NOTED_BEYOND``: S3 removes expired objects
late). No code, name or ID number: listing ids, regions and upload ids. The purge
(``chalicelib.erasure``) reads the items of its listing, destroys every version of those
uploads' result files and marks the uploads' results withdrawn; their signed reports, which
hold no personal data, stay as proof of what was asked and when.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.dynamodb.base import Table, n, s, text
from chalicelib.dynamodb.conflicts import transact
from chalicelib.dynamodb.uploads import DynamoUploads
from chalicelib.s3_archive import S3Archive
from gateway.checks import RESULTS_PREFIX
from gateway_client.contract import Clock

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_PREFIX = "answered#"
_PER_CALL = 100  # TransactWriteItems' most (each a PutItem to IAM, as the trail's own writes)


class CheckAnswers(Table):
    def __init__(
        self,
        client: DynamoDBClient,
        trail_table: str,
        archive: S3Archive,
        uploads: DynamoUploads,
        purged: Callable[[Sequence[str]], Collection[str]],
        clock: Clock,
    ) -> None:
        super().__init__(client, trail_table)
        self._archive = archive
        self._uploads = uploads
        self._purged = purged
        self._clock = clock

    def note(
        self, listing_ids: Sequence[str], region: str, upload_id: str, until: datetime
    ) -> None:
        entry, expires = s(f"{region}#{upload_id}"), n(int(until.timestamp()))
        for start in range(0, len(listing_ids), _PER_CALL):
            transact(
                self._client,
                [
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": {
                                "subject": s(_PREFIX + listing_id),
                                "entry": entry,
                                "expires_at": expires,
                            },
                        }
                    }
                    for listing_id in listing_ids[start : start + _PER_CALL]
                ],
            )

    def purged(self, listing_ids: Sequence[str]) -> Collection[str]:
        return self._purged(listing_ids)

    def destroy(self, region: str, upload_id: str) -> int:
        """Every run's result file (a run cut short left its own), and every version of it,
        the expired ones too: reports are kept."""
        folder = f"{RESULTS_PREFIX}{region}/{upload_id}/"
        files = sorted(k for k in self._archive.versioned_keys(folder) if k.endswith(".ndjson"))
        for key in files:
            self._archive.destroy(key)
        return len(files)

    def erase(self, listing_id: str) -> int:
        """The purge's part: the result files noted for the listing destroyed, their uploads'
        results withdrawn; how many files. Run again, it finds nothing more to destroy."""
        destroyed = 0
        for item in self._query_items(
            TableName=self._table,
            KeyConditionExpression="subject = :s",
            ExpressionAttributeValues={":s": s(_PREFIX + listing_id)},
            ConsistentRead=True,  # a note written just before the purge marked the log
        ):
            region, upload_id = text(item, "entry").split("#", 1)
            destroyed += self.destroy(region, upload_id)
            self._withdraw(region, upload_id)
        return destroyed

    def _withdraw(self, region: str, upload_id: str) -> None:
        upload = self._uploads.get(region, upload_id)
        if upload is None or upload.result_key is None:
            return
        update = {"result_key": None, "results_withdrawn_at": self._clock.now()}
        self._uploads.save(upload.model_copy(update=update))
