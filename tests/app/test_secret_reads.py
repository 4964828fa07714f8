"""Each deployed function may read only the secrets its handlers use (``infra/package.py``), so
building the container reads none: each is fetched from Secrets Manager on its first use."""

from __future__ import annotations

import os
from typing import Any

import pytest

from chalicelib import bootstrap, secret_reads
from chalicelib.settings import Settings
from gateway_client.contract import identity
from gateway_client.contract.catalogue import ListKind
from gateway_client.contract.clock import SystemClock
from gateway_client.contract.signing import generate_signing_key

SECRETS = {
    "signing": generate_signing_key(),
    "operator": "o" * 32,
    "trail": "t" * 64,
    "identity": "i" * 64,
}


class RecordingSecrets:
    def __init__(self) -> None:
        self.read: list[str] = []

    def get_secret_value(self, SecretId: str) -> dict[str, str]:
        self.read.append(SecretId)
        return {"SecretString": SECRETS[SecretId]}


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> tuple[bootstrap.Container, RecordingSecrets]:
    secrets = RecordingSecrets()
    # the settings come from these alone: a local stack a test before left running (the demo's
    # world lasts the session) would set an inline signing key, which is then never read
    for name in [n for n in os.environ if n.startswith("CG_")]:
        monkeypatch.delenv(name)
    real = bootstrap._client

    def client(settings: Settings, service: str) -> Any:
        return secrets if service == "secretsmanager" else real(settings, service)

    monkeypatch.setattr(bootstrap, "_client", client)
    # build() installs the listing-id key source for the process: put the tests' back after
    monkeypatch.setattr(identity, "_identity_source", identity._identity_source)
    tables = ("registry", "batches", "listings", "subscriptions", "agreements", "deliveries")
    names = {
        f"{t}_table": t for t in (*tables, "feedback", "exchange_log", "query_trail", "persons")
    }
    settings = Settings(
        stage="prod",
        **names,
        uploads_table="uploads",
        delivery_queue_url="https://sqs.example/deliveries.fifo",
        delivery_dlq_url="https://sqs.example/dead.fifo",
        upload_queue_url="https://sqs.example/uploads",
        reevaluations_table="reevaluations",
        reevaluation_queue_url="https://sqs.example/reevaluations",
        archive_bucket="archive",
        signing_key_id="gw-1",
        signing_key_secret_arn="signing",
        operator_token_secret_arn="operator",
        trail_key_secret_arn="trail",
        identity_key_secret_arn="identity",
    )
    return bootstrap.build(settings, SystemClock()), secrets


def test_building_the_container_reads_no_secret(built):
    _, secrets = built
    assert secrets.read == []


def test_each_secret_is_read_once_on_its_first_use(built):
    container, secrets = built
    container.signers.ed25519.sign("msg", 1, b"{}")
    container.signers.ed25519.sign("msg", 2, b"{}")
    assert secrets.read == ["signing"]
    assert container.operator_token == SECRETS["operator"]
    assert container.operator_token == SECRETS["operator"]
    assert secrets.read == ["signing", "operator"]
    container.trail_key()
    container.trail_key()
    assert secrets.read == ["signing", "operator", "trail"]


def test_the_identity_key_is_read_when_an_id_is_first_derived(built):
    _, secrets = built
    identity.listing_id("91110000100000000X", ListKind.BLACK, "tax", "税务局", "税罚〔2024〕1号")
    identity.listing_id("91110000100000000X", ListKind.BLACK, "tax", "税务局", "税罚〔2024〕2号")
    assert secrets.read == ["identity"]


def test_the_operator_token_is_read_again_once_a_minute(built, monkeypatch):
    """Changed after a leak, the old token stops working on a running function within the
    minute, not when AWS recycles the container (review 100 F1)."""
    container, secrets = built
    ticks = iter([0.0, 30.0, 61.0, 62.0])
    monkeypatch.setattr(secret_reads.time, "monotonic", lambda: next(ticks))
    reads = [container.operator_token for _ in range(4)]

    assert reads == [SECRETS["operator"]] * 4
    assert secrets.read == ["operator", "operator"]  # first, and once the minute had passed


def test_a_failed_re_read_keeps_the_token_read_last_for_ten_minutes_at_most(monkeypatch):
    """A moment's throttling fails no operator call; a lasting outage keeps no changed token
    (review 101 F3)."""

    class Failing:
        answers = iter([{"SecretString": "o" * 32}])

        def get_secret_value(self, SecretId: str) -> dict[str, str]:
            found = next(self.answers, None)
            if found is None:
                raise RuntimeError("ThrottlingException")
            return found

    ticks = iter([0.0, 61.0, 599.0, 661.0])
    monkeypatch.setattr(secret_reads.time, "monotonic", lambda: next(ticks))
    read = secret_reads.fresh_secret(Failing(), None, "arn:operator")

    assert [read(), read(), read()] == ["o" * 32] * 3  # read, kept at 61 s, kept at 599 s
    with pytest.raises(RuntimeError):
        read()  # 661 s after the last read: no longer kept
