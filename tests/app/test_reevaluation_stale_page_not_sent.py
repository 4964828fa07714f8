"""Two re-evaluations of one agreement racing: job A (rev1→rev2, a narrowing) reads the
region's agreements when its page starts and queues that page's changes at its end; a revision
saved meanwhile (rev3, back to rev1's terms) whose own job B runs in that window is queued first,
and A's page, worked out on rev2, after it. A's restatements no longer say what the region
recognises when they are attempted: they are settled dead, ``superseded``, never sent, so the
subscriber's last word is rev3's (review 295: "not recognised", though rev3 recognises)."""

from __future__ import annotations

import json

import pytest
from app_support import (
    DAYE,
    HUNAN,
    agreement_terms,
    create_agreement,
    reevaluate,
    revise_agreement,
    two_daye_subjects,
)
from reevaluation_race import reevaluated_racing

import app as gateway_app


@pytest.mark.roles_unchecked
def test_the_last_recognition_received_is_the_one_in_force(gateway, aws, receiver, stream, queue):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert made.status_code == 201
    assert gateway.push(daye, DAYE, two_daye_subjects()).json_body["accepted"] == 2
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()

    rev1 = agreement_terms()
    agreement_id = create_agreement(gateway, rev1).json_body["agreement"]["agreement_id"]
    reevaluate(aws)
    queue.run()
    receiver.requests.clear()

    narrowed = agreement_terms(domains=["food_drug"])  # court defaulters no longer covered
    assert revise_agreement(gateway, agreement_id, narrowed).status_code == 200  # job A

    def job_b() -> None:  # A's page is computed; before it is queued, rev3 and job B
        assert revise_agreement(gateway, agreement_id, rev1).status_code == 200
        reevaluate(aws)  # job B runs (another invocation)

    reevaluated_racing(aws, bool, job_b)  # job A

    for _ in range(3):  # deliver everything queued (a failure is retried by the next run)
        queue.run()
    last: dict[str, bool] = {}
    told: dict[str, list[tuple[str, bool]]] = {}
    for r in receiver.requests:  # as the subscriber received them, in order
        body = json.loads(r.body)
        listing_id = body["data"]["listing"]["listing_id"]
        recognised = body["recognition"]["recognised"]
        last[listing_id] = recognised
        told.setdefault(listing_id, []).append((body["type"], recognised))
    assert last, "nothing received"
    assert all(last.values()), f"received, in order: {told} (rev3, in force, recognises)"
    dead = gateway.client.http.get(
        f"/v1/subscriptions/{made.json_body['subscription_id']}/deliveries?state=dead",
        headers=gateway.operator(),
    ).json_body["deliveries"]
    assert dead
    assert {d["attempts"][-1]["not_sent"] for d in dead} == {"superseded"}
