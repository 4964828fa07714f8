"""A delivery queued while its region recognised the listing, and still being retried when the
agreement ended, goes out masked: a single delivery at its next attempt, a batched one in its
file before it is announced again — as a replay or a re-drive would be (review 46f: both went
out with the person's ID number in full after the agreement had ended)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from app_support import HUNAN, Gateway, StreamReader, end_agreement, reevaluate
from delivery_support import AnsweringReceiver, DeliveryQueue, subscribe
from personal_support import PERSON, REPRESENTATIVE_ID, Askers, company_entry, person_entry
from test_batched_delivery_routes import fetching

import app as gateway_app
from gateway_client.contract import mask

FULL = (PERSON, REPRESENTATIVE_ID)


@pytest.fixture
def endpoints() -> Iterator[dict[str, AnsweringReceiver]]:
    started = {name: AnsweringReceiver() for name in ("single", "batched")}
    for receiver in started.values():
        receiver.start()
    yield started
    for receiver in started.values():
        receiver.stop()


def test_a_retry_after_the_agreement_ended_sends_no_id_number_in_full(
    gateway: Gateway,
    aws: Any,
    stream: StreamReader,
    queue: DeliveryQueue,
    endpoints: dict[str, AnsweringReceiver],
) -> None:
    askers = Askers(gateway).register()  # 湖南 recognises 湖北's lists by an agreement
    files: dict[str, bytes] = {}
    for mode, receiver in endpoints.items():
        subscribe(
            gateway,
            receiver.url,
            region=HUNAN,
            delivery_mode=mode,
            retry_schedule_seconds=[0, 0, 0],
        )
        receiver.answer(500, "down")
    askers.push("owner", person_entry(), company_entry(decision_number="(2024)鄂0281执999号"))
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    first = {mode: len(r.requests) for mode, r in endpoints.items()}
    assert all(first.values())
    sent_in_full = b"".join(r.body for r in endpoints["single"].requests)
    assert PERSON.encode() in sent_in_full  # recognised while the agreement held
    listed = gateway.client.http.get("/v1/agreements").json_body["agreements"]
    for agreement in listed:
        if agreement["subscriber_region"] == HUNAN:
            end_agreement(gateway, agreement["agreement_id"])
    reevaluate(aws)

    for receiver in endpoints.values():
        receiver.reply = fetching(aws, files)
    for _ in range(4):
        queue.run()

    later = [x.body for mode, r in endpoints.items() for x in r.requests[first[mode] :]]
    assert later
    assert files  # the batch announced again, its file fetched
    text = b"".join([*later, *files.values()]).decode()
    assert not [x for x in FULL if x in text]
    changed = [json.loads(b) for b in later if json.loads(b)["type"] == "listing.changed"]
    assert changed  # the single deliveries retried, not only the re-evaluation's events
    assert mask(PERSON) in text


def test_a_body_shown_otherwise_than_posted_carries_no_signature(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue
) -> None:
    """A person's listing delivered in full, its agreement ended since: the body route shows it
    masked, a body never posted, so without a signature (review 200: one dated at the latest
    attempt covered it)."""
    askers = Askers(gateway).register()
    with AnsweringReceiver() as hook:
        subscribe(gateway, hook.url, region=HUNAN)
        askers.push("owner", person_entry())
        gateway_app.fan_out_changes(stream.event(), None)
        queue.run()
        [posted] = [json.loads(r.body) for r in hook.requests if PERSON.encode() in r.body]
    for agreement in gateway.client.http.get("/v1/agreements").json_body["agreements"]:
        if agreement["subscriber_region"] == HUNAN:
            end_agreement(gateway, agreement["agreement_id"])
    reevaluate(aws)

    path = f"/v1/deliveries/{posted['delivery_id']}/body"
    shown = gateway.send_signed("GET", path, askers.signers["agreement"])

    assert shown.status_code == 200, shown.json_body
    assert PERSON not in json.dumps(shown.json_body, ensure_ascii=False)
    assert "webhook-signature" not in shown.json_body["headers"]
