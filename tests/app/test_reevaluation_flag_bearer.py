"""A re-evaluation job's intensified flag goes with the subject's smallest covered listing id in
force among those it walks: one listed mid-job whose id is the smallest, on a shard the job had
walked past already, took the flag with it, and no page told it (review 131)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from app_support import (
    CREDIT_CODE,
    DAYE,
    HUNAN,
    agreement_terms,
    consume,
    create_agreement,
    daye_black_entry,
    queued_messages,
    reevaluate,
    revise_agreement,
    sqs_event,
)

import app as gateway_app
from chalicelib.dynamodb.listings import source_shard
from gateway_client.contract import ListKind
from gateway_client.contract.clock import china_date
from gateway_client.contract.identity import listing_id

COURT = ("court_defaulter", "大冶市人民法院")
TAX = ("major_tax_violation", "国家税务总局大冶市税务局")
FOOD = ("food_drug", "大冶市市场监督管理局")


def _id(domain_authority, number):
    domain, authority = domain_authority
    return listing_id(CREDIT_CODE, ListKind.BLACK, domain, authority, number)


def _shard(lid):
    return int(source_shard(DAYE, lid).split("#")[1])


def _numbers():
    """Decision numbers for A (court), B (tax), N (food) with shard(A) < shard(B),
    id(B) < id(A), shard(N) <= shard(A), id(N) < id(B)."""
    courts = [f"(2024)鄂0281执{i}号" for i in range(1, 60)]
    taxes = [f"大税稽罚〔2024〕{i}号" for i in range(1, 60)]
    foods = [f"大市监罚〔2024〕{i}号" for i in range(1, 400)]
    for a, b in itertools.product(courts, taxes):
        ia, ib = _id(COURT, a), _id(TAX, b)
        if not (_shard(ia) < _shard(ib) and ib < ia):
            continue
        for n in foods:
            i_n = _id(FOOD, n)
            if _shard(i_n) <= _shard(ia) and i_n < ib:
                return a, b, n
    raise AssertionError("no numbers found")


class _OnePage:
    """A Lambda context that lets a run walk one page, then says time is running out."""

    def __init__(self):
        self.calls = 0

    def get_remaining_time_in_millis(self):
        self.calls += 1
        return 900_000 if self.calls % 2 == 1 else 0


def _one_page(aws):
    url = aws.env["CG_REEVALUATION_QUEUE_URL"]
    event = sqs_event(aws.sqs, url, "cn-northwest-1")
    assert event["Records"], "no re-evaluation job queued"
    for record in event["Records"]:
        one = {"Records": [record]}
        gateway_app.reevaluate_agreements(one, _OnePage())
        consume(aws.sqs, url, one)


def test_flag_told_when_a_listing_is_listed_mid_job(gateway, receiver, stream, aws):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    made = create_agreement(gateway, agreement_terms(domains=["court_defaulter"]))
    assert made.status_code == 201, made.json_body
    reevaluate(aws)
    a, b, n = _numbers()
    recent = (china_date(datetime.now(UTC)) - timedelta(days=1)).isoformat()
    dated = {"decided_on": recent, "valid_from": recent}
    first = [
        daye_black_entry(decision_number=a, **dated),
        daye_black_entry(domain=TAX[0], deciding_authority=TAX[1], decision_number=b, **dated),
    ]
    assert gateway.push(daye, DAYE, first).json_body["accepted"] == 2
    gateway_app.fan_out_changes(stream.event(), None)
    flags = [
        d
        for d in queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
        if d.type == "subject.intensified"
    ]
    assert not flags  # court alone is recognised: one domain

    widened = agreement_terms(domains=[])  # every domain: court and tax, intensified
    revised = revise_agreement(gateway, made.json_body["agreement"]["agreement_id"], widened)
    assert revised.status_code == 200, revised.json_body
    _one_page(aws)  # the job walks A's shard (the flag waits for B's: id(B) < id(A))

    food = daye_black_entry(domain=FOOD[0], deciding_authority=FOOD[1], decision_number=n, **dated)
    assert gateway.push(daye, DAYE, [food]).json_body["accepted"] == 1
    gateway_app.fan_out_changes(stream.event(), None)  # no flip under the new terms
    reevaluate(aws)  # the rest of the job

    flags = [
        d
        for d in queued_messages(aws.sqs, aws.env["CG_DELIVERY_QUEUE_URL"])
        if d.type == "subject.intensified"
    ]
    shown = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}?as={HUNAN}").json_body
    assert shown["intensified"] is True
    assert flags  # told once the agreement widened
    assert flags[-1].intensified.intensified
