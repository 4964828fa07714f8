"""``gateway listen`` erases a purged listing's lines at its tombstone however the gateway wrote
them (review 307): a line whose ``occurred_at`` was seconds since 1970 (the delivery model reads
it, the leaf is the same) was read as no delivery, and one naming its listing id through a JSON
escape was passed over by the byte search for the id — each kept past its retention, at the
tombstone and at every start, while verify-log said OK."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from batch_support import GATEWAY, HUNAN, batched, changes, numbered
from builders import NOW

from gateway.delivery.planning import payload_for
from gateway.delivery.webhook_signing import webhook_headers
from gateway_client.contract import DeliveryPayload, load_public_key, public_key_text
from gateway_client.contract.change import purged
from gateway_client.delivery_store import DeliveryStore
from gateway_client.listener import Listener
from gateway_client.receiver import Audience
from gateway_client.subscriber_files import read_deliveries

GATEWAY_KEY = load_public_key(public_key_text(GATEWAY.ed25519.private_key))


def _seconds(first: DeliveryPayload) -> bytes:
    raw = json.loads(first.to_bytes())
    raw["data"]["occurred_at"] = int(first.data.occurred_at.timestamp())  # the same instant
    return json.dumps(raw, ensure_ascii=False, sort_keys=True).encode()


def _escaped(first: DeliveryPayload) -> bytes:
    listing_id = first.data.listing.listing_id
    return first.to_bytes().replace(
        f'"listing_id": "{listing_id}"'.encode(),
        f'"listing_id": "\\u006c{listing_id[1:]}"'.encode(),
    )


@pytest.mark.parametrize("spelled", [_seconds, _escaped], ids=["occurred-at-in-seconds", "escaped"])
def test_a_line_in_another_spelling_is_erased_at_its_tombstone(
    tmp_path: Path, spelled: Callable[[DeliveryPayload], bytes]
) -> None:
    target = batched().model_copy(update={"delivery_mode": "single"})
    [made] = changes(1)
    [planned] = numbered([made], [target], first_log=1)
    first = payload_for(planned, subscriber_region=HUNAN)
    body = spelled(first)
    assert DeliveryPayload.model_validate_json(body) == first  # the same delivery, as read
    gone = purged(made.listing, NOW + timedelta(days=1))
    tomb = first.model_copy(
        update={"data": gone, "delivery_id": "msg_" + "7" * 32, "log_sequence": 2, "sequence": 2}
    )
    stamp, store, said = int(NOW.timestamp()), tmp_path / "d.ndjson", []
    listener = Listener(
        Audience(target.subscription_id, HUNAN),
        DeliveryStore(store),
        lambda: [GATEWAY_KEY],
        said.append,
        lambda: float(stamp),
    )
    for sent, raw in ((first, body), (tomb, tomb.to_bytes())):
        headers = webhook_headers(target, GATEWAY, sent.delivery_id, stamp, raw)
        assert listener.handle(headers, raw)[0] == 204, said

    DeliveryStore(store)  # a restart finishes an erasure a crash stopped: not this one
    kept = [d.delivery_id for d in read_deliveries(store) if d.data.type != "purged"]
    assert kept == [], f"the purged listing's line {kept} is still stored"
