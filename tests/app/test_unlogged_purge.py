"""A purge the log never recorded (review 123): the gateway's key signs a
``recognition.changed`` (a restatement: no ``log_sequence``) whose change is a ``purged``
tombstone of a listing still in force. An honest gateway never sends one: every purge is a
logged ``listing.changed``. ``gateway listen`` took it for a tombstone and erased the province's
copy, recording the erasure, and ``verify-log`` vouched for the erased entry by that record and
said OK: a listing gone from one province's copy, outside the log every other region audits."""

from __future__ import annotations

import json
from typing import Any

from test_verify_log_hostile_deliveries import listened, signed_by_gateway
from test_verify_log_signatures import verify_log

from gateway_client import log_verifier
from gateway_client.contract import Change, purged
from gateway_client.subscriber_files import read_deliveries


def _unlogged_tombstone(webhook_body: bytes) -> dict[str, Any]:
    body = json.loads(webhook_body)
    listing = Change.model_validate(body["data"]).listing
    tomb = purged(listing, Change.model_validate(body["data"]).occurred_at)
    body["type"] = "recognition.changed"
    body["delivery_id"] = "msg_" + "f" * 32
    body["data"] = tomb.model_dump(mode="json")
    body.pop("log_sequence", None)
    body["sequence"] += 1
    return body


def test_an_unlogged_purge_restatement_does_not_erase_the_provinces_copy(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch, tmp_path
):
    _, keys, listener, webhook = listened(gateway, aws, stream, hook, monkeypatch, tmp_path)
    listing_id = json.loads(webhook.body)["data"]["listing"]["listing_id"]

    listener.handle(*signed_by_gateway(gateway, keys, _unlogged_tombstone(webhook.body)))

    kept = [
        d
        for d in read_deliveries(tmp_path / "d.ndjson")
        if d.data.listing.listing_id == listing_id and d.log_sequence is not None
    ]
    assert kept, "an unlogged 'purge' (no log entry) erased the logged delivery of the listing"


def test_verify_log_fails_after_an_unlogged_purge_erased_a_listing(  # type: ignore[no-untyped-def]
    gateway, aws, stream, hook, monkeypatch, tmp_path, capsys
):
    sub, keys, listener, webhook = listened(gateway, aws, stream, hook, monkeypatch, tmp_path)
    assert (
        listener.handle(*signed_by_gateway(gateway, keys, _unlogged_tombstone(webhook.body)))[0]
        == 204
    )
    honest_get = log_verifier._get

    def lying(client: object, path: str) -> Any:
        body = honest_get(client, path)
        return {**body, "erased": [1]} if path.startswith("/v1/log?") else body

    monkeypatch.setattr(log_verifier, "_get", lying)

    code, out = verify_log(sub, tmp_path, capsys, "--strict", "--require-signatures")

    assert code != 0, out
    assert "without a log entry: every purge is a logged listing change" in out
