"""verify-log against a gateway that lies in what it serves a subscriber (its reads are signed,
so it knows who asks): an unsigned list of erased entries, checkpoints withheld, filters
narrowed in the served view. Each used to hide a dropped delivery behind "OK" (review 41)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import types
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, GUANGDONG, HUNAN, black_entry
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from delivery_support import DeliveryQueue, as_operator, push_and_fan_out, subscribe
from lifecycle_support import XINZHENG, listing_path, pushed, recent_entry

import app as gateway_app
from chalicelib import log_publishing
from chalicelib.bootstrap import container
from chalicelib.dynamodb import log_chunks
from chalicelib.dynamodb.log_published import PUBLISHED_KEY
from gateway_client import log_verifier
from gateway_client.contract import (
    MOVES_SINCE,
    Change,
    Checkpoint,
    DeliveryPayload,
    LogEntry,
    entry_hash,
    log_entry,
    sign_checkpoint,
)
from gateway_client.contract.keys import PublishedKey
from gateway_client.log_audit import AuditReport, Seen
from gateway_client.tlog import CosignatureSigner, CosignatureVerifier

Tamper = Callable[[str, dict[str, Any]], dict[str, Any]]


def _verify(  # type: ignore[no-untyped-def]
    gateway, monkeypatch, sub_id: str, bodies, tamper: Tamper, refusals: bool = False, **kw
) -> AuditReport:
    """verify-log against the app, its answers through ``tamper``; an answer other than 200 is
    the test's failure, or (``refusals``) the error verify-log makes of it."""

    def get(_client: object, path: str) -> Any:
        reply = gateway.client.http.get(path, headers=gateway.operator())
        if refusals and reply.status_code != 200:
            raise log_verifier.PublishedLogError(f"GET {path}: {reply.status_code}")
        assert reply.status_code == 200, (path, reply.json_body)
        return tamper(path, reply.json_body)

    monkeypatch.setattr(log_verifier, "_get", get)
    listed = gateway.client.http.get("/v1/keys").json_body["keys"]
    keys = [PublishedKey.model_validate(k) for k in listed]
    monkeypatch.setattr(log_verifier, "fetch_gateway_keys", lambda *_a, **_k: keys)
    assert as_operator(gateway, "post", "/v1/log/checkpoints", b"{}").status_code in (200, 201)
    return log_verifier.verify_log(
        types.SimpleNamespace(timeout=30, region=HUNAN),
        "http://in-process",
        sub_id,
        [DeliveryPayload.model_validate_json(b) for b in bodies],
        now=datetime.now(UTC) + timedelta(hours=2),  # past the grace period
        **kw,
    )


def _honest(_path: str, body: dict[str, Any]) -> dict[str, Any]:
    return body


def _two_delivered(gateway, aws, stream, hook) -> tuple[str, list[bytes]]:  # type: ignore[no-untyped-def]
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub = subscribe(gateway, hook.url)
    entries = [black_entry(decision_number=f"(2024)黑09执12{n}号") for n in (3, 4)]
    push_and_fan_out(gateway, stream, city, CITY, entries)
    queue = DeliveryQueue(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], aws.env["CG_DELIVERY_DLQ_URL"])
    queue.run()
    queue.run()
    bodies = [r.body for r in hook.requests]
    assert len(bodies) == 2
    return sub["subscription_id"], bodies


def _withheld(path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Every checkpoint withheld from this subscriber."""
    return {"checkpoints": []} if path.startswith("/v1/log/checkpoints") else body


def _first_only(bodies: list[bytes]) -> list[bytes]:
    return [b for b in bodies if DeliveryPayload.model_validate_json(b).log_sequence == 1]


def _seen(report: AuditReport) -> Seen:
    return Seen(
        size=report.verified_through,
        root=report.latest_root,
        origin=report.latest_origin,
        owed_from=report.owed_from,
        at=report.latest_at,
        terms=report.terms,
        salted_since=report.salted_since,
        moves_since=report.moves_since,
        checked_at=report.checked_at,
    )


def test_a_dropped_delivery_is_not_excused_by_the_gateway_calling_it_erased(
    gateway, aws, stream, hook, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    sub_id, bodies = _two_delivered(gateway, aws, stream, hook)

    def erased(path: str, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "erased": [2]} if path.startswith("/v1/log?") else body

    lied = _verify(gateway, monkeypatch, sub_id, _first_only(bodies), erased)

    assert not lied.ok
    assert any("log entry 2" in p and "never delivered" in p for p in lied.problems)


def test_withholding_every_checkpoint_fails_a_subscriber_that_verified_before(
    gateway, aws, stream, hook, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    sub_id, bodies = _two_delivered(gateway, aws, stream, hook)
    first = _verify(gateway, monkeypatch, sub_id, bodies, _honest)
    assert first.ok, first.problems

    rolled_back = _verify(gateway, monkeypatch, sub_id, [], _withheld, seen=_seen(first))
    witness = CosignatureSigner("province-a", Ed25519PrivateKey.generate())
    required = _verify(
        gateway,
        monkeypatch,
        sub_id,
        [],
        _withheld,
        witnesses=[CosignatureVerifier.from_vkey(witness.vkey)],
        witnesses_required=1,
    )
    first_run = _verify(gateway, monkeypatch, sub_id, [], _withheld)

    assert not rolled_back.ok
    assert any("verified the log through 2" in p for p in rolled_back.problems)
    assert not required.ok
    assert any("cosigned by 1 witnesses" in p for p in required.problems)
    assert not first_run.ok  # nothing stored, remembered or required: still nothing proven
    assert any("nothing is proven yet" in p for p in first_run.problems)


def test_filters_narrowed_without_moving_terms_since_are_caught_once_the_log_grew_past_it(
    gateway, aws, stream, hook, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    sub_id, bodies = _two_delivered(gateway, aws, stream, hook)
    first = _verify(gateway, monkeypatch, sub_id, bodies, _honest)
    assert first.ok, first.problems
    assert first.terms is not None
    assert first.terms.since < first.verified_through

    def narrowed(path: str, body: dict[str, Any]) -> dict[str, Any]:
        if path.startswith("/v1/subscriptions/"):
            return {**body, "filters": {**body["filters"], "domains": ["food_drug"]}}
        return body

    lied = _verify(gateway, monkeypatch, sub_id, _first_only(bodies), narrowed, seen=_seen(first))

    assert not lied.ok
    assert any("filters changed while terms_since stayed" in p for p in lied.problems)


def test_withholding_every_checkpoint_fails_a_first_run_when_the_log_held_entries(
    gateway, aws, stream, hook, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The subscription says the log held entries when it began (``log_start``): fan-out signed
    a checkpoint for them, so serving none is no empty log (review 41c)."""
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    sub_id = subscribe(gateway, hook.url)["subscription_id"]

    report = _verify(gateway, monkeypatch, sub_id, [], _withheld)

    assert not report.ok
    assert any("the log held 1 entries when the subscription began" in p for p in report.problems)


def test_a_made_up_change_and_back_in_the_history_excuses_no_entry(
    gateway, aws, stream, hook, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Review 43 H1: after a run that verified entry 1, entry 2 is dropped, and the gateway
    serves a history in which the filters were narrowed at 1 and widened back at 2. The past
    terms are its unsigned word: entry 2 is listed unjudged, never passed over in silence."""
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub_id = subscribe(gateway, hook.url)["subscription_id"]
    queue = DeliveryQueue(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], aws.env["CG_DELIVERY_DLQ_URL"])
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    queue.run()
    first = _verify(gateway, monkeypatch, sub_id, [r.body for r in hook.requests], _honest)
    assert first.ok, first.problems
    later = black_entry(source_updated_at="2026-03-09T09:00:00+08:00")
    push_and_fan_out(gateway, stream, city, CITY, [later])
    queue.run()
    stored = _first_only([r.body for r in hook.requests])  # entry 2 dropped

    def made_up(path: str, body: dict[str, Any]) -> dict[str, Any]:
        if not path.startswith("/v1/subscriptions/"):
            return body
        narrow = {"kinds": [], "domains": ["food_drug"], "source_regions": []}
        history = [
            {"since": 1, "filters": narrow, "recognised_only": False},
            {"since": 0, "filters": body["filters"], "recognised_only": False},
        ]
        return {**body, "terms_since": 2, "terms_history": history}

    lied = _verify(gateway, monkeypatch, sub_id, stored, made_up, seen=_seen(first))

    assert lied.unjudged == (2,)
    assert [t.since for t in lied.terms_history] == [1, 0]


def test_a_stored_line_naming_no_log_entry_is_reported_altered(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch
):
    """The log starts at 1: a line edited to name entry 0 is a problem of the store, not a
    refusal to blame on the gateway (it used to ask for ``/v1/log?from=0`` and stop)."""
    sub_id, bodies = _two_delivered(gateway, aws, stream, hook)
    edited = json.loads(bodies[0])
    edited["log_sequence"] = 0

    report = _verify(
        gateway, monkeypatch, sub_id, [json.dumps(edited).encode(), bodies[1]], _honest
    )

    assert any("log entry 0 (altered)" in p for p in report.problems), report.problems
    assert any("was never delivered" in p for p in report.problems), report.problems


def _moved(gateway, aws, stream, hook) -> tuple[str, list[bytes], Any]:  # type: ignore[no-untyped-def]
    """A subscription filtered to 河南 (410000), 新郑's listing delivered to it, then moved
    by the operator to 七台河 and that delivered too; the subscription, the bodies, 新郑's
    signer."""
    squatter = gateway.register_platform(XINZHENG)
    gateway.register_platform(CITY)
    gateway.register_platform(HUNAN)
    filters = {"source_regions": ["410000"]}
    made = gateway.subscribe_as_operator(region=HUNAN, url=hook.url, filters=filters)
    assert made.status_code == 201, made.json_body
    entry = recent_entry()
    lid = pushed(gateway, squatter, XINZHENG, entry)
    _fanned_out(aws, stream)
    body = {"corrected_entry": {**entry, "origin_region": CITY}, "note": "认定部门为七台河市"}
    moved = gateway.client.http.post(
        listing_path(CREDIT_CODE, lid) + "/reassignment",
        headers=gateway.operator(),
        body=json.dumps(body, ensure_ascii=False).encode(),
    )
    assert moved.status_code == 200, moved.json_body
    _fanned_out(aws, stream)
    bodies = [r.body for r in hook.requests]
    assert [DeliveryPayload.model_validate_json(b).log_sequence for b in bodies] == [1, 2]
    return str(made.json_body["subscription_id"]), bodies, squatter


def _fanned_out(aws, stream) -> None:  # type: ignore[no-untyped-def]
    gateway_app.fan_out_changes(stream.event(), None)
    DeliveryQueue(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], aws.env["CG_DELIVERY_DLQ_URL"]).run()


def test_a_dropped_move_is_owed_to_the_subscription_that_followed_the_old_owner(
    gateway, aws, stream, hook, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Review 64 F1: the operator's move reaches a subscription filtered to the region the
    listing left; its log entry names that region, so a gateway that logs the move and
    withholds it from that subscription no longer passes the audit."""
    sub_id, bodies, _ = _moved(gateway, aws, stream, hook)

    honest = _verify(gateway, monkeypatch, sub_id, bodies, _honest)
    dropped = _verify(gateway, monkeypatch, sub_id, _first_only(bodies), _honest)

    assert honest.ok, honest.problems
    assert not dropped.ok
    assert any("log entry 2" in p and "never delivered" in p for p in dropped.problems)


@contextlib.contextmanager
def _release_before(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Logging and publishing as the release before did: no ``moved_from`` in a leaf, no
    moves cut-over in a checkpoint."""

    def unnamed(sequence: int, change: Change) -> LogEntry:
        entry = log_entry(sequence, change).model_copy(update={"moved_from": None})
        return entry.model_copy(update={"hash": entry_hash(entry)})

    def unstated(*args: Any) -> Checkpoint:
        *rest, extensions = args
        kept = [x for x in extensions if not x.startswith(MOVES_SINCE)]
        return sign_checkpoint(*rest, kept)

    with monkeypatch.context() as patched:
        patched.setattr(log_chunks, "log_entry", unnamed)
        patched.setattr(log_publishing, "sign_checkpoint", unstated)
        yield


@pytest.mark.parametrize("upgraded", [True, False], ids=["before-the-cut-over", "after-it"])
def test_a_move_logged_without_its_region_is_altered_only_after_the_cut_over(
    gateway, aws, stream, hook, monkeypatch, upgraded
) -> None:  # type: ignore[no-untyped-def]
    """Review 70 F1: a move the release before logged has no ``moved_from`` in its leaf; the
    log's first publication by this code fixes the moves cut-over past any older code still
    logging, and a stored delivery of a move accepted before it matches either leaf. Where
    this code fixed it from the start, a move's leaf without the region is altered."""
    with _release_before(monkeypatch):
        sub_id, _, squatter = _moved(gateway, aws, stream, hook)
    if upgraded:  # the publisher's state as the release before left it
        aws.dynamodb.update_item(
            TableName=aws.env["CG_EXCHANGE_LOG_TABLE"],
            Key=PUBLISHED_KEY,
            UpdateExpression="REMOVE moves_since",
        )
    another = recent_entry(decision_number="(2024)豫0184执99号")
    pushed(gateway, squatter, XINZHENG, another)
    _fanned_out(aws, stream)  # published by this code: the cut-over stated
    entries = gateway.client.http.get("/v1/log", headers=gateway.operator()).json_body["entries"]
    assert "moved_from" not in entries[1]

    report = _verify(gateway, monkeypatch, sub_id, [r.body for r in hook.requests], _honest)

    if upgraded:
        assert report.ok, report.problems
    else:
        assert any("differs from log entry 2 (altered)" in p for p in report.problems)


def test_a_gateway_that_calls_the_subscription_another_region_s_is_refused(
    gateway, aws, stream, hook, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Whose deliveries are judged (each one's audience) is the subscriber's to say, not the
    gateway's unsigned word: told another region, deliveries addressed to it would pass."""
    sub_id, bodies = _two_delivered(gateway, aws, stream, hook)

    def another_region(path: str, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "region": GUANGDONG} if path.startswith("/v1/subscriptions/") else body

    with pytest.raises(log_verifier.PublishedLogError, match="not 430000's"):
        _verify(gateway, monkeypatch, sub_id, bodies, another_region)


class _Paged(Exception):
    pass


def test_a_signed_checkpoint_past_the_log_ends_the_paging_at_the_first_empty_page(
    gateway, aws, stream, hook, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Review 161: a signed checkpoint far past the log (a dishonest operator, a signing bug)
    had verify-log ask for empty page after empty page, a million for 10**9, and never say."""
    sub_id, bodies = _two_delivered(gateway, aws, stream, hook)
    pages: list[str] = []

    def huge(path: str, body: dict[str, Any]) -> dict[str, Any]:
        if path.startswith("/v1/log/checkpoints"):
            real = [Checkpoint.model_validate(c) for c in body["checkpoints"]]
            signed = sign_checkpoint(
                10**9,
                hashlib.sha256(b"made up").digest(),
                datetime.now(UTC),
                container().signers,
                real[-1].origin,
                real[-1].extensions,
            )
            return {"checkpoints": [*body["checkpoints"], signed.model_dump(mode="json")]}
        if path.startswith("/v1/log?"):
            pages.append(path)
            if len(pages) > 100:
                raise _Paged(f"{len(pages)} pages asked, the last {path}")
        return body

    # no tile of a tree that size exists: verify-log says so (endless paging raises _Paged)
    with pytest.raises(log_verifier.PublishedLogError, match="/v1/log/tile"):
        _verify(gateway, monkeypatch, sub_id, bodies, huge, refusals=True)
    assert len(pages) == 2  # the entries, then an empty page: the log served ends there
