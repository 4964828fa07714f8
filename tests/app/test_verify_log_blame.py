"""verify-log on what a subscription was delivered: an owed change still in flight (logged a
minute ago, being delivered) is told from a missing one — also on a run with --state a minute
after a run that saw it in flight — and a wrong hash tile is blamed on the log, not on the
stored deliveries (review 210)."""

from __future__ import annotations

import base64
import types
from datetime import UTC, datetime, timedelta
from typing import Any

from app_support import CITY, HUNAN, black_entry
from delivery_support import push_and_fan_out, subscribe
from test_verify_log_terms import delivered, published

from gateway_client import log_verifier
from gateway_client.contract import DeliveryPayload
from gateway_client.subscriber_files import read_seen, write_seen


def _run(sub_id, bodies, now, seen=None):  # type: ignore[no-untyped-def]
    return log_verifier.verify_log(
        types.SimpleNamespace(timeout=30, region=HUNAN),
        "http://in-process",
        sub_id,
        [DeliveryPayload.model_validate_json(b) for b in bodies],
        seen=seen,
        now=now,
    )


def _two_delivered(gateway, aws, stream, hook, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    """Two listings logged and delivered to a 湖南省 subscription, the log published: its id."""
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub_id = str(subscribe(gateway, hook.url)["subscription_id"])
    entries = [black_entry(decision_number=f"(2024)黑09执12{k}号") for k in (3, 4)]
    push_and_fan_out(gateway, stream, city, CITY, entries)
    delivered(aws)
    published(gateway, monkeypatch)
    return sub_id


def test_a_change_in_flight_stays_in_flight_on_a_run_with_state_a_minute_later(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch, tmp_path
):
    sub_id = _two_delivered(gateway, aws, stream, hook, monkeypatch)
    # entry 2 has not reached the store yet (its delivery is still being retried)
    first_only = [r.body for r in hook.requests if b'"log_sequence":1' in r.body.replace(b" ", b"")]
    assert len(first_only) == 1
    now = datetime.now(UTC)
    state = tmp_path / "state.json"

    first = _run(sub_id, first_only, now)
    assert (first.ok, first.in_flight) == (True, (2,)), first.problems
    write_seen(state, first)

    # a cron job with --state, a minute later: entry 2 was logged a minute or two ago
    again = _run(sub_id, first_only, now + timedelta(minutes=1), read_seen(state))

    assert again.ok, again.problems  # was: "log entry 2 (...) was never delivered"
    assert again.in_flight == (2,)


def test_a_tampered_tile_is_not_blamed_on_the_stored_delivery(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch
):
    """A hash tile served wrong (entry 1's leaf flipped) fails the run as the log's fault: the
    entry it leaves unproven is named, the stored deliveries, which match the entries served,
    are not blamed (review 210: they were reported altered)."""
    sub_id = _two_delivered(gateway, aws, stream, hook, monkeypatch)
    bodies = [r.body for r in hook.requests]
    honest_get = log_verifier._get

    def tampered(client: Any, path: str) -> Any:
        body = honest_get(client, path)
        if path.startswith("/v1/log/tile"):
            raw = bytearray(base64.b64decode(body["data"]))
            raw[0] ^= 1  # entry 1's leaf hash, as the tile serves it
            body = {**body, "data": base64.b64encode(bytes(raw)).decode()}
        return body

    monkeypatch.setattr(log_verifier, "_get", tampered)
    report = log_verifier.verify_log(
        types.SimpleNamespace(timeout=30, region=HUNAN),
        "http://in-process",
        sub_id,
        [DeliveryPayload.model_validate_json(b) for b in bodies],
        now=datetime.now(UTC),
    )

    assert not report.ok
    # the stored deliveries are exactly what the gateway signed and logged
    blamed = [p for p in report.problems if p.startswith("delivery ") and "(altered)" in p]
    assert not blamed, report.problems
    assert any("hash tiles were altered" in p for p in report.problems), report.problems
