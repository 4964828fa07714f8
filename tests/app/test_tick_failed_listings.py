"""The tick with listings it cannot act on, through the app: listings that always fail, first in
the due order, no longer stop every later run (they stay due, and each run tries them again);
``POST /v1/tick`` on AWS answers its report naming them, while the hourly schedule's run fails
at its end for the function's Errors alarm (review 233)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from app_support import CITY, Gateway, black_entry
from lifecycle_support import Lifecycle, china_today, pushed

import app as gateway_app
from chalicelib import bootstrap, tick_function
from chalicelib.events import ListingsNotActedOn
from chalicelib.observability import HandlerFailed
from chalicelib.tick_function import scheduled_event
from gateway.lifecycle import tick as tick_module
from gateway_client.contract.clock import CHINA, FixedClock


class Poisoned(Exception):
    pass


@pytest.fixture
def life(gateway: Gateway) -> Iterator[Lifecycle]:
    yield Lifecycle(gateway)
    bootstrap.override_clock(None)


def ending_listings(gateway: Gateway, count: int) -> list[str]:
    """``count`` black listings ending tomorrow, their ids in the due index's order."""
    ends = china_today() + timedelta(days=1)
    signer = gateway.register_platform(CITY)
    ids = [
        pushed(
            gateway,
            signer,
            CITY,
            black_entry(valid_until=ends.isoformat(), decision_number=f"(2024)黑09执{n}号"),
        )
        for n in range(100, 100 + count)
    ]
    return sorted(ids)


def after_end() -> datetime:
    return datetime.combine(china_today() + timedelta(days=2), time(12), CHINA)


def poison(monkeypatch: pytest.MonkeyPatch, failing: set[str]) -> None:
    act = tick_module.Tick._act

    def act_unless_poisoned(self: Any, held: Any, *rest: Any) -> None:
        if held.listing_id in failing:
            raise Poisoned(f"cannot act on {held.listing_id}")
        act(self, held, *rest)

    monkeypatch.setattr(tick_module.Tick, "_act", act_unless_poisoned)


def status(gateway: Gateway, listing_id: str) -> str:
    response = gateway.client.http.get(
        "/v1/subjects/91230900MA1BXXXX0A?purpose=supervision", headers=gateway.operator()
    )
    for view in response.json_body.get("listings", []):
        if view["listing"]["listing_id"] == listing_id:
            return str(view["listing"]["status"])
    return "?"


def due_order(life: Lifecycle, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The order a tick takes the due listings in (a run that acts on none)."""
    seen: list[str] = []
    with monkeypatch.context() as m:
        m.setattr(tick_module.Tick, "_act", lambda self, held, *rest: seen.append(held.listing_id))
        assert life.tick().status_code == 200
    return seen


def stored_status(listing_id: str) -> str:
    code = black_entry()["credit_code"]
    return str(bootstrap.container().listings.current([(code, listing_id)])[listing_id].status)


def test_three_poison_listings_first_in_the_index_do_not_starve_every_later_one_for_good(
    gateway: Gateway, life: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three listings that always fail (an erasure failing on one of each's copies) sit first
    in the due order: the healthy listing after them is expired all the same."""
    ending_listings(gateway, 4)
    bootstrap.override_clock(FixedClock(after_end()))
    order = due_order(life, monkeypatch)
    assert len(order) == 4
    *bad, healthy = order
    poison(monkeypatch, set(bad))

    answers = [life.tick().status_code for _ in range(5)]  # five hourly runs

    assert stored_status(healthy).endswith("expired"), (answers, stored_status(healthy))


class TooManyRequestsException(Exception):
    pass


class RunsTheFunction:
    """Lambda's RequestResponse invoke of the lifecycle function: the handler runs; an error
    leaving it is the reply's FunctionError, as Lambda answers."""

    class exceptions:
        TooManyRequestsException = TooManyRequestsException

    def invoke(self, **call: Any) -> dict[str, Any]:
        try:
            report = gateway_app.lifecycle_tick(json.loads(call["Payload"]), None)
        except Exception as error:
            body = {"errorType": type(error).__name__, "errorMessage": str(error)}
            failed = io.BytesIO(json.dumps(body).encode())
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": failed}
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(report, default=str).encode())}


def test_on_aws_a_tick_with_one_failed_listing_answers_its_report_naming_it(
    gateway: Gateway, life: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``failed`` reaches the operator who asked, with what the run did, as off AWS."""
    bad, *_ = ending_listings(gateway, 3)
    poison(monkeypatch, {bad})
    monkeypatch.setattr(tick_function, "_lambda", lambda region: RunsTheFunction())
    gateway.configure(lifecycle_function="credit-gateway-prod-lifecycle_tick")
    bootstrap.override_clock(FixedClock(after_end()))

    reply = Lifecycle(gateway).post("/v1/tick", {})

    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["failed"] == [bad]
    assert reply.json_body["expired"] == 2


def test_the_scheduled_run_fails_at_its_end_when_a_listing_failed(
    gateway: Gateway, life: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad, *rest = ending_listings(gateway, 3)
    poison(monkeypatch, {bad})
    bootstrap.override_clock(FixedClock(after_end()))
    event = {**scheduled_event("cn-northwest-1"), "source": "aws.events"}

    with pytest.raises(HandlerFailed, match=ListingsNotActedOn.__name__):
        gateway_app.lifecycle_tick(event, None)

    assert [stored_status(x) for x in rest] == ["expired", "expired"]
