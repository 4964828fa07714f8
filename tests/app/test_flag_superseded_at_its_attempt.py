"""A subject's intensified-punishment flag is judged again at its attempt, on the subject as
stored (review 300): two re-evaluations racing (rev1 -> rev2, a narrowing that leaves no
domain recognised, then rev3 back to rev1, whose job queues first), or a page computed before a
revocation, must not leave a stale flag as the subscriber's last word."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from app_support import (
    CREDIT_CODE,
    DAYE,
    HUNAN,
    agreement_terms,
    create_agreement,
    daye_black_entry,
    reevaluate,
    revise_agreement,
)
from lifecycle_support import china_today, pushed

import app as gateway_app
from chalicelib import bootstrap


@pytest.mark.roles_unchecked
def test_a_stale_flag_is_not_the_last_word(gateway, aws, receiver, stream, queue):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert made.status_code == 201
    rev1 = agreement_terms()
    created = create_agreement(gateway, rev1)
    assert created.status_code == 201, created.json_body
    agreement_id = created.json_body["agreement"]["agreement_id"]
    reevaluate(aws)
    recent = (china_today() - timedelta(days=1)).isoformat()
    pushed(gateway, daye, DAYE, daye_black_entry(decided_on=recent, valid_from=recent))
    tax = daye_black_entry(
        domain="major_tax_violation",
        deciding_authority="国家税务总局大冶市税务局",
        decision_number="大税稽罚〔2024〕9号",
        decided_on=recent,
        valid_from=recent,
    )
    pushed(gateway, daye, DAYE, tax)
    gateway_app.fan_out_changes(stream.event(), None)
    for _ in range(2):
        queue.run()
    flags = [
        json.loads(r.body)
        for r in receiver.requests
        if json.loads(r.body)["type"] == "subject.intensified"
    ]
    assert flags, "the subject was never flagged"
    receiver.requests.clear()

    narrowed = agreement_terms(domains=["food_drug"])  # neither domain recognised
    assert revise_agreement(gateway, agreement_id, narrowed).status_code == 200  # job A

    runner = bootstrap.container().reevaluation_runner
    original = runner.queue.enqueue
    raced = {"done": False}

    def enqueue(deliveries: Any) -> Any:
        if any(d.type == "subject.intensified" for d in deliveries) and not raced["done"]:
            raced["done"] = True  # A's page holding the flag is computed, not yet queued
            assert revise_agreement(gateway, agreement_id, rev1).status_code == 200
            reevaluate(aws)  # job B runs meanwhile (another invocation)
        return original(deliveries)

    runner.queue.enqueue = enqueue  # type: ignore[method-assign]
    try:
        reevaluate(aws)  # job A
    finally:
        runner.queue.enqueue = original  # type: ignore[method-assign]
    assert raced["done"]
    for _ in range(3):
        queue.run()

    view = gateway.client.http.get(
        f"/v1/subjects/{CREDIT_CODE}?as={HUNAN}", headers=gateway.operator()
    ).json_body
    assert view["intensified"] is True  # the gateway's own answer under rev3

    told = []
    for r in receiver.requests:
        body = json.loads(r.body)
        if body["type"] == "subject.intensified":
            told.append(body.get("intensified", {}).get("intensified"))
    assert told, "no flag told"
    assert told[-1] is True, f"湖南's last word on the flag: told in order {told}"


@pytest.mark.roles_unchecked
def test_a_flag_raised_by_a_page_computed_before_a_revocation_is_not_the_last_word(
    gateway, aws, receiver, stream, queue
):
    """The same window with one revision only: the job's page (an agreement covering both
    domains: flag raised) is computed; before it is queued the tax listing is revoked and its
    fan-out, on the new agreement, lowers the flag and is delivered. The page's raised flag,
    queued after, is sent unjudged: 湖南's last word is "intensified" for a subject with one
    domain left."""
    from lifecycle_support import push_with_removals, removal_of

    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert made.status_code == 201
    recent = (china_today() - timedelta(days=1)).isoformat()
    pushed(gateway, daye, DAYE, daye_black_entry(decided_on=recent, valid_from=recent))
    tax = daye_black_entry(
        domain="major_tax_violation",
        deciding_authority="国家税务总局大冶市税务局",
        decision_number="大税稽罚〔2024〕9号",
        decided_on=recent,
        valid_from=recent,
    )
    pushed(gateway, daye, DAYE, tax)
    gateway_app.fan_out_changes(stream.event(), None)
    queue.run()
    receiver.requests.clear()
    both = agreement_terms(domains=["court_defaulter", "major_tax_violation"])
    assert create_agreement(gateway, both).status_code == 201

    runner = bootstrap.container().reevaluation_runner
    original = runner.queue.enqueue
    raced = {"done": False}

    def enqueue(deliveries: Any, **kwargs: Any) -> Any:
        if kwargs or raced["done"]:
            return original(deliveries, **kwargs)
        if any(d.type == "subject.intensified" for d in deliveries):
            raced["done"] = True
            removed = push_with_removals(gateway, daye, DAYE, [removal_of(tax, "revoked")])
            assert removed.status_code == 200, removed.json_body
            gateway_app.fan_out_changes(stream.event(), None)
            queue.run()
        return original(deliveries)

    runner.queue.enqueue = enqueue  # type: ignore[method-assign]
    try:
        reevaluate(aws)
    finally:
        runner.queue.enqueue = original  # type: ignore[method-assign]
    assert raced["done"]
    for _ in range(3):
        queue.run()

    view = gateway.client.http.get(
        f"/v1/subjects/{CREDIT_CODE}?as={HUNAN}", headers=gateway.operator()
    ).json_body
    assert view["intensified"] is False  # one domain left
    told = [
        json.loads(r.body)["intensified"]["intensified"]
        for r in receiver.requests
        if json.loads(r.body)["type"] == "subject.intensified"
    ]
    assert told, "no flag told"
    assert told[-1] is False, f"湖南's last word on the flag: told in order {told}"
