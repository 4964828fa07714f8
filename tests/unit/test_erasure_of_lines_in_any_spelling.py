"""``gateway listen`` erases a purged listing's lines at its tombstone however the gateway wrote
them (review 307): a line whose ``occurred_at`` was seconds since 1970 (the delivery model reads
it, the leaf is the same) was read as no delivery, and one naming its listing id through a JSON
escape was passed over by the byte search for the id — each kept past its retention, at the
tombstone and at every start, while verify-log said OK."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from batch_support import GATEWAY, HUNAN, batched, changes, numbered
from builders import NOW, published_tiles, tile_reader, tree_root

from gateway.delivery.planning import payload_for
from gateway.delivery.webhook_signing import webhook_headers
from gateway_client.contract import load_public_key, public_key_text
from gateway_client.contract.change import purged
from gateway_client.contract.log import log_entries, sign_checkpoint
from gateway_client.delivery_store import DeliveryStore
from gateway_client.listener import Listener
from gateway_client.log_audit import audit
from gateway_client.receiver import Audience
from gateway_client.subscriber_files import read_deliveries

GATEWAY_KEY = load_public_key(public_key_text(GATEWAY.ed25519.private_key))


def test_a_listing_delivered_with_a_numeric_occurred_at_is_erased_at_its_tombstone(
    tmp_path: Path,
) -> None:
    target = batched().model_copy(update={"delivery_mode": "single"})
    [made] = changes(1)
    [planned] = numbered([made], [target], first_log=1)
    first = payload_for(planned, subscriber_region=HUNAN)
    raw = json.loads(first.to_bytes())
    raw["data"]["occurred_at"] = int(made.occurred_at.timestamp())  # the same instant
    body = json.dumps(raw, ensure_ascii=False, sort_keys=True).encode()
    stamp = int(NOW.timestamp())

    gone = purged(made.listing, NOW + timedelta(days=1))
    tomb = first.model_copy(
        update={"data": gone, "delivery_id": "msg_" + "7" * 32, "log_sequence": 2, "sequence": 2}
    )
    tomb_body = tomb.to_bytes()

    store = tmp_path / "d.ndjson"
    said: list[str] = []
    listener = Listener(
        Audience(target.subscription_id, HUNAN),
        DeliveryStore(store),
        lambda: [GATEWAY_KEY],
        said.append,
        lambda: float(stamp),
    )
    assert (
        listener.handle(webhook_headers(target, GATEWAY, first.delivery_id, stamp, body), body)[0]
        == 204
    )
    headers = webhook_headers(target, GATEWAY, tomb.delivery_id, stamp, tomb_body)
    assert listener.handle(headers, tomb_body)[0] == 204, said

    stored = read_deliveries(store)
    # verify-log, for what the store now holds: the change and its tombstone, both genuine
    entries = log_entries(1, [made, gone])
    checkpoint = sign_checkpoint(2, tree_root(entries), NOW, GATEWAY)
    reader = tile_reader(published_tiles(entries, [2]))
    report = audit(
        entries,
        [checkpoint],
        [GATEWAY.ed25519.private_key.public_key()],
        stored,
        lambda _e: True,
        reader,
        NOW + timedelta(days=2),
        1,
    )
    kept = [d.delivery_id for d in stored if d.data.type != "purged"]
    assert kept == [], (
        f"the purged listing's line {kept} is still stored and verify-log says {report.problems}"
    )


def test_a_listing_id_written_with_a_json_escape_is_erased_at_its_tombstone(tmp_path: Path) -> None:
    """The same through ``DeliveryStore._erase``'s byte search for the listing id: a body that
    spells one character of it as a JSON escape (the same JSON, the same leaf) is skipped."""
    target = batched().model_copy(update={"delivery_mode": "single"})
    [made] = changes(1)
    [planned] = numbered([made], [target], first_log=1)
    first = payload_for(planned, subscriber_region=HUNAN)
    listing_id = made.listing.listing_id
    body = first.to_bytes().replace(
        f'"listing_id": "{listing_id}"'.encode(),
        f'"listing_id": "\\u006c{listing_id[1:]}"'.encode(),
    )
    assert json.loads(body) == json.loads(first.to_bytes())  # the same JSON document
    stamp = int(NOW.timestamp())
    gone = purged(made.listing, NOW + timedelta(days=1))
    tomb = first.model_copy(
        update={"data": gone, "delivery_id": "msg_" + "7" * 32, "log_sequence": 2, "sequence": 2}
    )
    tomb_body = tomb.to_bytes()
    store = tmp_path / "d.ndjson"
    said: list[str] = []
    listener = Listener(
        Audience(target.subscription_id, HUNAN),
        DeliveryStore(store),
        lambda: [GATEWAY_KEY],
        said.append,
        lambda: float(stamp),
    )
    assert (
        listener.handle(webhook_headers(target, GATEWAY, first.delivery_id, stamp, body), body)[0]
        == 204
    )
    headers = webhook_headers(target, GATEWAY, tomb.delivery_id, stamp, tomb_body)
    assert listener.handle(headers, tomb_body)[0] == 204, said
    DeliveryStore(store)  # a restart finishes an erasure a crash stopped: not this one
    kept = [d.delivery_id for d in read_deliveries(store) if d.data.type != "purged"]
    assert kept == [], f"the purged listing's line {kept} is still stored"
