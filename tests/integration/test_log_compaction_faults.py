"""Compaction of the exchange log's per-listing index when things go wrong or are old: a
compaction that died or was refused, one that lost a race, indexes grown before compaction, the
per-entry shape, the high-water warning, and the calls the appending functions may make."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from botocore.exceptions import ClientError
from test_dynamo_exchange_log import everything, purge_of
from test_log_chunks import _old_append
from test_log_compaction import (
    COMPACT_AT,
    appended,
    claims_in,
    exchange_log,
    history,
    index,
)

from chalicelib.dynamodb import log_compaction, log_index
from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from gateway.delivery.redelivery import Erased
from infra.table_access import MODES, TABLES


@pytest.fixture
def log(aws: Any) -> DynamoExchangeLog:
    return exchange_log(aws)


def test_appending_and_compacting_call_only_what_the_appending_functions_may(log, aws):
    """The fan-out and the API append to the log under ``rn``: no BatchWriteItem, which could
    delete (a transaction, a write or a read, needs the actions of its items, which ``rn``
    has: IAM governs a transaction's Get by ``GetItem``)."""
    called: set[str] = set()

    def note(model: Any, **_: Any) -> None:
        called.add(f"dynamodb:{model.name}")

    aws.dynamodb.meta.events.register("before-call.dynamodb", note)
    appended(log, history(30), 7)
    aws.dynamodb.meta.events.unregister("before-call.dynamodb", note)

    assert "dynamodb:PutItem" in called  # the markers
    for function in ("FanOutChanges", "APIHandler"):
        transactions = {"dynamodb:TransactWriteItems", "dynamodb:TransactGetItems"}
        allowed = {*MODES[TABLES[function]["ExchangeLogTable"]], *transactions}
        assert called <= allowed


def test_a_compaction_that_died_before_removing_its_claims_loses_nothing(log, aws, monkeypatch):
    made = history(20)
    update = log._client.update_item

    def dies_on_removal(**request: Any) -> Any:
        if request["UpdateExpression"].startswith("REMOVE #c0"):
            raise RuntimeError("the function died between the page and the index")
        return update(**request)

    monkeypatch.setattr(log._client, "update_item", dies_on_removal)
    with pytest.raises(RuntimeError):
        log.append(made[:10])  # logged; its compaction died after its markers and page
    monkeypatch.undo()

    expected = {c.change_id: i for i, c in enumerate(made, start=1)}
    assert appended(log, made, 5) == expected
    assert claims_in(index(aws, made[0].listing.listing_id)) < COMPACT_AT
    assert log.sequences_of(made[0].listing.listing_id) == list(range(1, 21))
    assert log.erase(made[0].listing.listing_id, purge_of(made[0]).change_id) == 20


def test_a_compaction_dynamodb_refuses_fails_no_append_and_is_done_by_the_next(
    log, aws, monkeypatch, caplog
):
    made = history(10)
    listing_id = made[0].listing.listing_id
    update = log._client.update_item

    def throttled(**request: Any) -> Any:
        if request["UpdateExpression"].startswith("REMOVE #c0"):
            error = {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}
            raise ClientError(error, "UpdateItem")  # type: ignore[arg-type]
        return update(**request)

    monkeypatch.setattr(log._client, "update_item", throttled)
    with caplog.at_level(logging.WARNING, logger="credit_gateway.exchange_log"):
        assert log.append(made[:5]) == {c.change_id: i for i, c in enumerate(made[:5], 1)}
    monkeypatch.undo()
    assert claims_in(index(aws, listing_id)) == 5
    assert [r.getMessage() for r in caplog.records] == [
        f"the exchange log's index of {listing_id} not compacted"
    ]

    log.append(made[5:])

    assert claims_in(index(aws, listing_id)) == 0
    assert log.sequences_of(listing_id) == list(range(1, 11))


def test_compactions_racing_for_one_page_both_stay_readable(log, aws, monkeypatch):
    made = history(12)
    listing_id = made[0].listing.listing_id
    other = exchange_log(aws)
    log.append(made[:6])  # compacted: page 0
    other.append(made[6:8])  # two claims, below the mark
    move, moves = log._move, []

    def after_another(*args: Any) -> bool:
        moves.append(args)
        if len(moves) == 1:  # this compaction read pages = 1; another takes page 1 first
            other.append(made[8:10])
        return move(*args)

    monkeypatch.setattr(log, "_move", after_another)
    log.append(made[10:])

    assert len(moves) == 1  # it lost the race for page 1, and left its claims
    assert log.sequences_of(listing_id) == list(range(1, 13))
    logged = {e.change_id: e.sequence for e, _ in everything(log)}
    assert appended(log, made, 3) == logged
    assert sorted(logged.values()) == list(range(1, 13))
    assert log.erase(listing_id, purge_of(made[0]).change_id) == 12


def test_an_index_grown_by_the_earlier_code_shrinks_over_the_next_appends(aws, monkeypatch):
    made = history(150)
    listing_id = made[0].listing.listing_id
    before = exchange_log(aws, compact_at=10_000)  # as the log was: claims only ever added
    appended(before, made[:140], 20)
    assert claims_in(index(aws, listing_id)) == 140
    monkeypatch.setattr(log_compaction, "ROUNDS", 1)  # one slice of 100 an append

    after = exchange_log(aws)
    sequences = after.append(made)

    assert sequences == {c.change_id: i for i, c in enumerate(made, start=1)}
    assert claims_in(index(aws, listing_id)) == 50
    assert after.sequences_of(listing_id) == list(range(1, 151))
    assert after.append(made[:1]) == {made[0].change_id: 1}  # a retry: the rest compacted
    assert claims_in(index(aws, listing_id)) == 0
    assert int(index(aws, listing_id)["pages"]["N"]) == 2
    assert after.sequences_of(listing_id) == list(range(1, 151))
    assert after.erase(listing_id, purge_of(made[0]).change_id) == 150


def test_a_listing_logged_in_the_per_entry_shape_then_compacted_is_erased_whole(log, aws):
    made = history(20)
    _old_append(aws, 1, made[:5])  # before chunks: entries, bodies, markers, a sequences set
    listing_id = made[0].listing.listing_id

    assert appended(log, made, 4) == {c.change_id: i for i, c in enumerate(made, start=1)}
    assert claims_in(index(aws, listing_id)) < COMPACT_AT
    assert log.sequences_of(listing_id) == list(range(1, 21))
    tombstone = purge_of(made[0])
    assert log.erase(listing_id, tombstone.change_id) == 20
    assert [body for _, body in everything(log)] == [Erased(tombstone=tombstone.change_id)] * 20


def test_an_index_past_the_high_water_mark_is_reported_by_listing_id(aws, monkeypatch, caplog):
    made = history(8)
    log = exchange_log(aws, compact_at=10_000)  # as if compaction had stopped working
    monkeypatch.setattr(log_index, "HIGH_WATER", 300)

    with caplog.at_level(logging.WARNING, logger="credit_gateway.exchange_log"):
        appended(log, made, 2)

    warned = [r.getMessage() for r in caplog.records if r.name == "credit_gateway.exchange_log"]
    assert warned
    assert all(made[0].listing.listing_id in w for w in warned)
    assert not any(made[0].listing.credit_code in w for w in warned)
