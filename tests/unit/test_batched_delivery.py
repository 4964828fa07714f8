"""Batched delivery, gateway side: which deliveries become a file and where it is queued, the
file's lines (exactly the single bodies, in order) and digest, and how a batch is sent, retried,
parked line by line, and settled (delivered: one record holding its lines)."""

from __future__ import annotations

import json

import pytest
from batch_support import (
    GATEWAY,
    HUNAN,
    BatchGateway,
    InMemoryFiles,
    batched,
    changes,
    numbered,
)
from builders import NOW, subscription

from gateway.delivery import Batch, Batcher, DeliveryState, batching, payload_for, queued_from_json
from gateway.delivery.batching import batch_id, file_of, gathered, log_range
from gateway_client.contract import (
    BatchAnnouncement,
    FixedClock,
    file_digest,
    load_public_key,
    public_key_text,
)
from gateway_client.receiver import Audience

SINGLE = subscription("sub-single", region="440000")
GATEWAY_KEY = load_public_key(public_key_text(GATEWAY.ed25519.private_key))


# -- which deliveries make a file, and where it goes --


def test_a_batched_subscriptions_changes_of_one_run_become_one_file_where_the_first_was() -> None:
    planned = numbered(changes(3), [batched(), SINGLE])

    out = gathered(planned, {"sub-hunan": HUNAN})

    assert isinstance(out[0], list)
    assert [d.delivery_id for d in out[0]] == [
        d.delivery_id for d in planned if d.subscription_id == "sub-hunan"
    ]
    assert out[1:] == [d for d in planned if d.subscription_id == "sub-single"]


def test_a_lone_change_and_events_other_than_listing_changed_go_singly() -> None:
    [lone] = numbered(changes(1), [batched()])
    flagged = [
        d.model_copy(update={"type": "subject.intensified"})
        for d in numbered(changes(2), [batched()])
    ]

    assert gathered([lone], {"sub-hunan": HUNAN}) == [lone]
    assert gathered(flagged, {"sub-hunan": HUNAN}) == flagged


def test_a_file_never_overtakes_another_delivery_queued_between_its_lines() -> None:
    """[c1, c2, flag, c3, c4]: the flag (computed after c2) must reach the subscriber after
    c1 and c2 and before c3: two files around it, not one file placed at c1."""
    c1, c2, c3, c4 = numbered(changes(4), [batched()])
    flag = c2.model_copy(update={"type": "subject.intensified", "delivery_id": "flag"})

    out = gathered([c1, c2, flag, c3, c4], {"sub-hunan": HUNAN})

    assert out == [[c1, c2], flag, [c3, c4]]


def test_a_file_holds_at_most_max_lines_and_a_remainder_of_one_goes_singly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(batching, "MAX_LINES", 2)
    planned = numbered(changes(5), [batched()])

    out = gathered(planned, {"sub-hunan": HUNAN})

    assert [len(x) if isinstance(x, list) else 1 for x in out] == [2, 2, 1]
    assert out[2] == planned[4]


def test_a_file_ends_before_a_line_logged_too_far_from_its_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Receipts find a delivered batch by one bounded query around a change's log sequence:
    a file's lines lie within ``MAX_LOG_SPAN`` of its lowest (fan-out runs log concurrently,
    so one run's changes may be far apart in the log)."""
    monkeypatch.setattr(batching, "MAX_LOG_SPAN", 10)
    c1, c2, c3, c4, c5 = numbered(changes(5), [batched()])
    far = [d.model_copy(update={"log_sequence": 100 + n}) for n, d in enumerate((c3, c4, c5))]

    out = gathered([c1, c2, *far], {"sub-hunan": HUNAN})

    assert out == [[c1, c2], far]


def test_each_line_is_exactly_the_single_delivery_body_in_planned_order() -> None:
    planned = numbered(changes(3), [batched()])

    body = file_of(planned, HUNAN)

    lines = body.split(b"\n")
    assert lines[-1] == b""
    assert lines[:-1] == [payload_for(d, subscriber_region=HUNAN).to_bytes() for d in planned]
    assert [json.loads(x)["sequence"] for x in lines[:-1]] == [1, 2, 3]
    assert [json.loads(x)["log_sequence"] for x in lines[:-1]] == [40, 41, 42]


def test_the_batcher_writes_the_file_once_and_describes_the_one_kept() -> None:
    files = InMemoryFiles()
    batcher = Batcher(files, FixedClock(NOW))
    planned = numbered(changes(3), [batched()])

    [batch] = batcher.batched(planned, [batched()])
    again = [d.model_copy(update={"sequence": (d.sequence or 0) + 10}) for d in planned]
    [repeated] = batcher.batched(again, [batched()])  # a stream batch fanned out again

    assert isinstance(batch, Batch)
    body = files.files[batch.key]
    assert (batch.sha256, batch.size, batch.count) == (file_digest(body), len(body), 3)
    assert (batch.first_sequence, batch.last_sequence) == (1, 3)
    assert log_range(batch.key) == (40, 42) == (batch.first_log_sequence, batch.last_log_sequence)
    assert batch.delivery_id == batch_id(planned)
    assert repeated == batch  # same id, same file, same digest: the first one written
    assert len(files.files) == 1


def test_a_single_mode_subscription_is_queued_as_before() -> None:
    planned = numbered(changes(3), [SINGLE])

    assert Batcher(InMemoryFiles(), FixedClock(NOW)).batched(planned, [SINGLE]) == planned


def test_the_queue_tells_a_batch_from_a_delivery_by_its_type() -> None:
    planned = numbered(changes(2), [batched()])
    [batch] = Batcher(InMemoryFiles(), FixedClock(NOW)).batched(planned, [batched()])

    assert queued_from_json(batch.model_dump_json()) == batch
    assert queued_from_json(planned[0].model_dump_json()) == planned[0]


def test_a_key_that_is_not_a_batch_file_has_no_log_range() -> None:
    assert log_range("batches/sub-1/000000000001-000000000009-bat_x.ndjson") == (1, 9)
    assert log_range("pushes/430000/x.json") is None
    assert log_range("batches/sub-1/notes.txt") is None


# -- sending a batch --


def test_one_signed_webhook_announces_the_file_with_its_digest_count_and_sequences() -> None:
    gateway = BatchGateway()
    planned = numbered(changes(3), [gateway.target])
    batch = gateway.batch_of(planned)

    outcome = gateway.service.deliver(batch, 1)

    assert outcome.state is DeliveryState.DELIVERED
    [post] = gateway.transport.posts
    audience = Audience("sub-hunan", HUNAN, public_keys=(GATEWAY_KEY,))
    announced = audience.batch(post.headers, post.body, NOW)
    assert isinstance(announced, BatchAnnouncement)
    assert announced.batch_id == batch.delivery_id == post.headers["webhook-id"]
    assert (announced.count, announced.first_sequence, announced.last_sequence) == (3, 1, 3)
    assert announced.url == gateway.files.links[-1]
    assert announced.sha256 == file_digest(file_of(planned, HUNAN))


def test_once_delivered_the_batch_is_one_record_holding_its_lines_and_the_file_is_gone() -> None:
    gateway = BatchGateway()
    planned = numbered(changes(3), [gateway.target])
    batch = gateway.batch_of(planned)

    gateway.service.deliver(batch, 1)

    assert gateway.log.state(batch.delivery_id) is DeliveryState.DELIVERED
    assert gateway.log.lines_of[batch.delivery_id] == [d.delivery_id for d in planned]
    assert [gateway.log.state(d.delivery_id) for d in planned] == [None] * 3  # no line records
    assert gateway.files.files == {}
    assert gateway.log.finished == []
    assert gateway.service.deliver(batch, 2).state is None  # a duplicate message: nothing sent
    assert len(gateway.transport.posts) == 1
    assert gateway.log.finished == [batch.delivery_id]  # what the first left undone, finished


class Acknowledged:
    def __init__(self, fail: bool = False) -> None:
        self.lines: list[str] = []
        self.fail = fail

    def acknowledged(self, delivery: object, at: object) -> None:
        if self.fail:
            raise RuntimeError("the listing could not be written")
        self.lines.append(delivery.delivery_id)  # type: ignore[attr-defined]

    def acknowledged_lines(self, lines: list[object], at: object) -> None:
        for line in lines:
            self.acknowledged(line, at)


def test_a_delivered_batch_acknowledges_each_line_as_a_single_delivery_would() -> None:
    """What waits on an acknowledgement (an upward-reporting arrival) hears of every line; if
    that cannot be recorded, nothing settles and the batch goes again."""
    told, broken = Acknowledged(), Acknowledged(fail=True)
    gateway, failing = BatchGateway(acknowledgements=told), BatchGateway(acknowledgements=broken)
    planned = numbered(changes(3), [gateway.target])

    gateway.service.deliver(gateway.batch_of(planned), 1)
    again = failing.service.deliver(failing.batch_of(planned), 1)

    assert told.lines == [d.delivery_id for d in planned]
    assert again.state is DeliveryState.RETRYING
    assert failing.log.lines_of == {}
    assert failing.files.files  # kept for the next attempt


def test_a_file_erased_while_the_subscriber_answers_still_settles_what_was_sent() -> None:
    """A purge may erase the file between the POST and its answer: the lines sent are still
    recorded and acknowledged, from the file as it was read for the attempt."""
    told = Acknowledged()
    gateway = BatchGateway(acknowledgements=told)
    planned = numbered(changes(3), [gateway.target])
    batch = gateway.batch_of(planned)
    post = gateway.transport.post

    def erased_meanwhile(*args: object, **kwargs: object) -> object:
        gateway.files.remove(batch.key)
        return post(*args, **kwargs)  # type: ignore[arg-type]

    gateway.transport.post = erased_meanwhile  # type: ignore[method-assign]

    outcome = gateway.service.deliver(batch, 1)

    assert outcome.state is DeliveryState.DELIVERED
    assert gateway.log.lines_of[batch.delivery_id] == [d.delivery_id for d in planned]
    assert told.lines == [d.delivery_id for d in planned]


def test_a_failed_batch_is_retried_with_a_fresh_link_and_its_lines_wait() -> None:
    gateway = BatchGateway(status=500)
    planned = numbered(changes(2), [gateway.target])
    batch = gateway.batch_of(planned)

    first = gateway.service.deliver(batch, 1)
    gateway.transport.status = 204
    second = gateway.service.deliver(batch, 2)

    assert (first.state, second.state) == (DeliveryState.RETRYING, DeliveryState.DELIVERED)
    urls = [BatchAnnouncement.model_validate_json(p.body).url for p in gateway.transport.posts]
    assert len(set(urls)) == 2
    assert [a.status for a in gateway.log.attempts[batch.delivery_id]] == [500, 204]
    assert gateway.log.lines_of[batch.delivery_id] == [d.delivery_id for d in planned]


def test_a_paused_subscriptions_batch_is_parked_line_by_line_for_its_resumption() -> None:
    target = batched().model_copy(update={"paused_at": NOW})
    gateway = BatchGateway(target=target)
    planned = numbered(changes(2), [target])
    batch = gateway.batch_of(planned)

    outcome = gateway.service.deliver(batch, 1)

    assert (outcome.state, outcome.parked) == (DeliveryState.DEAD, True)
    assert gateway.transport.posts == []
    for delivery in planned:  # each line parked as its single delivery would be: re-driven so
        [attempt] = gateway.log.attempts[delivery.delivery_id]
        assert (gateway.log.state(delivery.delivery_id), attempt.not_sent) == (
            DeliveryState.DEAD,
            "paused",
        )
    assert gateway.files.files == {}


def test_a_batch_whose_file_is_gone_is_dead_and_names_the_log_range_to_replay() -> None:
    gateway = BatchGateway()
    planned = numbered(changes(2), [gateway.target])
    batch = gateway.batch_of(planned)
    gateway.files.remove(batch.key)  # a purge erased it

    outcome = gateway.service.deliver(batch, 1)

    assert (outcome.state, outcome.parked) == (DeliveryState.DEAD, False)
    assert gateway.transport.posts == []
    [attempt] = gateway.log.attempts[batch.delivery_id]
    assert "replay log entries 40-41" in attempt.response_excerpt


def test_a_deleted_subscriptions_batch_is_dropped_with_its_file() -> None:
    gateway = BatchGateway()
    batch = gateway.batch_of(numbered(changes(2), [gateway.target]))
    gateway.subscriptions.delete(gateway.target.subscription_id)

    assert gateway.service.deliver(batch, 1).state is None
    assert gateway.files.files == {}
    assert gateway.transport.posts == []
    assert gateway.log.finished == []  # never delivered: nothing to finish


def test_two_batched_subscribers_get_a_file_each_holding_only_their_own_deliveries() -> None:
    hubei = batched("sub-hubei", "420000")
    files = InMemoryFiles()
    planned = numbered(changes(3), [batched(), hubei])

    made = Batcher(files, FixedClock(NOW)).batched(planned, [batched(), hubei])

    assert [b.subscription_id for b in made if isinstance(b, Batch)] == ["sub-hunan", "sub-hubei"]
    for batch in made:
        assert isinstance(batch, Batch)
        lines = [json.loads(x) for x in files.files[batch.key].splitlines()]
        assert {(x["subscription_id"], x["subscriber_region"]) for x in lines} == {
            (batch.subscription_id, "430000" if batch.subscription_id == "sub-hunan" else "420000")
        }
        assert batch.key.startswith(f"batches/{batch.subscription_id}/")
