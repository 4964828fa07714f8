"""An agreement signed while a listing's fan-out is under way (its agreements read, its
checkpoint being published, nothing queued yet). The listing was accepted before the revision
committed, so the re-evaluation job reports it, recognised, and queues that first; the fan-out
reads the agreements again before it queues, and plans the batch again on the new one, so the
subscriber's last word is "recognised" (review 295: its listing.changed, planned before the
agreement existed, said "not recognised" last). A batched subscription's file is written again
too (review 396: the file the first plan wrote was kept under its key, and announced)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from app_support import (
    DAYE,
    HUNAN,
    agreement_terms,
    create_agreement,
    reevaluate,
    two_daye_subjects,
)
from delivery_support import Reply

import app as gateway_app
from chalicelib import bootstrap
from gateway_client.contract import BATCH_EVENT


def _signed_meanwhile(gateway, aws, stream, url: str, mode: str) -> None:  # type: ignore[no-untyped-def]
    """湖南 subscribed (``mode``), two listings pushed, and an agreement recognising them
    signed (its re-evaluation run) while their fan-out publishes."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    made = gateway.subscribe_as_operator(region=HUNAN, url=url, delivery_mode=mode)
    assert made.status_code == 201, made.json_body
    assert gateway.push(daye, DAYE, two_daye_subjects()).json_body["accepted"] == 2

    fan_out = bootstrap.container().fan_out
    publish = fan_out.publish
    signed = {"done": False}

    def publishing() -> object:
        # the fan-out has read the agreements (none) and is publishing its checkpoint
        if not signed["done"]:
            signed["done"] = True
            assert create_agreement(gateway, agreement_terms()).status_code == 201
            reevaluate(aws)  # the job's Lambda, triggered at once
        return publish()

    fan_out.publish = publishing  # type: ignore[method-assign]
    try:
        gateway_app.fan_out_changes(stream.event(), None)
    finally:
        fan_out.publish = publish  # type: ignore[method-assign]
    assert signed["done"]


def _last_words(shown: list[dict[str, Any]]) -> dict[str, bool]:
    """Each listing's last recognition, of the changes as the subscriber received them."""
    told: dict[str, list[tuple[str, bool]]] = {}
    for x in shown:
        told.setdefault(x["data"]["listing"]["listing_id"], []).append(
            (x["type"], x["recognition"]["recognised"])
        )
    assert told, "nothing received"
    return {k: v[-1][1] for k, v in told.items()}


@pytest.mark.roles_unchecked
def test_the_last_word_is_the_agreement_in_force(gateway, aws, receiver, stream, queue):
    _signed_meanwhile(gateway, aws, stream, receiver.url, "single")

    for _ in range(3):  # the delivery function, until everything queued is delivered
        queue.run()

    last = _last_words([json.loads(r.body) for r in receiver.requests])
    assert all(last.values()), last


def _fetching(aws: Any, files: dict[str, bytes]) -> Any:
    """A receiver that fetches a batch's file by its link, as a subscriber does."""

    def reply(received: Any) -> Reply:
        body = json.loads(received.body)
        if body.get("type") == BATCH_EVENT:
            bucket = aws.env["CG_ARCHIVE_BUCKET"]
            path = unquote(urlsplit(body["url"]).path).lstrip("/")
            key = path.removeprefix(f"{bucket}/")
            files[body["batch_id"]] = aws.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return Reply(204)

    return reply


@pytest.mark.roles_unchecked
def test_a_batched_subscriptions_last_word_is_the_agreement_in_force(
    gateway, aws, hook, stream, queue
):
    files: dict[str, bytes] = {}
    hook.reply = _fetching(aws, files)
    _signed_meanwhile(gateway, aws, stream, hook.url, "batched")

    for _ in range(4):
        queue.run()

    shown: list[dict[str, Any]] = []
    for r in hook.requests:  # in order, a file's lines in it
        body = json.loads(r.body)
        if body.get("type") == BATCH_EVENT:
            shown += [json.loads(x) for x in files[body["batch_id"]].split(b"\n") if x.strip()]
        elif "data" in body:
            shown.append(body)
    last = _last_words(shown)
    assert all(last.values()), last
