"""Batched delivery's AWS side on moto: files written once, linked, destroyed with every
version, erased when a listing they hold is purged; the bucket expires them; a batched
subscription's messages share one FIFO message group."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

UNIT = Path(__file__).resolve().parents[1] / "unit"
if str(UNIT) not in sys.path:
    sys.path.insert(0, str(UNIT))

from batch_support import batched, changes, numbered  # noqa: E402
from builders import NOW, subscription  # noqa: E402

from chalicelib.batch_files import S3BatchFiles  # noqa: E402
from chalicelib.dynamodb.exchange_log import DynamoExchangeLog  # noqa: E402
from chalicelib.dynamodb.feedback import DynamoFeedback  # noqa: E402
from chalicelib.dynamodb.persons import DynamoPersonIndex  # noqa: E402
from chalicelib.erasure import StoredCopies  # noqa: E402
from chalicelib.s3_archive import S3Archive  # noqa: E402
from chalicelib.sqs_queue import SqsDeliveryQueue, group_of  # noqa: E402
from gateway.delivery import BATCH_KEY_PREFIX, Batch, Batcher, file_of  # noqa: E402
from gateway.delivery.batching import FILE_DAYS, LINK_TTL, key_of  # noqa: E402
from gateway.delivery.judging import DEFAULT_RETRY_SCHEDULE  # noqa: E402
from gateway.delivery.retry_policy import EndpointHealth  # noqa: E402
from gateway_client.contract import FixedClock  # noqa: E402
from infra import resource_template  # noqa: E402


def files(aws) -> S3BatchFiles:  # type: ignore[no-untyped-def]
    return S3BatchFiles(S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"]))


def versions(aws, key: str) -> list[str]:  # type: ignore[no-untyped-def]
    reply = aws.s3.list_object_versions(Bucket=aws.env["CG_ARCHIVE_BUCKET"], Prefix=key)
    return [v["VersionId"] for v in [*reply.get("Versions", []), *reply.get("DeleteMarkers", [])]]


def stored_versions(aws, key: str) -> list[bytes]:  # type: ignore[no-untyped-def]
    bucket = aws.env["CG_ARCHIVE_BUCKET"]
    return [
        aws.s3.get_object(Bucket=bucket, Key=key, VersionId=v)["Body"].read()
        for v in versions(aws, key)
    ]


def test_a_file_is_written_once_linked_while_it_exists_and_destroyed_with_every_version(aws):
    held = files(aws)
    key = key_of("sub-1", 1, 2, "bat_a")

    first = held.write(key, b"one\n")
    second = held.write(key, b"two\n")
    link = held.link(key, LINK_TTL)
    held.remove(key)

    assert (first, second) == (b"one\n", b"one\n")
    assert link is not None
    assert urlsplit(link).path.endswith(key)
    assert "X-Amz-Expires=3600" in link or "Expires=" in link
    assert held.read(key) is None
    assert held.link(key, LINK_TTL) is None
    assert versions(aws, key) == []  # no version left readable


def test_a_purge_takes_the_listings_lines_out_of_the_files_that_hold_it_and_no_version_stays(aws):
    held = files(aws)
    made = changes(4)
    target = batched("sub-1")
    planned = numbered(made, [target], first_log=10)  # logged at 10 … 13
    with_it = key_of("sub-1", 10, 12, "bat_a")
    without_it = key_of("sub-1", 11, 13, "bat_b")  # the range covers 11, the lines do not
    only_it = key_of("sub-1", 11, 11, "bat_c")
    held.write(with_it, file_of(planned[:3], "430000"))
    held.write(without_it, file_of(planned[3:], "430000"))
    held.write(only_it, file_of(planned[1:2], "430000"))
    purged = made[1].listing.listing_id

    covered = held.erase(purged, [11])

    assert sorted(covered) == ["bat_a", "bat_b", "bat_c"]  # their records' answers are blanked
    others = [planned[0], planned[2]]
    assert held.read(with_it) == file_of(others, "430000")  # the rest, byte for byte, in order
    assert len(versions(aws, with_it)) == 1  # the version that held it is destroyed
    assert not any(purged.encode() in body for body in stored_versions(aws, with_it))
    assert held.read(only_it) is None
    assert versions(aws, only_it) == []
    assert held.read(without_it) == file_of(planned[3:], "430000")


def test_a_rewrite_never_brings_back_a_file_settled_meanwhile(aws):
    held = files(aws)
    planned = numbered(changes(2), [batched("sub-1")], first_log=10)
    key = key_of("sub-1", 10, 11, "bat_a")
    held.write(key, file_of(planned, "430000"))
    archive = S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"])
    body, etag = archive.current(key) or (b"", "")
    held.remove(key)  # the batch settled between the purge's read and its rewrite

    assert archive.replace(key, body[: len(body) // 2], etag, "application/x-ndjson") is False
    assert held.read(key) is None
    assert versions(aws, key) == []


def test_the_bucket_expires_batch_files_after_any_retry_and_any_link():
    rules = resource_template()["Resources"]["ArchiveBucket"]["Properties"][
        "LifecycleConfiguration"
    ]["Rules"]
    [rule] = [r for r in rules if r["Prefix"] == BATCH_KEY_PREFIX]
    longest_wait = EndpointHealth().disable_after + max(DEFAULT_RETRY_SCHEDULE)

    assert rule["ExpirationInDays"] == FILE_DAYS
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    assert FILE_DAYS * 86400 > longest_wait.total_seconds() > LINK_TTL.total_seconds()


def test_the_local_bucket_has_the_expiry_rule(aws):
    reply = aws.s3.get_bucket_lifecycle_configuration(Bucket=aws.env["CG_ARCHIVE_BUCKET"])
    [rule] = [r for r in reply["Rules"] if r.get("ID") == "BatchedDeliveryFiles"]

    assert rule["Expiration"] == {"Days": FILE_DAYS}


def test_a_batched_subscriptions_messages_share_one_group_a_single_ones_are_per_subject(aws):
    queue = SqsDeliveryQueue(
        aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], aws.env["CG_DELIVERY_DLQ_URL"], lambda: {"sub-b"}
    )
    single = subscription("sub-s")
    planned = numbered(changes(3), [batched("sub-b"), single])
    [batch, *singles] = Batcher(files(aws), FixedClock(NOW)).batched(planned, [batched("sub-b")])
    lone = numbered(changes(1, first=7), [batched("sub-b")])

    queue.enqueue([batch, *singles, *lone])

    reply = aws.sqs.receive_message(
        QueueUrl=aws.env["CG_DELIVERY_QUEUE_URL"],
        MaxNumberOfMessages=10,
        AttributeNames=["MessageGroupId"],
    )
    groups = [m["Attributes"]["MessageGroupId"] for m in reply["Messages"]]
    assert len(groups) == 5
    assert group_of(batch) == group_of(lone[0], whole=True)
    assert groups.count(group_of(batch)) == 2  # the file and the later lone change
    assert len({group_of(d) for d in singles}) == 3  # the single subscriber: one per subject


def copies_of(aws, log: DynamoExchangeLog) -> StoredCopies:  # type: ignore[no-untyped-def]
    return StoredCopies(
        log,
        DynamoFeedback(aws.dynamodb, aws.env["CG_FEEDBACK_TABLE"]),
        DynamoPersonIndex(aws.dynamodb, aws.env["CG_PERSONS_TABLE"]),
        files(aws),
    )


def exchange_log(aws) -> DynamoExchangeLog:  # type: ignore[no-untyped-def]
    archive = S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"])
    return DynamoExchangeLog(aws.dynamodb, aws.env["CG_EXCHANGE_LOG_TABLE"], archive)


def test_a_purge_run_again_after_the_logs_erasure_finds_a_file_written_since(aws):
    """Fan-out wrote a file of the listing after the first purge had looked (a stream batch
    handed again): the log already erased, the purge run again still takes its line out."""
    log = exchange_log(aws)
    made = changes(3)
    logged = log.append(made)
    purged = made[1].listing.listing_id
    copies_of(aws, log).erase(purged, "chg_tombstone")  # nothing pending yet
    lines = numbered(made, [batched("sub-1")], first_log=logged[made[0].change_id])
    key = key_of("sub-1", min(logged.values()), max(logged.values()), "bat_a")
    files(aws).write(key, file_of(lines, "430000"))

    copies_of(aws, log).erase(purged, "chg_tombstone")

    assert files(aws).read(key) == file_of([lines[0], lines[2]], "430000")
    assert not any(purged.encode() in body for body in stored_versions(aws, key))


def test_fan_out_writing_a_file_after_the_purge_takes_the_erased_listings_lines_out(aws):
    """The other side of the race: fan-out looks at the log after it writes, and cleans a
    file the purge (having looked already) will not see."""
    log = exchange_log(aws)
    made = changes(3)
    logged = log.append(made)
    copies_of(aws, log).erase(made[1].listing.listing_id, "chg_tombstone")
    lines = numbered(made, [batched("sub-1")], first_log=logged[made[0].change_id])

    def erased_in(first: int, last: int) -> list[int]:
        return log.published(first, last - first + 1)[1]

    [batch] = Batcher(files(aws), FixedClock(NOW), erased_in).batched(lines, [batched("sub-1")])

    assert isinstance(batch, Batch)
    assert files(aws).read(batch.key) == file_of([lines[0], lines[2]], "430000")
    assert (batch.count, batch.first_sequence, batch.last_sequence) == (2, 1, 3)
    erased = made[1].listing.listing_id.encode()  # the version written with it is destroyed
    assert not any(erased in body for body in stored_versions(aws, batch.key))
