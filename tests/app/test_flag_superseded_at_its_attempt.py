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
    NATURAL_PERSON_CODE,
    agreement_terms,
    create_agreement,
    daye_black_entry,
    reevaluate,
    revise_agreement,
)
from lifecycle_support import china_today, push_with_removals, pushed, removal_of
from reevaluation_race import reevaluated_racing

import app as gateway_app

RECENT = (china_today() - timedelta(days=1)).isoformat()
TAX = daye_black_entry(
    domain="major_tax_violation",
    deciding_authority="国家税务总局大冶市税务局",
    decision_number="大税稽罚〔2024〕9号",
    decided_on=RECENT,
    valid_from=RECENT,
)
SUBJECTS = pytest.mark.parametrize(
    "subject",
    [{}, {"credit_code": NATURAL_PERSON_CODE, "subject_name": "张三"}],
    ids=["organisation", "person"],  # a person's flag goes masked where not recognised (301)
)


def _subscribed(gateway, receiver) -> Any:  # type: ignore[no-untyped-def]
    """湖南 subscribed; 大冶's platform key."""
    daye = gateway.register_platform(DAYE)
    gateway.put_region(HUNAN, name="湖南省")
    assert gateway.subscribe_as_operator(region=HUNAN, url=receiver.url).status_code == 201
    return daye


def _listed_twice(gateway, daye, stream, queue, subject=None) -> None:  # type: ignore[no-untyped-def]
    """大冶's subject listed in two domains, fanned out and delivered."""
    given = subject or {}
    pushed(gateway, daye, DAYE, daye_black_entry(decided_on=RECENT, valid_from=RECENT, **given))
    pushed(gateway, daye, DAYE, {**TAX, **given})
    gateway_app.fan_out_changes(stream.event(), None)
    for _ in range(2):
        queue.run()


def _flags_told(receiver) -> list[bool]:  # type: ignore[no-untyped-def]
    bodies = [json.loads(r.body) for r in receiver.requests]
    return [b["intensified"]["intensified"] for b in bodies if b["type"] == "subject.intensified"]


def _flag_page(deliveries: Any) -> bool:
    return any(d.type == "subject.intensified" for d in deliveries)


def _intensified_now(gateway, code: str = CREDIT_CODE) -> bool:  # type: ignore[no-untyped-def]
    path = f"/v1/subjects/{code}?as={HUNAN}&purpose=supervision"
    return bool(gateway.client.http.get(path, headers=gateway.operator()).json_body["intensified"])


@pytest.mark.roles_unchecked
@SUBJECTS
def test_a_stale_flag_is_not_the_last_word(gateway, aws, receiver, stream, queue, subject):
    daye = _subscribed(gateway, receiver)
    rev1 = agreement_terms()
    created = create_agreement(gateway, rev1)
    assert created.status_code == 201, created.json_body
    agreement_id = created.json_body["agreement"]["agreement_id"]
    reevaluate(aws)
    _listed_twice(gateway, daye, stream, queue, subject)
    assert _flags_told(receiver), "the subject was never flagged"
    receiver.requests.clear()

    narrowed = agreement_terms(domains=["food_drug"])  # neither domain recognised
    assert revise_agreement(gateway, agreement_id, narrowed).status_code == 200  # job A

    def job_b() -> None:  # A's page holding the flag is computed, not yet queued
        assert revise_agreement(gateway, agreement_id, rev1).status_code == 200
        reevaluate(aws)  # job B runs meanwhile (another invocation)

    reevaluated_racing(aws, _flag_page, job_b)  # job A
    for _ in range(3):
        queue.run()

    code = subject.get("credit_code", CREDIT_CODE)
    assert _intensified_now(gateway, code) is True  # the gateway's own answer under rev3
    told = _flags_told(receiver)
    assert told, "no flag told"
    assert told[-1] is True, f"湖南's last word on the flag: told in order {told}"


@pytest.mark.roles_unchecked
def test_a_flag_raised_by_a_page_computed_before_a_revocation_is_not_the_last_word(
    gateway, aws, receiver, stream, queue
):
    """The same window with one revision only: the job's page (an agreement covering both
    domains: flag raised) is computed; before it is queued the tax listing is revoked and its
    fan-out, on the new agreement, lowers the flag and is delivered."""
    daye = _subscribed(gateway, receiver)
    _listed_twice(gateway, daye, stream, queue)
    receiver.requests.clear()
    both = agreement_terms(domains=["court_defaulter", "major_tax_violation"])
    assert create_agreement(gateway, both).status_code == 201

    def revoked() -> None:
        removed = push_with_removals(gateway, daye, DAYE, [removal_of(TAX, "revoked")])
        assert removed.status_code == 200, removed.json_body
        gateway_app.fan_out_changes(stream.event(), None)
        queue.run()

    reevaluated_racing(aws, _flag_page, revoked)
    for _ in range(3):
        queue.run()

    assert _intensified_now(gateway) is False  # one domain left
    told = _flags_told(receiver)
    assert told, "no flag told"
    assert told[-1] is False, f"湖南's last word on the flag: told in order {told}"
