"""verify-log judges what a subscription was owed by the terms it was planned under. Its
filters may change (``PATCH``): the gateway records the log's head then (``terms_since``) and
the terms before (``terms_history``); an entry logged up to it that those terms owed and was not
stored is reported missing, and one they leave out (their word is unsigned) or whose terms are
not known is listed ``unjudged``, neither proven nor reported missing, whatever the filters now
say; after it, the filters decide. What a
recognised-only subscription is sent depends on recognition, which the log does not record:
its unstored entries are listed too. So no subscriber is told for ever of entries it was never
owed, and none is told "complete" of an entry lost under terms it no longer has without it
being listed."""

from __future__ import annotations

import json
import types
from datetime import UTC, datetime, timedelta
from typing import Any

from app_support import CITY, HUNAN, black_entry
from delivery_support import DeliveryQueue, as_operator, push_and_fan_out, subscribe

from gateway_client import log_verifier, subscriber_files
from gateway_client.contract import DeliveryPayload
from gateway_client.contract.keys import PublishedKey
from gateway_client.log_audit import AuditReport, Seen


def published(gateway, monkeypatch) -> list[PublishedKey]:  # type: ignore[no-untyped-def]
    """``gateway verify-log`` reads the app in this process (a checkpoint published now); the
    gateway's keys, as ``/v1/keys`` lists them."""

    def get(_client: object, path: str) -> Any:
        reply = gateway.client.http.get(path, headers=gateway.operator())
        assert reply.status_code == 200, (path, reply.json_body)
        return reply.json_body

    monkeypatch.setattr(log_verifier, "_get", get)
    keys = [
        PublishedKey.model_validate(k)
        for k in gateway.client.http.get("/v1/keys").json_body["keys"]
    ]
    monkeypatch.setattr(log_verifier, "fetch_gateway_keys", lambda *_a, **_k: keys)
    assert as_operator(gateway, "post", "/v1/log/checkpoints", b"{}").status_code in (200, 201)
    return keys


def verified(  # type: ignore[no-untyped-def]
    gateway, monkeypatch, subscription_id: str, bodies: list[bytes], seen: Seen | None = None
) -> AuditReport:
    """``gateway verify-log`` against the app in this process, two hours on."""
    published(gateway, monkeypatch)
    return log_verifier.verify_log(
        types.SimpleNamespace(timeout=30, region=HUNAN),
        "http://in-process",
        subscription_id,
        [DeliveryPayload.model_validate_json(b) for b in bodies],
        seen=seen,
        now=datetime.now(UTC) + timedelta(hours=2),
    )


def delivered(aws) -> None:  # type: ignore[no-untyped-def]
    queue = DeliveryQueue(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], aws.env["CG_DELIVERY_DLQ_URL"])
    queue.run()
    queue.run()


def patched(gateway, subscription_id: str, changes: dict[str, Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    path = f"/v1/subscriptions/{subscription_id}"
    reply = as_operator(gateway, "patch", path, json.dumps(changes).encode())
    assert reply.status_code == 200, reply.json_body
    return dict(reply.json_body["subscription"])


def remembered_then_lost(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch, city, sub, state
) -> list[bytes]:
    """One entry delivered and a run that verified it remembered in ``state``; then a second
    entry lost (its endpoint down: dead, never stored). What the subscriber stored."""
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    delivered(aws)
    stored = [r.body for r in hook.requests if b'"listing.changed"' in r.body]
    first = verified(gateway, monkeypatch, sub["subscription_id"], stored)
    assert first.ok, first.problems
    subscriber_files.write_seen(state, first)
    hook.answer(500, "down")
    later = black_entry(source_updated_at="2026-03-09T09:00:00+08:00")
    push_and_fan_out(gateway, stream, city, CITY, [later])
    delivered(aws)  # dead: never stored
    return stored


def test_a_recognised_only_subscription_is_not_told_of_listings_it_was_never_sent(
    gateway, aws, stream, hook, monkeypatch
):
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub = subscribe(gateway, hook.url, recognised_only=True)
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])  # not recognised in 湖南
    delivered(aws)

    report = verified(gateway, monkeypatch, sub["subscription_id"], [r.body for r in hook.requests])

    assert hook.requests == []
    assert report.ok, report.problems
    assert len(report.unjudged) == 1


def test_filters_widened_later_leave_earlier_entries_unjudged_and_judge_later_ones(
    gateway, aws, stream, hook, monkeypatch
):
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub = subscribe(gateway, hook.url, filters={"domains": ["food_drug"]})
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])  # court_defaulter: not wanted
    delivered(aws)
    view = patched(gateway, sub["subscription_id"], {"filters": {"domains": []}})
    assert view["terms_since"] == 1

    report = verified(gateway, monkeypatch, sub["subscription_id"], [])

    assert report.ok, report.problems
    # not owed under food_drug alone, says the history: its word excuses nothing, so listed
    assert report.unjudged == (1,)
    hook.answer(500, "down")  # from now on judged: a change lost is reported
    push_and_fan_out(
        gateway, stream, city, CITY, [black_entry(source_updated_at="2026-03-09T09:00:00+08:00")]
    )
    report = verified(gateway, monkeypatch, sub["subscription_id"], [])
    assert any("log entry 2" in p and "never delivered" in p for p in report.problems), (
        report.problems
    )


def test_a_change_lost_before_the_filters_narrowed_is_reported_not_passed_over(
    gateway, aws, stream, hook, monkeypatch
):
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub = subscribe(gateway, hook.url, retry_schedule_seconds=[0])
    hook.answer(500, "down")
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    delivered(aws)  # dead: never stored
    patched(gateway, sub["subscription_id"], {"filters": {"domains": ["food_drug"]}})

    report = verified(gateway, monkeypatch, sub["subscription_id"], [])

    assert report.unjudged == ()  # owed under the filters it was logged under
    assert any("log entry 1" in p and "never delivered" in p for p in report.problems), (
        report.problems
    )


def test_a_patch_that_leaves_the_terms_as_they_were_keeps_terms_since(gateway, hook):
    assert gateway.put_region(HUNAN).status_code == 200
    sub = subscribe(gateway, hook.url)

    view = patched(gateway, sub["subscription_id"], {"description": "新的说明", "filters": {}})

    assert view["terms_since"] == 0


def test_filters_changed_and_changed_back_between_runs_move_terms_since_with_cause(
    gateway, aws, stream, hook, monkeypatch, tmp_path
):
    """Review 43 T1: the gateway does not sign ``terms_since``; a run remembers it with the
    filters (``--state``), and finds it moved while the filters are as remembered. The history
    shows why (narrowed, then widened again), so that is no problem; the entry lost meanwhile,
    owed under the filters it was logged under, is reported. (A ``terms_since`` moved with no
    change in the history is: ``test_terms_history_audit``, and the hostile gateway below.)"""
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub = subscribe(gateway, hook.url)
    state = tmp_path / "seen.json"
    stored = remembered_then_lost(gateway, aws, stream, hook, monkeypatch, city, sub, state)
    patched(gateway, sub["subscription_id"], {"filters": {"domains": ["food_drug"]}})
    view = patched(gateway, sub["subscription_id"], {"filters": {}})  # as they were
    assert (view["terms_since"], len(view["terms_history"])) == (2, 2)

    seen = subscriber_files.read_seen(state)
    report = verified(gateway, monkeypatch, sub["subscription_id"], stored, seen)

    assert len(report.problems) == 1, report.problems
    assert "log entry 2" in report.problems[0]
    assert "never delivered" in report.problems[0]


def test_terms_respelled_after_a_run_excuse_no_entry_owed_under_the_terms_it_remembered(
    gateway, aws, stream, hook, monkeypatch, tmp_path
):
    """Review 41c: an entry in flight when a run remembered the terms, lost afterwards, and
    the filters then respelled (every kind named instead of none: the same terms), which moves
    ``terms_since`` past it. Up to the size that run verified, the terms it remembered held:
    the entry is judged by them and reported, not listed unjudged."""
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub = subscribe(gateway, hook.url, retry_schedule_seconds=[0])
    state = tmp_path / "seen.json"
    hook.answer(500, "down")
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    published(gateway, monkeypatch)
    first = log_verifier.verify_log(
        types.SimpleNamespace(timeout=30, region=HUNAN),
        "http://in-process",
        sub["subscription_id"],
        [],
    )
    assert first.ok, first.problems
    assert first.in_flight == (1,)
    subscriber_files.write_seen(state, first)
    delivered(aws)  # dead: never stored
    view = patched(gateway, sub["subscription_id"], {"filters": {"kinds": ["black", "red"]}})
    assert view["terms_since"] == 1

    report = verified(
        gateway, monkeypatch, sub["subscription_id"], [], subscriber_files.read_seen(state)
    )

    assert report.unjudged == ()
    assert any("log entry 1" in p and "never delivered" in p for p in report.problems), (
        report.problems
    )


def test_entries_past_the_remembered_size_are_judged_by_the_terms_history(
    gateway, aws, stream, hook, monkeypatch, tmp_path
):
    """What was logged after the run that remembered the terms may have been planned under
    terms changed in between, which no run saw: the history says which."""
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub = subscribe(gateway, hook.url, retry_schedule_seconds=[0])
    state = tmp_path / "seen.json"
    first = verified(gateway, monkeypatch, sub["subscription_id"], [])
    assert any("nothing is proven yet" in p for p in first.problems)  # an empty log: no state
    subscriber_files.write_seen(state, first)
    hook.answer(500, "down")
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    delivered(aws)  # dead: never stored
    patched(gateway, sub["subscription_id"], {"filters": {"domains": ["food_drug"]}})

    report = verified(
        gateway, monkeypatch, sub["subscription_id"], [], subscriber_files.read_seen(state)
    )

    assert report.unjudged == ()
    assert any("log entry 1" in p and "never delivered" in p for p in report.problems), (
        report.problems
    )


def test_filters_respelled_keep_terms_since(gateway, aws, stream, hook):  # type: ignore[no-untyped-def]
    """The same filters spelled otherwise (another order, a region within one listed) are the
    same terms: the gateway moves no ``terms_since`` for them."""
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub = subscribe(gateway, hook.url, filters={"kinds": ["black", "red"]})
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])

    respelled = {"kinds": ["red", "black"], "source_regions": ["230000", "230900"]}
    first = patched(gateway, sub["subscription_id"], {"filters": respelled})
    again = patched(gateway, sub["subscription_id"], {"filters": {"kinds": ["red", "black"]}})

    assert first["terms_since"] == 1  # the regions are a change: all of them -> 230000's subtree
    assert again["terms_since"] == 1  # 230000 and 230900 -> 230000: not one


def test_a_gateway_that_respells_the_filters_to_move_terms_since_is_caught(
    gateway, aws, stream, hook, monkeypatch, tmp_path
):
    """Review 42: served respelled (another order) with ``terms_since`` moved past the entries
    lost since the last run, which would leave them unjudged: the same terms by meaning, so
    the move is reported."""
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub = subscribe(gateway, hook.url, filters={"kinds": ["black", "red"]})
    state = tmp_path / "seen.json"
    stored = remembered_then_lost(gateway, aws, stream, hook, monkeypatch, city, sub, state)
    published(gateway, monkeypatch)
    honest = log_verifier._get

    def respelling(client: object, path: str) -> Any:
        reply = honest(client, path)
        if path.startswith("/v1/subscriptions/"):
            return {**reply, "filters": {"kinds": ["red", "black"]}, "terms_since": 2}
        return reply

    monkeypatch.setattr(log_verifier, "_get", respelling)
    report = log_verifier.verify_log(
        types.SimpleNamespace(timeout=30, region=HUNAN),
        "http://in-process",
        sub["subscription_id"],
        [DeliveryPayload.model_validate_json(b) for b in stored],
        seen=subscriber_files.read_seen(state),
        now=datetime.now(UTC) + timedelta(hours=2),
    )

    assert any("terms_since moved" in p for p in report.problems), report.problems
