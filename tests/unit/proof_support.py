"""A subscriber's store as `gateway listen` keeps it — deliveries signed by the gateway of
``batch_support``, singly and in batch files — and `gateway verify-log`'s re-verification of
it (``proof_audit``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from batch_support import GATEWAY, HUNAN, BatchGateway
from builders import NOW, subscription
from fakes import InMemoryDeliveryLog, InMemorySubscriptionStore, RecordingTransport

from gateway.delivery import Delivery, DeliveryService, Subscription
from gateway_client.batch_receiver import FileUnavailable
from gateway_client.contract import FixedClock, PublishedKey, public_key_text
from gateway_client.delivery_store import DeliveryStore
from gateway_client.listener import Listener
from gateway_client.proof_audit import ProofFindings, StoredCopy
from gateway_client.receiver import Audience
from gateway_client.subscriber_files import read_kept, read_stored

ED25519 = PublishedKey(key_id="gw-1", public_key=public_key_text(GATEWAY.ed25519.private_key))
SM2 = PublishedKey(
    key_id="gw-1.sm2",
    algorithm="sm2",
    public_key=GATEWAY.sm2.private_key.public_key.text() if GATEWAY.sm2 else "",
)


def listening(
    store: Path,
    files: dict[str, bytes] | None = None,
    secret: str | None = None,
    keys: Sequence[PublishedKey] = (ED25519,),
) -> Listener:
    """湖南's `gateway listen`, fetching batch files from ``files`` by their link."""

    def fetch(url: str, size: int) -> bytes:
        key = url.split("?")[0].removeprefix("https://archive.example.cn/")
        if key not in (files or {}):
            raise FileUnavailable("GET of the batch file answered 404")
        return (files or {})[key]

    audience = Audience("sub-hunan", HUNAN, secret=secret)
    return Listener(
        audience, DeliveryStore(store), lambda: keys, lambda _: None, NOW.timestamp, fetch
    )


def signed_singly(delivery: Delivery, target: Subscription | None = None) -> tuple[Any, bytes]:
    """The webhook the gateway posts for ``delivery`` alone, to ``target`` (湖南's, ``v1a``)."""
    to = target or subscription("sub-hunan", region=HUNAN)
    service = DeliveryService(
        InMemorySubscriptionStore(to),
        InMemoryDeliveryLog(),
        RecordingTransport(),
        GATEWAY,
        FixedClock(NOW),
    )
    return service.signed_request(delivery, to, NOW)


def announced(gateway: BatchGateway, lines: list[Delivery]) -> tuple[Any, bytes, dict[str, bytes]]:
    """A batch webhook for ``lines``, and the files the bucket held (settled, it deletes them)."""
    batch = gateway.batch_of(lines)
    held = dict(gateway.files.files)
    headers, body = gateway.announce(batch)
    return headers, body, held


def reverified(
    store: Path,
    keys: Sequence[PublishedKey] = (ED25519,),
    secrets: tuple[str, ...] = (),
    required: bool = False,
) -> ProofFindings:
    """What `gateway verify-log` finds of the signatures kept beside ``store``."""
    copy = StoredCopy(tuple(read_stored(store)), read_kept(store), secrets, required)
    return copy.reverify(keys)


def edit_line(store: Path, number: int, edit: Callable[[dict[str, Any]], None]) -> str:
    """Edit the ``number``-th stored line's JSON in place (someone with the disk); its id."""
    lines = store.read_bytes().split(b"\n")
    found = json.loads(lines[number])
    edit(found)
    lines[number] = json.dumps(found, ensure_ascii=False, sort_keys=True).encode()
    store.write_bytes(b"\n".join(lines))
    return str(found["delivery_id"])


def flip_recognition(delivery: dict[str, Any]) -> None:
    """Not recognised made recognised (or back): whether joint punishment applies."""
    recognition = delivery["recognition"]
    recognition["recognised"] = not recognition["recognised"]
