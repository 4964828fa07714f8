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
from lifecycle_support import Lifecycle
from personal_support import PERSON, REPRESENTATIVE_ID, Askers, company_entry, person_entry
from test_batched_delivery_routes import fetching

import app as gateway_app
from gateway_client.contract import mask
from gateway_client.contract.listing import WITHHELD

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


def test_the_body_route_shows_what_the_retry_withheld_as_withheld(
    gateway: Gateway, aws: Any, stream: StreamReader, queue: DeliveryQueue
) -> None:
    """An objection's reason a retry withheld after the agreement ended is withheld from the
    delivery's body too: the route shows what the region may see today (review 199: it
    rebuilt the delivery as first planned and masked ID numbers only)."""
    reason = "本人患重病住院期间无法履行，附医院诊断证明"
    askers = Askers(gateway).register()
    with AnsweringReceiver() as hook, AnsweringReceiver() as objectors:
        subscribe(gateway, hook.url, region=HUNAN, retry_schedule_seconds=[0, 0, 0])
        subscribe(gateway, objectors.url, region="440000")  # delivered it masked: may object
        entry = company_entry()
        [listing_id] = askers.push("owner", entry)
        gateway_app.fan_out_changes(stream.event(), None)
        queue.run()
        objector = askers.signers["no_agreement"]
        filed = Lifecycle(gateway).file_objection(
            entry["credit_code"], listing_id, "o-199", objector, reason=reason
        )
        assert filed.status_code == 201, filed.json_body
        hook.answer(500, "down")
        gateway_app.fan_out_changes(stream.event(), None)
        queue.run()
        [objected] = [
            json.loads(r.body)
            for r in hook.requests
            if json.loads(r.body)["data"]["type"] == "objection_filed"
        ]
        assert objected["data"]["listing"]["objection"]["reason"] == reason  # recognised then
        for agreement in gateway.client.http.get("/v1/agreements").json_body["agreements"]:
            if agreement["subscriber_region"] == HUNAN:
                end_agreement(gateway, agreement["agreement_id"])
        reevaluate(aws)
        hook.answer(204)
        for _ in range(3):
            queue.run()
        *_, retried = [
            json.loads(r.body)
            for r in hook.requests
            if json.loads(r.body)["delivery_id"] == objected["delivery_id"]
        ]
        assert retried["data"]["listing"]["objection"]["reason"] == WITHHELD

    path = f"/v1/deliveries/{objected['delivery_id']}/body"
    shown = gateway.send_signed("GET", path, askers.signers["agreement"])

    assert shown.status_code == 200, shown.json_body
    assert shown.json_body["body"]["data"]["listing"]["objection"]["reason"] == WITHHELD


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
