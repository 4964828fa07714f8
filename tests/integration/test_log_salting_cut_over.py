"""The cut-overs the publisher states in every checkpoint (contract ``salting`` and ``moves``):
each fixed once in the publisher's state, signed as an extension line, and the same in every
checkpoint after, whichever publisher fixed it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from integration_support import listing
from stdnum.cn import uscc

from chalicelib import log_publishing
from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.dynamodb.log_published import PUBLISHED_KEY
from chalicelib.log_publishing import SALTING_MARGIN, LogPublisher
from chalicelib.s3_archive import S3Archive
from gateway_client.contract import (
    FROM_THE_START,
    MOVES_SINCE,
    SALTED_SINCE,
    Change,
    Checkpoint,
    Ed25519Signer,
    FixedClock,
    GatewaySigners,
    change_between,
    checkpoint_verifies,
    moves_since,
    moves_since_line,
    salted_since,
    salted_since_line,
    sign_checkpoint,
)

NOW = datetime(2026, 12, 3, 8, 0, 0, 250_000, tzinfo=UTC)  # a fraction of a second past
SIGNER = Ed25519Signer("gw-salting-test", Ed25519PrivateKey.generate())


def publisher_at(aws, log: DynamoExchangeLog, now: datetime = NOW) -> LogPublisher:
    archive = S3Archive(aws.s3, aws.env["CG_ARCHIVE_BUCKET"])
    return LogPublisher(log, archive, GatewaySigners(SIGNER), "test.example/log", FixedClock(now))


def changes(count: int, first: int) -> list[Change]:
    made = []
    for i in range(first, first + count):
        body = f"91230900{i:09d}"
        made.append(change_between(listing(credit_code=body + uscc.calc_check_digit(body)), None))
    return [c for c in made if c is not None]


def published(aws, log: DynamoExchangeLog, first: int, now: datetime = NOW) -> Checkpoint:
    log.append(changes(3, first))
    checkpoint = publisher_at(aws, log, now).publish()
    assert checkpoint is not None
    assert checkpoint_verifies(checkpoint, [SIGNER.private_key.public_key()])
    return checkpoint


def published_before(aws, log, first: int, monkeypatch, unknown: tuple[str, ...]) -> None:
    """Published as a release before did: the ``unknown`` cut-overs neither stated in its
    checkpoints nor kept in its state (it puts the whole item without them)."""

    def unstated(*args: Any, **kw: Any) -> Checkpoint:
        *rest, extensions = args
        kept = [x for x in extensions if x.split(" ", 1)[0] not in unknown]
        return sign_checkpoint(*rest, kept, **kw)

    with monkeypatch.context() as patched:
        patched.setattr(log_publishing, "sign_checkpoint", unstated)
        published(aws, log, first)
    names = {SALTED_SINCE: "salted_since", MOVES_SINCE: "moves_since"}
    aws.dynamodb.update_item(
        TableName=aws.env["CG_EXCHANGE_LOG_TABLE"],
        Key=PUBLISHED_KEY,
        UpdateExpression="REMOVE " + ", ".join(names[x] for x in unknown),
    )


def test_a_log_published_first_by_this_code_states_every_version_salted(aws, log):
    first = published(aws, log, 1)
    later = published(aws, log, 10, NOW + timedelta(days=3))

    assert first.extensions == (
        salted_since_line(FROM_THE_START),
        moves_since_line(FROM_THE_START),
    )
    assert later.extensions == first.extensions  # fixed once, stated again
    state = log.published_state()
    assert state.salted_since == state.moves_since == FROM_THE_START


def test_a_log_published_before_states_the_cut_over_past_any_older_code(aws, log, monkeypatch):
    """A log an earlier deployment published (its state has no cut-over): from the first
    publication of this code on, once no invocation of the code before it can still run
    (Lambda's longest), in whole seconds rounded up."""
    published_before(aws, log, 1, monkeypatch, (SALTED_SINCE, MOVES_SINCE))
    upgraded = published(aws, log, 10)
    later = published(aws, log, 20, NOW + timedelta(days=1))

    cut = salted_since(upgraded.extensions)
    assert cut == (NOW + SALTING_MARGIN).replace(microsecond=0) + timedelta(seconds=1)
    assert moves_since(upgraded.extensions) == cut
    assert later.extensions == upgraded.extensions


def test_a_log_salted_by_an_earlier_release_keeps_that_cut_over_and_gains_the_moves_one(
    aws, log, monkeypatch
):
    """Upgrading from the release that salted, not yet naming moves in leaves: the salting
    statement stays where it was; the moves one is fixed past any older code still logging."""
    published_before(aws, log, 1, monkeypatch, (MOVES_SINCE,))
    upgraded = published(aws, log, 10, NOW + timedelta(days=30))

    assert salted_since(upgraded.extensions) == FROM_THE_START
    later = NOW + timedelta(days=30) + SALTING_MARGIN
    assert moves_since(upgraded.extensions) == later.replace(microsecond=0) + timedelta(seconds=1)


def test_publishers_racing_to_fix_the_cut_over_all_state_the_first(aws, log):
    cut = NOW.replace(microsecond=0)
    fixed = log.cut_overs(cut)
    again = log.cut_overs(cut + timedelta(hours=1))  # another publisher, a moment later

    assert fixed == again == (cut, cut)
    log.append(changes(2, 1))
    checkpoint = publisher_at(aws, log).publish()
    assert checkpoint is not None
    assert salted_since(checkpoint.extensions) == cut  # and the first publication kept it


def test_an_edited_statement_no_longer_carries_the_gateways_signature(aws, log):
    checkpoint = published(aws, log, 1)
    moved = checkpoint.model_copy(update={"extensions": (salted_since_line(NOW),)})

    assert not checkpoint_verifies(moved, [SIGNER.private_key.public_key()])


def test_a_cut_over_an_older_publishers_put_dropped_is_stated_as_before(aws, log):
    """Review 71 F3: during a deploy a publisher of the release before puts the whole state
    without the moves cut-over; this code finds it in the checkpoints again rather than fix a
    later one."""
    first = published(aws, log, 1)
    aws.dynamodb.update_item(
        TableName=aws.env["CG_EXCHANGE_LOG_TABLE"],
        Key=PUBLISHED_KEY,
        UpdateExpression="REMOVE moves_since",
    )  # as that release's put leaves it
    later = published(aws, log, 10, NOW + timedelta(days=1))

    assert moves_since(later.extensions) == moves_since(first.extensions) == FROM_THE_START
    assert log.published_state().moves_since == FROM_THE_START


def test_a_recent_checkpoint_that_cannot_be_read_stops_no_publication(aws, log):
    """Review 72 F3: looking for the dropped cut-over reads the recent checkpoints; one object
    that does not read as a checkpoint states nothing, rather than stall every delivery."""
    for first in (1, 10, 20):
        published(aws, log, first)
    aws.dynamodb.update_item(
        TableName=aws.env["CG_EXCHANGE_LOG_TABLE"],
        Key=PUBLISHED_KEY,
        UpdateExpression="REMOVE moves_since",
    )
    aws.s3.put_object(
        Bucket=aws.env["CG_ARCHIVE_BUCKET"], Key="checkpoints/000000000003.json", Body=b"{}"
    )

    later = published(aws, log, 30, NOW + timedelta(days=1))

    assert later.sequence == 12
    assert moves_since(later.extensions) == FROM_THE_START  # the others state it
