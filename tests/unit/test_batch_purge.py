"""Batched delivery against retention's purge, gateway side: a purge takes a listing's lines out
of a file (its tombstone stays), the batch then announces and settles the file as it is, a file
left empty is dead with nothing owed, and fan-out cleans a file it writes after a purge."""

from __future__ import annotations

from batch_support import GATEWAY, HUNAN, BatchGateway, InMemoryFiles, batched, changes, numbered
from builders import NOW

from gateway.delivery import Batch, Batcher, DeliveryState, without
from gateway.delivery.batching import file_of
from gateway_client.contract import (
    ChangeType,
    FixedClock,
    file_digest,
    load_public_key,
    public_key_text,
)
from gateway_client.receiver import Audience

GATEWAY_KEY = load_public_key(public_key_text(GATEWAY.ed25519.private_key))


def test_a_purge_takes_only_the_listings_lines_out_and_keeps_its_tombstone() -> None:
    planned = numbered(changes(3), [batched()])
    purged = planned[1].change.listing.listing_id
    tombstone = planned[1].model_copy(
        update={"change": planned[1].change.model_copy(update={"type": ChangeType.PURGED})}
    )
    body = file_of([*planned, tombstone], HUNAN)

    kept = without(body, {purged})

    assert kept == file_of([planned[0], planned[2], tombstone], HUNAN)
    assert without(kept, {purged}) == kept
    assert without(file_of(planned[1:2], HUNAN), {purged}) == b""


def test_a_batch_whose_file_lost_a_line_announces_and_settles_the_file_as_it_is() -> None:
    gateway = BatchGateway()
    planned = numbered(changes(3), [gateway.target])
    batch = gateway.batch_of(planned)  # queued with three lines
    gateway.files.without(batch.key, {planned[0].change.listing.listing_id})  # then a purge

    outcome = gateway.service.deliver(batch, 1)

    assert outcome.state is DeliveryState.DELIVERED
    [post] = gateway.transport.posts
    audience = Audience("sub-hunan", HUNAN, public_keys=(GATEWAY_KEY,))
    announced = audience.batch(post.headers, post.body, NOW)
    rest = file_of(planned[1:], HUNAN)
    assert (announced.sha256, announced.size, announced.count) == (file_digest(rest), len(rest), 2)
    assert (announced.first_sequence, announced.last_sequence) == (2, 3)
    assert announced.batch_id == batch.delivery_id  # the same webhook id, in the same place
    assert gateway.log.state(batch.delivery_id) is DeliveryState.DELIVERED
    assert gateway.log.lines_of[batch.delivery_id] == [d.delivery_id for d in planned[1:]]


def test_a_dead_batch_that_lost_a_line_leaves_the_others_dead_for_a_re_drive() -> None:
    gateway = BatchGateway(status=500)
    planned = numbered(changes(3), [gateway.target])
    batch = gateway.batch_of(planned)
    gateway.files.without(batch.key, {planned[1].change.listing.listing_id})

    outcomes = [gateway.service.deliver(batch, n).state for n in (1, 2, 3)]

    assert outcomes == [DeliveryState.RETRYING, DeliveryState.RETRYING, DeliveryState.DEAD]
    assert [gateway.log.state(d.delivery_id) for d in planned] == [
        DeliveryState.DEAD,
        None,
        DeliveryState.DEAD,
    ]


def test_a_batch_whose_lines_were_all_purged_is_dead_with_nothing_sent() -> None:
    gateway = BatchGateway()
    planned = numbered(changes(2), [gateway.target])
    batch = gateway.batch_of(planned)
    gateway.files.without(batch.key, {d.change.listing.listing_id for d in planned})

    outcome = gateway.service.deliver(batch, 1)

    assert outcome.state is DeliveryState.DEAD
    assert gateway.transport.posts == []
    assert gateway.files.files == {}


def test_fan_out_takes_an_erased_listings_lines_out_of_the_file_it_just_wrote() -> None:
    files = InMemoryFiles()
    planned = numbered(changes(3), [batched()])  # logged at 40, 41, 42
    asked: list[tuple[int, int]] = []

    def erased(first: int, last: int) -> list[int]:  # purged while fan-out wrote
        asked.append((first, last))
        return [41] if len(asked) > 1 else []

    [batch] = Batcher(files, FixedClock(NOW), erased).batched(planned, [batched()])

    assert isinstance(batch, Batch)
    assert asked == [(40, 42), (40, 42)]
    assert files.files[batch.key] == file_of([planned[0], planned[2]], HUNAN)
    assert (batch.count, batch.first_sequence, batch.last_sequence) == (2, 1, 3)


def test_fan_out_queues_nothing_for_a_file_whose_every_line_was_erased() -> None:
    files = InMemoryFiles()
    planned = numbered(changes(2), [batched()])

    queued = Batcher(files, FixedClock(NOW), lambda first, last: [40, 41]).batched(
        planned, [batched()]
    )

    assert queued == []
    assert files.files == {}


def test_fan_out_looks_the_log_up_once_before_and_once_after_every_file_it_wrote() -> None:
    files = InMemoryFiles()
    two = [batched("sub-a"), batched("sub-b")]
    planned = numbered(changes(3), two)
    asked: list[tuple[int, int]] = []

    def erased(first: int, last: int) -> list[int]:
        asked.append((first, last))
        return []

    queued = Batcher(files, FixedClock(NOW), erased).batched(planned, two)

    assert [type(q) for q in queued] == [Batch, Batch]
    assert asked == [(40, 42), (40, 42)]


def test_fan_out_never_writes_a_listing_erased_before_it_ran_but_keeps_its_tombstone() -> None:
    files = InMemoryFiles()
    planned = numbered(changes(3), [batched()])  # logged at 40, 41, 42
    purged = planned[1].change.listing.listing_id
    tombstone = planned[1].model_copy(  # the purge's own change, logged at 43 with its body
        update={
            "delivery_id": "dlv_tombstone",
            "change": planned[1].change.model_copy(update={"type": ChangeType.PURGED}),
            "log_sequence": 43,
            "sequence": 4,
        }
    )
    written: list[bytes] = []
    write = files.write

    def spied(key: str, body: bytes) -> bytes:
        written.append(body)
        return write(key, body)

    files.write = spied  # type: ignore[method-assign]

    [batch] = Batcher(files, FixedClock(NOW), lambda first, last: [41]).batched(
        [*planned, tombstone], [batched()]
    )

    assert isinstance(batch, Batch)
    assert written == [file_of([planned[0], planned[2], tombstone], HUNAN)]
    assert files.files[batch.key] == written[0]
    assert without(written[0], {purged}) == written[0]  # no line of it but the tombstone
