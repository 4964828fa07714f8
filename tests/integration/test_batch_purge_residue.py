"""What a purge leaves of batched delivery's files when it races settling or fan-out, or dies
half-way (moto): no version of a file may still hold the purged listing once a purge is done."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

UNIT = Path(__file__).resolve().parents[1] / "unit"
if str(UNIT) not in sys.path:
    sys.path.insert(0, str(UNIT))

from batch_support import batched, changes, numbered  # noqa: E402
from builders import NOW  # noqa: E402
from test_batch_files import copies_of, exchange_log, files, stored_versions, versions  # noqa: E402

from chalicelib.s3_archive import S3Archive  # noqa: E402
from gateway.delivery import Batch, Batcher, file_of  # noqa: E402
from gateway.delivery.batching import batch_id, key_of  # noqa: E402
from gateway_client.contract import FixedClock  # noqa: E402


def test_a_purge_rewrite_landing_while_a_settled_file_is_destroyed_is_destroyed_too(
    aws, monkeypatch
):
    """Settling lists the file's versions, then deletes them: the purge's If-Match PUT
    between the two still matches the current version, and must not outlive the settling."""
    held = files(aws)
    made = changes(3)
    planned = numbered(made, [batched("sub-1")], first_log=10)
    key = key_of("sub-1", 10, 12, "bat_a")
    held.write(key, file_of(planned, "430000"))
    delete = aws.s3.delete_object
    raced: list[str] = []
    rewrites: list[bytes | None] = []

    def purge_first(**request: Any) -> Any:
        if not raced:  # settling has listed the versions: the purge rewrites now
            raced.append(request["VersionId"])
            rewrites.append(held.without(key, {made[1].listing.listing_id}))
        return delete(**request)

    monkeypatch.setattr(aws.s3, "delete_object", purge_first)
    held.remove(key)

    assert rewrites == [file_of([planned[0], planned[2]], "430000")]  # the rewrite landed
    assert held.read(key) is None
    assert versions(aws, key) == []


def test_a_purge_run_again_after_dying_before_its_cleanup_destroys_the_older_version(
    aws, monkeypatch
):
    held = files(aws)
    made = changes(3)
    planned = numbered(made, [batched("sub-1")], first_log=10)
    key = key_of("sub-1", 10, 12, "bat_a")
    held.write(key, file_of(planned, "430000"))
    purged = made[1].listing.listing_id
    destroy = S3Archive.destroy

    def dies_after_the_rewrite(archive: S3Archive, key: str, keep: str | None = None) -> None:
        if keep is not None:
            raise RuntimeError("function timed out")
        destroy(archive, key, keep)

    with monkeypatch.context() as faulty:
        faulty.setattr(S3Archive, "destroy", dies_after_the_rewrite)
        with pytest.raises(RuntimeError):
            held.erase(purged, [11])

    assert held.erase(purged, [11]) == ["bat_a"]  # the purge run again

    assert held.read(key) == file_of([planned[0], planned[2]], "430000")
    assert not any(purged.encode() in body for body in stored_versions(aws, key))


def test_a_purge_run_again_after_emptying_a_file_and_dying_removes_it(aws, monkeypatch):
    held = files(aws)
    made = changes(2)
    planned = numbered(made, [batched("sub-1")], first_log=10)
    key = key_of("sub-1", 10, 11, "bat_a")
    held.write(key, file_of(planned, "430000"))
    purged = {c.listing.listing_id for c in made}

    with monkeypatch.context() as faulty:
        faulty.setattr(S3Archive, "destroy", lambda *args, **kwargs: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            held.without(key, purged)

    assert held.erase(made[0].listing.listing_id, [10]) == ["bat_a"]

    assert held.read(key) is None
    assert versions(aws, key) == []


def test_fan_out_never_writes_a_listing_purged_before_it_ran(aws, monkeypatch):
    """A stream batch handed again after the purge: the erased listing's lines are left out
    of the write itself, not taken out after it (a retry of the batch could read it then);
    the file keeps the key any earlier run of the same lines wrote."""
    log = exchange_log(aws)
    made = changes(3)
    logged = log.append(made)
    purged = made[1].listing.listing_id
    copies_of(aws, log).erase(purged, "chg_tombstone")
    lines = numbered(made, [batched("sub-1")], first_log=logged[made[0].change_id])
    held = files(aws)
    write = held.write
    written: list[bytes] = []

    def spied(key: str, body: bytes) -> bytes:
        written.append(body)
        return write(key, body)

    monkeypatch.setattr(held, "write", spied)
    [batch] = Batcher(held, FixedClock(NOW), log.erased_in).batched(lines, [batched("sub-1")])

    assert isinstance(batch, Batch)
    assert written == [file_of([lines[0], lines[2]], "430000")]
    first, last = min(logged.values()), max(logged.values())
    assert batch.key == key_of("sub-1", first, last, batch_id(lines))
    assert (batch.count, batch.first_sequence, batch.last_sequence) == (2, 1, 3)
    assert not any(purged.encode() in body for body in stored_versions(aws, batch.key))


def test_fan_out_writes_nothing_when_every_listing_was_purged_before_it_ran(aws, monkeypatch):
    log = exchange_log(aws)
    made = changes(2)
    logged = log.append(made)
    for change in made:
        copies_of(aws, log).erase(change.listing.listing_id, "chg_tomb_" + change.change_id)
    lines = numbered(made, [batched("sub-1")], first_log=logged[made[0].change_id])
    held = files(aws)
    monkeypatch.setattr(held, "write", lambda key, body: pytest.fail("a purged file written"))

    queued = Batcher(held, FixedClock(NOW), log.erased_in).batched(lines, [batched("sub-1")])

    assert queued == []


def test_the_erasures_fan_out_checks_are_read_without_downloading_log_chunks(aws, monkeypatch):
    log = exchange_log(aws)
    made = changes(4)
    logged = log.append(made)
    copies_of(aws, log).erase(made[2].listing.listing_id, "chg_tombstone")
    first, last = min(logged.values()), max(logged.values())
    get = aws.s3.get_object
    fetched: list[str] = []

    def spied(**request: Any) -> Any:
        fetched.append(request["Key"])
        return get(**request)

    monkeypatch.setattr(aws.s3, "get_object", spied)
    erased = log.erased_in(first - 1, last + 1)
    downloaded = list(fetched)

    assert erased == [logged[made[2].change_id]]
    assert erased == log.published(first - 1, last - first + 3)[1]  # what GET /v1/log shows
    assert downloaded == []
    at = logged[made[2].change_id]  # windows starting or ending inside the chunk
    assert (log.erased_in(at, at), log.erased_in(at + 1, last), log.erased_in(first, at - 1)) == (
        [at],
        [],
        [],
    )
