"""A person's ended commitment, or revoked grade, is erased five years after it stopped
applying, whatever ``conduct_ended_on`` is pushed on it later: only a black listing records
dishonest conduct (review 371: one pushed on an ended commitment or grade moved the clock to
that later day, and a push every few years kept the person's data for ever)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import NATURAL_PERSON_CODE, Gateway, new_batch_id, push_body
from lifecycle_support import (
    QINGCHENG,
    Lifecycle,
    china_noon,
    china_today,
    push_with_removals,
    removal_of,
)

from chalicelib import bootstrap
from gateway_client.contract.clock import FixedClock


@pytest.fixture
def life(gateway) -> Iterator[Lifecycle]:  # type: ignore[no-untyped-def]
    yield Lifecycle(gateway)
    bootstrap.override_clock(None)


def commitment(sequence: int, until_days: int, stamped: datetime, **extra: Any) -> dict[str, Any]:
    today = china_today()
    return {
        "credit_code": NATURAL_PERSON_CODE,
        "subject_name": "张某某",
        "kind": "commitment",
        "domain": "public_commitment",
        "reason": "承诺依法诚信经营",
        "deciding_authority": "清远市清城区市场监督管理局",
        "decision_number": "清城市监承诺〔2026〕3号",
        "decided_on": (today - timedelta(days=10)).isoformat(),
        "valid_from": (today - timedelta(days=10)).isoformat(),
        "valid_until": (today + timedelta(days=until_days)).isoformat(),
        "source_updated_at": stamped.isoformat(),
        "source_sequence": sequence,
        "commitment": {"kind": "voluntary"},
        **extra,
    }


@pytest.mark.parametrize("conduct_dated", [False, True])
def test_an_ended_persons_commitment_is_erased_five_years_after_it_stopped_applying(
    gateway: Gateway, life: Lifecycle, conduct_dated: bool
) -> None:
    owner = gateway.register_platform(QINGCHENG)
    first = gateway.push(
        owner, QINGCHENG, [commitment(1, 5, datetime.now(UTC) - timedelta(minutes=5))]
    )
    assert first.json_body["accepted"] == 1, first.json_body["errors"]
    assert life.tick(china_noon(china_today() + timedelta(days=6))).json_body["expired"] == 1

    # day 400: the owner pushes it again (its period moved on; status kept expired)
    at = china_noon(china_today() + timedelta(days=400))
    bootstrap.override_clock(FixedClock(at))
    extra = {"conduct_ended_on": (china_today() + timedelta(days=400)).isoformat()}
    again = commitment(2, 800, at - timedelta(minutes=1), **(extra if conduct_dated else {}))
    batch = new_batch_id()
    pushed = gateway.post_signed(
        "/v1/pushes", owner, batch, push_body(QINGCHENG, batch, [again], issued_at=at), now=at
    )
    bootstrap.override_clock(None)
    assert pushed.status_code == 200, pushed.json_body
    assert pushed.json_body["accepted"] == 1, pushed.json_body

    # five years and a month after it stopped applying (day 6), the evidence window long over
    ticked = life.tick(china_noon(china_today() + timedelta(days=6 + 366 * 5 + 30)))
    assert ticked.status_code == 200, ticked.json_body
    assert ticked.json_body["purged"] == 1, ticked.json_body


def person_grade(stamped: datetime, **extra: Any) -> dict[str, Any]:
    today = china_today()
    return {
        "credit_code": NATURAL_PERSON_CODE,
        "subject_name": "张某某",
        "kind": "evaluation",
        "domain": "supervision_classification",
        "reason": "2026年度个体工商户信用分类",
        "deciding_authority": "清远市清城区市场监督管理局",
        "decision_number": "清城市监评〔2026〕4号",
        "decided_on": (today - timedelta(days=10)).isoformat(),
        "valid_from": (today - timedelta(days=10)).isoformat(),
        "valid_until": (today + timedelta(days=700)).isoformat(),
        "source_updated_at": stamped.isoformat(),
        "evaluation": {"scheme": "supervision_class", "grade": "A"},
        **extra,
    }


@pytest.mark.parametrize("conduct_dated", [False, True])
def test_a_persons_revoked_grade_is_erased_five_years_after_it_was_revoked(
    gateway: Gateway, life: Lifecycle, conduct_dated: bool
) -> None:
    """The same through an evaluation result: revoked on day 0, pushed again on day 400 (its
    period still running; status kept revoked) with a ``conduct_ended_on`` — a grade records
    no conduct — and its retention runs from day 400."""
    owner = gateway.register_platform(QINGCHENG)
    entry = person_grade(datetime.now(UTC) - timedelta(minutes=5))
    assert gateway.push(owner, QINGCHENG, [entry]).json_body["accepted"] == 1
    gone = push_with_removals(gateway, owner, QINGCHENG, [removal_of(entry, "revoked")])
    assert gone.json_body["removed"] == 1, gone.json_body

    at = china_noon(china_today() + timedelta(days=400))
    bootstrap.override_clock(FixedClock(at))
    extra = {"conduct_ended_on": (china_today() + timedelta(days=400)).isoformat()}
    again = person_grade(at - timedelta(minutes=1), **(extra if conduct_dated else {}))
    batch = new_batch_id()
    pushed = gateway.post_signed(
        "/v1/pushes", owner, batch, push_body(QINGCHENG, batch, [again], issued_at=at), now=at
    )
    bootstrap.override_clock(None)
    assert pushed.json_body["accepted"] == 1, pushed.json_body

    ticked = life.tick(china_noon(china_today() + timedelta(days=366 * 5 + 30)))
    assert ticked.json_body["purged"] == 1, ticked.json_body
