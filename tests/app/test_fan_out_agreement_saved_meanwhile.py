"""An agreement signed while a listing's fan-out is under way (its agreements read, its
checkpoint being published, nothing queued yet). The listing was accepted before the revision
committed, so the re-evaluation job reports it, recognised, and queues that first; the fan-out
reads the agreements again before it queues, and plans the batch again on the new one, so the
subscriber's last word is "recognised" (review 295: its listing.changed, planned before the
agreement existed, said "not recognised" last)."""

from __future__ import annotations

import json

import pytest
from app_support import (
    DAYE,
    HUNAN,
    agreement_terms,
    create_agreement,
    reevaluate,
    two_daye_subjects,
)

import app as gateway_app
from chalicelib import bootstrap


@pytest.mark.roles_unchecked
def test_the_last_word_is_the_agreement_in_force(gateway, aws, receiver, stream, queue):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
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

    for _ in range(3):  # the delivery function, until everything queued is delivered
        queue.run()
    told: dict[str, list[tuple[str, bool]]] = {}
    for r in receiver.requests:  # as the subscriber received them, in order
        body = json.loads(r.body)
        told.setdefault(body["data"]["listing"]["listing_id"], []).append(
            (body["type"], body["recognition"]["recognised"])
        )
    assert told, "nothing received"
    last = {k: v[-1][1] for k, v in told.items()}
    assert all(last.values()), f"received, in order: {told}"
