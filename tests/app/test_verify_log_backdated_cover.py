"""A checkpoint signed by a retired (leaked) key and dated back inside its validity is not
trusted when it covers entries logged after that date (review 332).

An honest gateway dates each checkpoint when it signs it, after every entry it covers was
logged (fan-out logs, then publishes), and an entry's ``at`` is bound in its leaf, proven
included. On a first run (no ``--state``) with the current key's checkpoints withheld, or with
a state from before the retirement, nothing else caught it: a fork that swapped an undelivered
wanted entry for an unwanted one passed as OK. (A key with no end may sign over entries dated
later: the local stack runs its tick ahead.)"""

from __future__ import annotations

from datetime import timedelta

from gateway_client.contract.log import sign_checkpoint

# -- the same on the real stack: deliveries made, the key rotated, verify-log run --


def test_on_the_stack_a_retired_keys_backdated_checkpoint_over_later_entries_is_not_ok(
    gateway, aws, stream, hook, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import json
    from datetime import UTC, datetime

    from test_verify_log_hostile import _two_delivered, _verify

    from gateway_client.contract import Checkpoint, GatewaySigners, LogEntry
    from gateway_client.contract.signing import (
        Ed25519Signer,
        generate_signing_key,
        load_private_key,
    )

    sub_id, bodies = _two_delivered(gateway, aws, stream, hook)
    ops = gateway.operator()
    assert gateway.client.http.post("/v1/log/checkpoints", headers=ops, body=b"").status_code in (
        200,
        201,
    )
    [honest] = [
        Checkpoint.model_validate(c)
        for c in gateway.client.http.get("/v1/log/checkpoints").json_body["checkpoints"]
    ][-1:]
    logged = [
        LogEntry.model_validate(e)
        for e in gateway.client.http.get("/v1/log", headers=ops).json_body["entries"]
    ]
    retired_until = min(e.at for e in logged) - timedelta(days=1)
    # The operator rotates: gw-test-1 retired a day before anything here was logged.
    old_key = gateway.signing_key
    gateway.configure(
        signing_key=generate_signing_key(),
        signing_key_id="gw-test-2",
        published_keys=json.dumps(
            [
                {
                    "key_id": "gw-test-1",
                    "public_key": gateway.public_key,
                    "valid_until": retired_until.isoformat(),
                }
            ]
        ),
    )
    # Whoever holds the leaked gw-test-1 signs the tree now, dated back into its validity.
    leaked = GatewaySigners(Ed25519Signer("gw-test-1", load_private_key(old_key)))
    forged = sign_checkpoint(
        honest.sequence,
        bytes.fromhex(honest.root),
        retired_until - timedelta(seconds=1),
        leaked,
        honest.origin,
        honest.extensions,
    )
    assert forged.at < min(e.at for e in logged) <= datetime.now(UTC)

    def only_the_forged(path, body):  # type: ignore[no-untyped-def]
        if path.startswith("/v1/log/checkpoints"):
            return {"checkpoints": [forged.model_dump(mode="json")]}
        return body

    report = _verify(gateway, monkeypatch, sub_id, bodies, only_the_forged)

    assert (report.ok, report.verified_through) == (False, 0)
    assert any("after the key that signed it" in p for p in report.problems), report.problems
