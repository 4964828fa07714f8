"""verify-log against a gateway that lies with what the store already contradicts (review 84):
a raised, unsigned ``log_start`` that excused a drop below a change it had delivered (F1), and a
second delivery of one log entry under another id, its recognition flipped (F2). Both passed
as "OK"; the store itself shows each, so each now fails."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from app_support import CITY, HUNAN, black_entry
from delivery_support import DeliveryQueue, push_and_fan_out, subscribe
from test_verify_log_hostile import _honest, _verify
from test_verify_log_signatures import verify_log
from test_verify_log_terms import delivered, published

from gateway_client.contract import DeliveryPayload, load_private_key
from gateway_client.contract.signing import Ed25519Signer
from gateway_client.delivery_store import DeliveryStore
from gateway_client.listener import Listener
from gateway_client.log_verifier import PublishedLogError
from gateway_client.receiver import Audience


def _three_delivered(gateway, aws, stream, hook) -> tuple[str, list[bytes]]:  # type: ignore[no-untyped-def]
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub = subscribe(gateway, hook.url)
    entries = [black_entry(decision_number=f"(2024)黑09执12{n}号") for n in (3, 4, 5)]
    push_and_fan_out(gateway, stream, city, CITY, entries)
    queue = DeliveryQueue(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"], aws.env["CG_DELIVERY_DLQ_URL"])
    for _ in range(3):
        queue.run()
    bodies = [r.body for r in hook.requests]
    sequences = sorted(DeliveryPayload.model_validate_json(b).log_sequence or 0 for b in bodies)
    assert sequences == [1, 2, 3]
    return sub["subscription_id"], bodies


def _starting_at(log_start: Any):  # type: ignore[no-untyped-def]
    def tamper(path: str, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "log_start": log_start} if path.startswith("/v1/subscriptions/") else body

    return tamper


def _without_entry_2(bodies: list[bytes]) -> list[bytes]:
    return [b for b in bodies if DeliveryPayload.model_validate_json(b).log_sequence != 2]


def test_a_raised_log_start_does_not_excuse_a_drop_below_a_change_it_delivered(
    gateway, aws, stream, hook, monkeypatch
):
    sub_id, bodies = _three_delivered(gateway, aws, stream, hook)
    kept = _without_entry_2(bodies)

    honest = _verify(gateway, monkeypatch, sub_id, kept, _honest)
    lied = _verify(gateway, monkeypatch, sub_id, kept, _starting_at(2))

    assert any("log entry 2" in p for p in honest.problems)
    assert not lied.ok
    assert any("owed the log from entry 3, yet it delivered entry 1" in p for p in lied.problems)
    assert any("log entry 2" in p and "never delivered" in p for p in lied.problems)
    assert lied.owed_from == 1  # pinned in the state file as what was owed


@pytest.mark.parametrize("log_start", [-1, "0", None, True, 1.5])
def test_a_log_start_that_is_no_count_of_entries_is_refused(
    gateway, aws, stream, hook, monkeypatch, log_start
):
    sub_id, bodies = _three_delivered(gateway, aws, stream, hook)

    with pytest.raises(PublishedLogError, match="log_start"):
        _verify(gateway, monkeypatch, sub_id, _without_entry_2(bodies), _starting_at(log_start))


def listened(gateway, aws, stream, hook, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """One listing delivered to 湖南 and stored by ``gateway listen``: its subscription, the
    keys published, the listener and the webhook it took."""
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub = subscribe(gateway, hook.url)
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    delivered(aws)
    keys = published(gateway, monkeypatch)
    store = DeliveryStore(tmp_path / "d.ndjson")
    listener = Listener(Audience(sub["subscription_id"], HUNAN), store, lambda: keys, print)
    [webhook] = hook.requests
    assert listener.handle(webhook.headers, webhook.body)[0] == 204
    return sub, keys, listener, webhook


def signed_by_gateway(gateway, keys, body: dict[str, Any]) -> tuple[dict[str, str], bytes]:  # type: ignore[no-untyped-def]
    """``body`` as the gateway's operator can sign it: with the gateway's current key."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    current = next(k for k in keys if k.status == "current" and k.algorithm == "ed25519")
    signer = Ed25519Signer(current.key_id, load_private_key(gateway.signing_key))
    at = int(time.time())
    headers = {
        "webhook-id": body["delivery_id"],
        "webhook-timestamp": str(at),
        "webhook-signature": signer.sign(body["delivery_id"], at, raw),
        "x-credit-key-id": current.key_id,
    }
    return headers, raw


def test_one_log_entry_delivered_twice_under_two_ids_fails_verify_log(
    gateway, aws, stream, hook, monkeypatch, tmp_path, capsys
):
    sub, keys, listener, webhook = listened(gateway, aws, stream, hook, monkeypatch, tmp_path)
    # the operator signs the same entry again under a new id, its recognition flipped
    body = json.loads(webhook.body)
    body["delivery_id"] = "msg_" + "e" * 32
    body["recognition"]["recognised"] = not body["recognition"]["recognised"]
    body["sequence"] += 1
    headers, raw = signed_by_gateway(gateway, keys, body)
    assert listener.handle(headers, raw)[0] == 204  # genuine signature: kept, for the audit

    code, out = verify_log(sub, tmp_path, capsys, "--strict", "--require-signatures")

    assert code != 0
    assert "log entry 1 was delivered 2 times" in out
