"""A batch announcement signs where its file's changes lie in the exchange log
(``first_log_sequence`` … ``last_log_sequence``: what a receiver replays should the file be
lost, what the gateway's records index the batch by), yet ``gateway listen`` never compared it
with the lines (review 307): a file whose lines lie elsewhere in the log than announced was
stored as proven. Now it is refused, and nothing of it is stored."""

from __future__ import annotations

import json
from pathlib import Path

from batch_support import GATEWAY, HUNAN, BatchGateway, changes, numbered
from builders import NOW

from gateway.delivery.webhook_signing import webhook_headers
from gateway_client.batch_receiver import FileUnavailable
from gateway_client.contract import BatchAnnouncement, load_public_key, public_key_text
from gateway_client.delivery_store import DeliveryStore
from gateway_client.listener import Listener
from gateway_client.receiver import Audience
from gateway_client.subscriber_files import read_deliveries

GATEWAY_KEY = load_public_key(public_key_text(GATEWAY.ed25519.private_key))


def test_a_batch_whose_lines_lie_outside_its_announced_log_range_is_refused(tmp_path: Path) -> None:
    gateway = BatchGateway()
    planned = numbered(changes(3), [gateway.target], first_log=40)  # log entries 40-42
    batch = gateway.batch_of(planned)
    files = dict(gateway.files.files)  # the bucket as the link serves it (deleted once settled)
    _, body = gateway.announce(batch)
    honest = BatchAnnouncement.model_validate_json(body)
    assert (honest.first_log_sequence, honest.last_log_sequence) == (40, 42)
    # the same file, announced (and signed) as log entries 7-9
    lying = honest.model_copy(update={"first_log_sequence": 7, "last_log_sequence": 9}).to_bytes()
    signed = webhook_headers(gateway.target, GATEWAY, honest.batch_id, int(NOW.timestamp()), lying)

    def fetch(url: str, size: int) -> bytes:
        key = url.split("?")[0].removeprefix("https://archive.example.cn/")
        if key not in files:
            raise FileUnavailable("404")
        return files[key]

    said: list[str] = []
    listener = Listener(
        Audience("sub-hunan", HUNAN),
        DeliveryStore(tmp_path / "d.ndjson"),
        lambda: [GATEWAY_KEY],
        said.append,
        lambda: NOW.timestamp(),
        fetch,
    )
    status, _ = listener.handle(signed, lying)

    assert json.loads(lying)["first_log_sequence"] == 7
    assert status == 401, f"stored as proven: {said}"
    assert read_deliveries(tmp_path / "d.ndjson") == []
