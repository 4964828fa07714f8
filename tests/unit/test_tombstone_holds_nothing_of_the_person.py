"""A purge's tombstone holds nothing of the person — the masked code only, no commitment, no
salt, the erased marks for the words (``contract.change.tombstone``) — and ``gateway listen``
keeps it for ever. Its change digest is taken over its masked form, which masks the code again,
so a tombstone delivered with the erased person's ID number in full verified against its leaf,
was stored, and verify-log said OK (review 307): now verify-log reports it, and the listener
refuses to store it."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
from builders import (
    NOW,
    RESIDENT_ID,
    gateway_signers,
    listing,
    published_tiles,
    subscription,
    tile_reader,
    tree_root,
)

from gateway.delivery.planning import payload_for, plan_deliveries, stamped
from gateway_client.contract import DeliveryPayload
from gateway_client.contract.change import purged
from gateway_client.contract.codes import mask
from gateway_client.contract.log import log_entries, sign_checkpoint
from gateway_client.log_audit import audit
from gateway_client.receiver import VerificationError, verify_delivery

REGION = "430000"
GATEWAY = gateway_signers("gw-test-1")
SUB = subscription("sub-all", region=REGION)
KEY = b"k" * 32


@pytest.fixture
def sent() -> tuple[DeliveryPayload, DeliveryPayload, object]:
    """The honest tombstone of a person's listing, one carrying the full ID number, and the
    change as logged."""
    person = listing(credit_code=RESIDENT_ID, subject_name="张某某").model_copy(
        update={"id_salt": "5a" * 16}
    )
    gone = purged(person, NOW + timedelta(days=1))
    assert gone.listing.credit_code == mask(RESIDENT_ID)  # as logged: the masked code
    [planned] = plan_deliveries(gone, [SUB], [])
    [one] = stamped([planned], {gone.change_id: 1}, lambda _sub, _count: 1)
    honest = payload_for(one, subscriber_region=REGION)
    full = gone.listing.model_copy(update={"credit_code": RESIDENT_ID})
    leaky = honest.model_copy(update={"data": gone.model_copy(update={"listing": full})})
    return honest, leaky, gone


def test_verify_log_reports_a_tombstone_carrying_the_full_id_number(sent) -> None:  # type: ignore[no-untyped-def]
    honest, leaky, gone = sent
    entries = log_entries(1, [gone])
    checkpoint = sign_checkpoint(1, tree_root(entries), NOW, GATEWAY)
    reader = tile_reader(published_tiles(entries, [1]))
    keys = [GATEWAY.ed25519.private_key.public_key()]
    later = NOW + timedelta(days=2)
    assert audit(entries, [checkpoint], keys, [honest], lambda _e: True, reader, later, 1).ok
    report = audit(entries, [checkpoint], keys, [leaky], lambda _e: True, reader, later, 1)
    assert not report.ok
    assert any("tombstone" in problem for problem in report.problems), report.problems


def _signed(payload: DeliveryPayload) -> tuple[dict[str, str], bytes]:
    raw = payload.model_dump_json().encode()
    stamp = str(int(NOW.timestamp()))
    signed = f"{payload.delivery_id}.{stamp}.".encode() + raw
    digest = base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest()).decode()
    headers = {
        "webhook-id": payload.delivery_id,
        "webhook-timestamp": stamp,
        "webhook-signature": f"v1,{digest}",
    }
    return headers, raw


def test_the_listener_refuses_to_keep_it(sent) -> None:  # type: ignore[no-untyped-def]
    honest, leaky, _ = sent
    secret = "whsec_" + base64.b64encode(KEY).decode()
    audience = {"subscription_id": SUB.subscription_id, "secret": secret}
    assert verify_delivery(*_signed(honest), NOW, **audience) == honest
    with pytest.raises(VerificationError, match="tombstone"):
        verify_delivery(*_signed(leaky), NOW, **audience)
