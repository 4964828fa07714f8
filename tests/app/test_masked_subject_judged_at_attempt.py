"""A restatement or a flag about a natural person goes to a region that does not recognise the
listing with the person's number masked; judged at its attempt (``restatement_standing``) the
listing is found by the subject's code the log holds, not the masked one carried (review 301:
looked up masked, nothing was found — a region was never told it no longer recognises a
person's listing, nor that the person came under intensified punishment)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from app_support import (
    CREDIT_CODE,
    DAYE,
    HUNAN,
    NATURAL_PERSON_CODE,
    agreement_terms,
    create_agreement,
    daye_black_entry,
    reevaluate,
    revise_agreement,
)
from lifecycle_support import china_today, pushed

import app as gateway_app

SUBJECTS = pytest.mark.parametrize(
    ("code", "name"),
    [(CREDIT_CODE, "大冶某某矿业有限公司"), (NATURAL_PERSON_CODE, "张三")],
    ids=["organisation", "person"],
)


@pytest.mark.roles_unchecked
@SUBJECTS
def test_a_subject_no_longer_recognised_is_told_so(
    gateway, aws, receiver, stream, queue, code, name
):
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    rev1 = agreement_terms()
    created = create_agreement(gateway, rev1)
    assert created.status_code == 201, created.json_body
    agreement_id = created.json_body["agreement"]["agreement_id"]
    reevaluate(aws)
    recent = (china_today() - timedelta(days=1)).isoformat()
    entry = daye_black_entry(
        credit_code=code, subject_name=name, decided_on=recent, valid_from=recent
    )
    pushed(gateway, daye, DAYE, entry)
    gateway_app.fan_out_changes(stream.event(), None)
    for _ in range(2):
        queue.run()
    first = [json.loads(r.body) for r in receiver.requests]
    assert any(b["type"] == "listing.changed" and b["recognition"]["recognised"] for b in first), [
        b["type"] for b in first
    ]
    receiver.requests.clear()

    narrowed = agreement_terms(domains=["food_drug"])  # court_defaulter no longer recognised
    assert revise_agreement(gateway, agreement_id, narrowed).status_code == 200
    reevaluate(aws)
    for _ in range(3):
        queue.run()
    told = [json.loads(r.body) for r in receiver.requests]
    ends = [
        b for b in told if b["type"] == "recognition.changed" and not b["recognition"]["recognised"]
    ]
    assert ends, (
        "湖南 was never told it no longer recognises the person's listing; sent: "
        f"{[(b['type'], b['recognition']['recognised']) for b in told]}"
    )


@pytest.mark.roles_unchecked
@SUBJECTS
def test_a_subject_flagged_by_a_batch_is_told_so(gateway, aws, receiver, stream, queue, code, name):
    """Two new black listings in two domains, and a correction of the first down to
    ``general`` (no longer recognised): the flag rises, carried by the correction — masked."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    assert create_agreement(gateway, agreement_terms()).status_code == 201
    reevaluate(aws)
    recent = (china_today() - timedelta(days=2)).isoformat()
    person = {"credit_code": code, "subject_name": name}
    first = daye_black_entry(**person, decided_on=recent, valid_from=recent)
    pushed(gateway, daye, DAYE, first)
    gateway_app.fan_out_changes(stream.event(), None)
    for _ in range(2):
        queue.run()
    receiver.requests.clear()

    tax = daye_black_entry(
        **person,
        domain="major_tax_violation",
        deciding_authority="国家税务总局大冶市税务局",
        decision_number="大税稽罚〔2024〕9号",
        decided_on=recent,
        valid_from=recent,
    )
    food = daye_black_entry(
        **person,
        domain="food_drug",
        deciding_authority="大冶市市场监督管理局",
        decision_number="大市监罚〔2024〕7号",
        decided_on=recent,
        valid_from=recent,
    )
    pushed(gateway, daye, DAYE, tax)
    pushed(gateway, daye, DAYE, food)
    later = (china_today() - timedelta(days=1)).isoformat() + "T09:00:00+08:00"
    pushed(gateway, daye, DAYE, {**first, "severity": "general", "source_updated_at": later})
    gateway_app.fan_out_changes(stream.event(), None)  # the three steps, the correction last
    for _ in range(3):
        queue.run()

    told = [json.loads(r.body) for r in receiver.requests]
    flags = [b["intensified"]["intensified"] for b in told if b["type"] == "subject.intensified"]
    assert flags, [b["type"] for b in told]
    assert flags[-1] is True, (
        "湖南 was not told the person is under intensified punishment (two recognised domains); "
        f"sent: {[b['type'] for b in told]}, flags {flags}"
    )
