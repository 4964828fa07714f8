"""A subscription's past terms (``terms_history``), pinned to the log's size and limited per
region, and the stream batch they keep honest:
one logged under terms since narrowed, handed again by the stream (its queueing failed), is
delivered as it was owed then, and verify-log finds nothing missing (review 42 V2)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from app_support import CITY, HUNAN, black_entry, error_code
from delivery_support import as_operator, push_and_fan_out, subscribe
from test_verify_log_terms import delivered, patched, verified

import app as gateway_app
from chalicelib.dynamodb.exchange_log import DynamoExchangeLog
from chalicelib.dynamodb.subscriptions import DynamoSubscriptions
from chalicelib.observability import HandlerFailed
from chalicelib.sqs_queue import SqsDeliveryQueue
from gateway.promotion import promote
from gateway_client.contract import Change, ListingEntry, change_between


def test_each_change_of_terms_is_kept_with_the_head_it_was_made_at(gateway, stream):  # type: ignore[no-untyped-def]
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub = subscribe(gateway, "https://credit.hunan.example.cn/hooks/gateway")
    sid = sub["subscription_id"]
    assert gateway.push(city, CITY, [black_entry()]).status_code == 200
    gateway_app.fan_out_changes(stream.event(), None)

    assert "terms_history" not in patched(gateway, sid, {"description": "只改说明"})
    patched(gateway, sid, {"filters": {"domains": ["food_drug"]}})
    later = black_entry(source_updated_at="2026-03-09T09:00:00+08:00")
    assert gateway.push(city, CITY, [later]).status_code == 200
    gateway_app.fan_out_changes(stream.event(), None)
    view = patched(gateway, sid, {"recognised_only": True})

    assert view["terms_since"] == 2
    assert view["terms_history"] == [
        {
            "since": 1,
            "filters": {"kinds": [], "domains": ["food_drug"], "source_regions": []},
            "recognised_only": False,
        },
        {
            "since": 0,
            "filters": {"kinds": [], "domains": [], "source_regions": []},
            "recognised_only": False,
        },
    ]


def test_a_batch_retried_after_the_filters_narrowed_is_delivered_as_owed_when_logged(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch
):
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub = subscribe(gateway, hook.url)
    sid = sub["subscription_id"]
    assert gateway.push(city, CITY, [black_entry()]).status_code == 200
    batch = stream.event()
    sent = SqsDeliveryQueue.enqueue

    def down(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("SQS unavailable")

    monkeypatch.setattr(SqsDeliveryQueue, "enqueue", down)
    with pytest.raises(HandlerFailed):
        gateway_app.fan_out_changes(batch, None)  # logged, not queued
    monkeypatch.setattr(SqsDeliveryQueue, "enqueue", sent)
    view = patched(gateway, sid, {"filters": {"domains": ["food_drug"]}})  # court_defaulter out
    assert view["terms_since"] == 1

    gateway_app.fan_out_changes(batch, None)  # the stream hands the batch again
    delivered(aws)

    stored = [r.body for r in hook.requests if b'"listing.changed"' in r.body]
    assert len(stored) == 1
    report = verified(gateway, monkeypatch, sid, stored)
    assert report.ok, report.problems


def test_a_replay_sends_what_the_terms_matched_when_each_change_was_logged(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook
):
    """What verify-log reports missing, a replay sends: entry 1 was owed under the filters
    before the narrowing, entry 2 (logged after it) is not owed."""
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sid = subscribe(gateway, hook.url)["subscription_id"]
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    patched(gateway, sid, {"filters": {"domains": ["food_drug"]}})
    later = black_entry(source_updated_at="2026-03-09T09:00:00+08:00")
    push_and_fan_out(gateway, stream, city, CITY, [later])
    delivered(aws)
    hook.requests.clear()

    path = f"/v1/subscriptions/{sid}/replay"
    reply = as_operator(gateway, "post", path, json.dumps({"from_sequence": 1}).encode())
    assert reply.status_code == 202, reply.json_body
    delivered(aws)

    assert reply.json_body["queued"] == 1
    sent = [json.loads(r.body) for r in hook.requests if b'"listing.changed"' in r.body]
    assert [body["log_sequence"] for body in sent] == [1]


def test_a_change_of_terms_racing_an_append_is_pinned_to_the_log_it_was_stored_at(  # type: ignore[no-untyped-def]
    gateway, monkeypatch
):
    """An append lands between the PATCH's read of the log's size and its write: the write
    is refused and made again at the new size, so the entry appended is judged by the terms
    before (``terms_since`` is past it)."""
    assert gateway.put_region(HUNAN).status_code == 200
    sid = subscribe(gateway, "https://credit.hunan.example.cn/hooks/gateway")["subscription_id"]
    size = DynamoExchangeLog.size
    reads: list[int] = []

    def racing(log: DynamoExchangeLog) -> int:
        read = size(log)
        if not reads:
            log.append([logged_change()])
        reads.append(read)
        return read

    monkeypatch.setattr(DynamoExchangeLog, "size", racing)
    view = patched(gateway, sid, {"filters": {"domains": ["food_drug"]}})

    assert reads == [0, 1]
    assert view["terms_since"] == 1


def test_changes_of_terms_over_the_limit_a_minute_are_refused_and_change_nothing(  # type: ignore[no-untyped-def]
    gateway,
):
    """Each real change of its terms counts; a request refused by a check, or one repeating
    the terms it has, counts nothing (review 44 F2)."""
    gateway.configure(terms_changes_per_minute="2")
    assert gateway.put_region(HUNAN).status_code == 200
    sid = subscribe(gateway, "https://credit.hunan.example.cn/hooks/gateway")["subscription_id"]
    path = f"/v1/subscriptions/{sid}"

    def patch(changes: dict[str, object]):  # type: ignore[no-untyped-def]
        return as_operator(gateway, "patch", path, json.dumps(changes).encode())

    unknown = patch({"filters": {"source_regions": ["990000"]}})  # no platform there: 4xx
    repeated = [patch({"recognised_only": False}) for _ in range(3)]  # as it is
    taken = [patch({"filters": {"domains": [d]}}) for d in ("food_drug", "court_defaulter")]
    described = patch({"description": "只改说明"})  # no terms
    refused = patch({"recognised_only": True})

    assert unknown.status_code in (400, 403), unknown.json_body
    assert [r.status_code for r in [*repeated, *taken, described]] == [200] * 6
    assert (refused.status_code, error_code(refused)) == (429, "rate_limited")
    view = as_operator(gateway, "get", path).json_body
    assert (view["recognised_only"], view["filters"]["domains"]) == (False, ["court_defaulter"])


def test_filters_respelled_are_no_change_of_terms_and_make_no_pinned_write(  # type: ignore[no-untyped-def]
    gateway, monkeypatch
):
    """Review 45 F1: the same domains in another order were not counted, yet each was written
    in a transaction with the log's head, without limit (and the stored order flipped)."""
    gateway.configure(terms_changes_per_minute="1")
    assert gateway.put_region(HUNAN).status_code == 200
    url = "https://credit.hunan.example.cn/hooks/gateway"
    domains = ["food_drug", "court_defaulter"]
    sid = subscribe(gateway, url, filters={"domains": domains})["subscription_id"]
    pinned: list[str] = []
    pin = DynamoSubscriptions.update_at

    def counted(store, subscription_id, *rest):  # type: ignore[no-untyped-def]
        pinned.append(subscription_id)
        return pin(store, subscription_id, *rest)

    monkeypatch.setattr(DynamoSubscriptions, "update_at", counted)
    path = f"/v1/subscriptions/{sid}"

    def patch(changes: dict[str, object]):  # type: ignore[no-untyped-def]
        return as_operator(gateway, "patch", path, json.dumps(changes).encode())

    respelled = [patch({"filters": {"domains": order}}) for order in [domains[::-1], domains] * 3]
    changed = patch({"recognised_only": True, "description": "改"})
    over = patch({"recognised_only": False})

    assert [r.status_code for r in [*respelled, changed]] == [200] * 7
    assert (over.status_code, error_code(over)) == (429, "rate_limited")
    assert pinned == [sid]  # the one real change
    view = as_operator(gateway, "get", path).json_body
    assert (view["filters"]["domains"], view["recognised_only"]) == (domains, True)
    assert view["terms_since"] is not None


def logged_change() -> Change:
    """A change of a listing nobody pushed: what another region's append would log."""
    entry = ListingEntry.model_validate(black_entry())
    made = change_between(promote(entry, CITY, datetime.now(UTC)), None)
    assert made is not None
    return made
