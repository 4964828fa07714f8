"""`gateway verify-log` over a store `gateway listen` kept from the app's own deliveries:
every line re-verified against the signature kept beside it, so a recognition someone flipped
in the store fails the run naming the delivery (review 11: only `data` was bound, by the log);
a store kept before signatures were passes, each line said; a `v1` subscription's signatures
are matched with `--secret-file`, counted apart (the province holds that secret too), and said
without it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from app_support import CITY, HUNAN, black_entry
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from delivery_support import push_and_fan_out, subscribe
from test_verify_log_terms import delivered, published

from gateway_client import log_verifier
from gateway_client.cli import main as cli
from gateway_client.cli import platform_commands
from gateway_client.contract import Checkpoint, generate_signing_key, sign_checkpoint
from gateway_client.contract.keys import GatewaySigners
from gateway_client.contract.signing import Ed25519Signer
from gateway_client.delivery_store import DeliveryStore
from gateway_client.listener import Listener
from gateway_client.receiver import Audience


def listened(gateway, aws, stream, hook, monkeypatch, tmp_path, **terms: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One change delivered to 湖南 and stored by `gateway listen`; the subscription."""
    city = gateway.register_platform(CITY)
    assert gateway.put_region(HUNAN).status_code == 200
    sub = subscribe(gateway, hook.url, **terms)
    push_and_fan_out(gateway, stream, city, CITY, [black_entry()])
    delivered(aws)
    keys = published(gateway, monkeypatch)
    audience = Audience(sub["subscription_id"], HUNAN, secret=sub.get("secret"))
    listener = Listener(audience, DeliveryStore(tmp_path / "d.ndjson"), lambda: keys, print)
    [webhook] = hook.requests
    assert listener.handle(webhook.headers, webhook.body)[0] == 204
    return sub


def verify_log(
    sub: dict[str, Any], where: Path, capsys: pytest.CaptureFixture[str], *more: str
) -> tuple[int, str]:
    key_file = where / "hn.key"
    key_file.write_text(generate_signing_key() + "\n")
    capsys.readouterr()
    status = cli.main(
        [
            *("verify-log", "--deliveries", str(where / "d.ndjson"), "--region", HUNAN),
            *("--subscription", sub["subscription_id"], "--url", "http://in-process"),
            *("--key-id", "hn-1", "--key-file", str(key_file), *more),
        ]
    )
    return status, capsys.readouterr().out


def test_a_recognition_flipped_in_the_store_fails_verify_log_naming_the_delivery(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch, tmp_path, capsys
):
    sub = listened(gateway, aws, stream, hook, monkeypatch, tmp_path)
    assert verify_log(sub, tmp_path, capsys)[0] == 0
    store = tmp_path / "d.ndjson"
    stored = json.loads(store.read_bytes())
    stored["recognition"]["recognised"] = not stored["recognition"]["recognised"]
    store.write_text(json.dumps(stored, ensure_ascii=False) + "\n")

    status, said = verify_log(sub, tmp_path, capsys)

    assert status == 1, said
    problem = f"PROBLEM: delivery {stored['delivery_id']} was altered after it was stored"
    assert problem in said
    assert said.rstrip().endswith("FAILED")


def test_the_listeners_store_passes_with_every_line_re_verified(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch, tmp_path, capsys
):
    sub = listened(gateway, aws, stream, hook, monkeypatch, tmp_path)

    status, said = verify_log(sub, tmp_path, capsys, "--require-signatures")

    assert status == 0, said
    assert "; 1 re-verified against the signature kept with them" in said.splitlines()[0]


def test_a_store_kept_before_signatures_were_passes_and_says_so(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch, tmp_path, capsys
):
    sub = listened(gateway, aws, stream, hook, monkeypatch, tmp_path)
    (tmp_path / "d.ndjson.signatures").unlink()
    delivery_id = json.loads((tmp_path / "d.ndjson").read_bytes())["delivery_id"]

    status, said = verify_log(sub, tmp_path, capsys)
    required, _ = verify_log(sub, tmp_path, capsys, "--require-signatures")

    assert status == 0, said
    assert f"(1 stored without its signature: {delivery_id})" in said
    assert said.rstrip().endswith("OK: nothing dropped, reordered or altered")
    assert required == 1


def test_a_v1_subscriptions_store_is_re_verified_with_its_secret(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch, tmp_path, capsys
):
    sub = listened(gateway, aws, stream, hook, monkeypatch, tmp_path, signature_scheme="v1")
    (tmp_path / "whsec").write_text(sub["secret"] + "\n")

    without, said_without = verify_log(sub, tmp_path, capsys)
    given, said_given = verify_log(sub, tmp_path, capsys, "--secret-file", str(tmp_path / "whsec"))

    assert (without, given) == (0, 0), (said_without, said_given)
    assert "(1 not re-verified, v1 (HMAC): no --secret-file given: " in said_without
    assert "; 0 re-verified against the signature kept with them" in said_given
    assert "(1 match a --secret-file: v1 (HMAC), which whoever holds the secret" in said_given


def test_entries_resting_on_the_gateways_word_are_named_in_the_verdict_and_fail_strict(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch, tmp_path, capsys
):
    """Review 51, F2-F3: entries the gateway's unsigned terms history or erasure list put
    beyond judging ended in "OK: nothing dropped"; the verdict says how many rest on its word,
    and --strict fails on them."""
    sub = listened(gateway, aws, stream, hook, monkeypatch, tmp_path)
    audited = platform_commands.verify_log

    def unsure(*args: Any, **named: Any) -> Any:
        report = audited(*args, **named)
        return report.model_copy(update={"unjudged": (7,), "erased_unvouched": (9,)})

    monkeypatch.setattr(platform_commands, "verify_log", unsure)
    status, said = verify_log(sub, tmp_path, capsys)
    strict, failed = verify_log(sub, tmp_path, capsys, "--strict")

    assert status == 0, said
    assert said.rstrip().endswith(
        "2 entries rest on the gateway's word (above; --strict fails on them)"
    )
    assert strict == 1
    assert failed.rstrip().endswith("FAILED: 2 entries unjudged or unvouched (--strict)")
    # a strict failure keeps no state (review 161): the next run judges the entries again
    state = tmp_path / "state.json"
    assert verify_log(sub, tmp_path, capsys, "--strict", "--state", str(state))[0] == 1
    assert not state.exists()
    assert verify_log(sub, tmp_path, capsys, "--state", str(state))[0] == 0
    assert state.exists()


def test_a_run_failed_for_a_problem_says_plain_failed_whatever_rests_on_the_gateway(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch, tmp_path, capsys
):
    """Review 52, F5: the verdict blamed --strict, not given, for a run a problem failed."""
    sub = listened(gateway, aws, stream, hook, monkeypatch, tmp_path)
    audited = platform_commands.verify_log

    def failing(*args: Any, **named: Any) -> Any:
        report = audited(*args, **named)
        return report.model_copy(update={"unjudged": (7,), "problems": ("entry 8 missing",)})

    monkeypatch.setattr(platform_commands, "verify_log", failing)
    status, said = verify_log(sub, tmp_path, capsys)

    assert status == 1
    assert said.rstrip().endswith("PROBLEM: entry 8 missing\nFAILED")


def test_a_checkpoint_under_an_unlisted_key_is_named_so_and_not_relied_on(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch, tmp_path, capsys
):
    """A checkpoint under a key id /v1/keys does not list (a forgery) is skipped and named as
    such, not "signed by a retired key" (review 210)."""
    sub = listened(gateway, aws, stream, hook, monkeypatch, tmp_path)
    honest_get = log_verifier._get
    forger = GatewaySigners(ed25519=Ed25519Signer("attacker-1", Ed25519PrivateKey.generate()))

    def forged(client: Any, path: str) -> Any:
        body = honest_get(client, path)
        if path.startswith("/v1/log/checkpoints"):
            last = Checkpoint.model_validate(body["checkpoints"][-1])
            fake = sign_checkpoint(
                last.sequence + 5,
                hashlib.sha256(b"another history").digest(),
                last.at,
                forger,
                last.origin,
                last.extensions,
            )
            body = {**body, "checkpoints": [*body["checkpoints"], fake.model_dump(mode="json")]}
        return body

    monkeypatch.setattr(log_verifier, "_get", forged)
    status, said = verify_log(sub, tmp_path, capsys)

    skipped_line = [line for line in said.splitlines() if "checkpoints [" in line]
    assert skipped_line, said
    assert "does not list (withdrawn, or not the gateway's)" in skipped_line[0], said
    assert "not relied on" in skipped_line[0]
    assert status == 0  # the honest checkpoints prove the store; the forged one is not used
