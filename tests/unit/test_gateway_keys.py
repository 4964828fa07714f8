"""The gateway key rotates: ``/v1/keys`` lists current, next and previous keys, and a receiver
accepts any listed key for what it signed while valid."""

from __future__ import annotations

from datetime import timedelta

import pytest
from builders import (
    NOW,
    change,
    gateway_signers,
    published_tiles,
    subscription,
    tile_reader,
    tree_root,
)
from fakes import InMemoryDeliveryLog, InMemorySubscriptionStore, RecordingTransport
from pydantic import ValidationError

from gateway.delivery.planning import plan_deliveries
from gateway.delivery.sending import DeliveryService
from gateway_client.contract.clock import FixedClock
from gateway_client.contract.errors import VerificationError
from gateway_client.contract.keys import AnyKey, GatewaySigners, PublishedKey, key_set
from gateway_client.contract.log import log_entries, sign_checkpoint
from gateway_client.contract.signing import public_key_text
from gateway_client.log_audit import AuditReport, audit
from gateway_client.receiver import verify_delivery

OLD, NEW, NEXT = gateway_signers("gw-1"), gateway_signers("gw-2"), gateway_signers("gw-3")


def published(signers: GatewaySigners, **validity: object) -> PublishedKey:
    signer = signers.ed25519
    return PublishedKey.model_validate(
        {"key_id": signer.key_id, "public_key": public_key_text(signer.private_key), **validity}
    )


def delivered_by(signer: GatewaySigners) -> tuple[dict[str, str], bytes]:
    transport = RecordingTransport()
    sub = subscription("sub-hunan")
    service = DeliveryService(
        InMemorySubscriptionStore(sub), InMemoryDeliveryLog(), transport, signer, FixedClock(NOW)
    )
    [delivery] = plan_deliveries(change(), [sub], [])
    service.deliver(delivery, 1)
    [post] = transport.posts
    return post.headers, post.body


def check(headers: dict[str, str], body: bytes, keys: list[PublishedKey]) -> None:
    verify_delivery(headers, body, NOW, subscription_id="sub-hunan", public_keys=keys)


def test_the_key_list_shows_the_current_key_first_then_next_and_previous_ones() -> None:
    keys = key_set(NEW, [published(OLD, valid_until=NOW), published(NEXT), published(NEW)])

    assert [(k.key_id, k.algorithm, k.status) for k in keys] == [
        ("gw-2", "ed25519", "current"),
        ("gw-2.sm2", "sm2", "current"),
        ("gw-1", "ed25519", "previous"),
        ("gw-3", "ed25519", "next"),
    ]
    assert keys[2].valid_until == NOW
    assert keys[1].public_key == NEW.sm2.private_key.public_key.text()


def test_a_published_key_must_be_a_whpk_public_key() -> None:
    with pytest.raises(ValidationError):
        PublishedKey(key_id="gw-1", public_key="whsk_not-a-public-key")


def test_a_delivery_signed_by_the_previous_key_verifies_while_it_is_listed() -> None:
    headers, body = delivered_by(OLD)
    listed = key_set(NEW, [published(OLD, valid_until=NOW + timedelta(hours=30))])

    check(headers, body, listed)


def test_a_delivery_signed_by_the_previous_key_fails_once_it_is_retired() -> None:
    headers, body = delivered_by(OLD)

    with pytest.raises(VerificationError):
        check(headers, body, key_set(NEW, []))


def test_a_previous_key_does_not_count_for_signatures_made_after_its_valid_until() -> None:
    headers, body = delivered_by(OLD)
    expired = key_set(NEW, [published(OLD, valid_until=NOW - timedelta(minutes=1))])

    with pytest.raises(VerificationError):
        check(headers, body, expired)


def test_a_next_key_published_before_the_switch_verifies_the_first_deliveries_after_it() -> None:
    headers, body = delivered_by(NEXT)

    check(headers, body, key_set(NEW, [published(NEXT)]))


def test_checkpoints_of_a_previous_key_verify_and_a_retired_keys_are_skipped_not_failed() -> None:
    entries = log_entries(1, [change()])
    by_old = sign_checkpoint(1, tree_root(entries), NOW, OLD)
    read = tile_reader(published_tiles(entries, [1]))

    def run(keys: list[AnyKey]) -> AuditReport:
        return audit(entries, [by_old], keys, [], _all, read, NOW)

    listed = run(key_set(NEW, [published(OLD, valid_until=NOW)]))
    retired = run(key_set(NEW, []))

    assert (listed.verified_through, listed.problems, listed.skipped_checkpoints) == (1, (), ())
    # Nothing trusted is left, so nothing is vouched for, and the audit says why.
    assert (retired.verified_through, retired.skipped_checkpoints) == (0, (1,))
    assert retired.problems == (
        "no checkpoint signed by a listed gateway key (ed25519) covers the stored "
        "deliveries; skipped: [1]",
    )


def _all(_entry: object) -> bool:
    return True
