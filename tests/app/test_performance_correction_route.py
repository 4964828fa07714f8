"""The operator corrects a court defaulter's day performed over the route: the owner's removal
named the wrong day, which no removal moves. The listing holds the corrected day as an
operator's step, the month's figures judge the removal again, and subscribers receive it;
anyone else, another listing or a wrong day writes and delivers nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, Gateway, refusal
from chalice.test import HTTPResponse
from lifecycle_support import (
    Lifecycle,
    china_today,
    fan_out_and_deliver,
    listing_path,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
    stamp,
    this_month,
)
from test_feedback_and_stats_routes import subscribe

from chalicelib.bootstrap import container

TODAY = china_today().isoformat()
TEN_DAYS_AGO = (china_today() - timedelta(days=10)).isoformat()
NOTE = "执行法院来函:履行日期录入有误"


class Case:
    def __init__(self, gateway: Gateway, reason: str = "performed") -> None:
        self.gateway, self.life = gateway, Lifecycle(gateway)
        self.city = gateway.register_platform(CITY)
        self.entry = recent_entry(days_ago=30)
        self.listing_id = pushed(gateway, self.city, CITY, self.entry)
        day = {"performed_on": TEN_DAYS_AGO} if reason == "performed" else {}
        self.removed = removal_of(self.entry, reason, source_updated_at=stamp(-60), **day)
        reply = push_with_removals(gateway, self.city, CITY, [self.removed]).json_body
        assert reply["removed"] == 1, reply

    def correct(self, body: dict[str, Any], signer: Any = None) -> HTTPResponse:
        path = listing_path(CREDIT_CODE, self.listing_id) + "/performance"
        return self.life.post(path, body, signer)

    def held(self) -> Any:
        return container().listings.current([(CREDIT_CODE, self.listing_id)])[self.listing_id]

    def performed_removals(self) -> Any:
        return self.life.stats(CITY, this_month()).json_body["performed_removals"]


def test_the_operator_corrects_the_day_and_the_month_and_subscribers_follow(
    gateway: Gateway, aws: Any, stream: Any, receiver: Any
) -> None:
    subscribe(gateway, receiver.url)
    case = Case(gateway)
    fan_out_and_deliver(aws, stream)
    assert case.performed_removals() == {"removed": 1, "late": 1, "on_time_share": 0.0}

    corrected = case.correct({"performed_on": TODAY, "note": NOTE})

    assert corrected.status_code == 200, corrected.json_body
    assert corrected.json_body["changed"] is True
    assert str(case.held().performed_on) == TODAY
    step = case.held().history[-1]
    assert (step.event, step.by, step.note) == ("removed", "operator", NOTE)
    assert TEN_DAYS_AGO in step.reason
    assert TODAY in step.reason
    [delivered] = fan_out_and_deliver(aws, stream)
    assert delivered.change.type == "updated"
    assert str(delivered.change.listing.performed_on) == TODAY
    assert case.performed_removals() == {"removed": 1, "late": 0, "on_time_share": 1.0}

    again = case.correct({"performed_on": TODAY, "note": "再次"})
    assert (again.status_code, again.json_body["changed"]) == (200, False)
    assert stream.event()["Records"] == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            {"performed_on": (china_today() + timedelta(days=1)).isoformat(), "note": NOTE},
            (400, "invalid_schema", "performed_on", "future_date"),
            id="future",
        ),
        pytest.param(
            {"performed_on": (china_today() - timedelta(days=31)).isoformat(), "note": NOTE},
            (400, "dates_out_of_order", "performed_on", None),
            id="before-the-decision",
        ),
        pytest.param(
            {"performed_on": TODAY, "note": "  "},
            (400, "invalid_schema", "note", None),
            id="blank-note",
        ),
        pytest.param({"performed_on": TODAY}, (400, "invalid_schema", "note", None), id="no-note"),
        pytest.param(
            {"performed_on": "2026-13-01", "note": NOTE},
            (400, "invalid_schema", "performed_on", None),
            id="no-such-day",
        ),
    ],
)
def test_a_wrong_day_or_note_is_refused_at_its_field_and_nothing_is_written(
    gateway: Gateway,
    stream: Any,
    body: dict[str, Any],
    expected: tuple[int, str, str, str | None],
) -> None:
    case = Case(gateway)
    stream.event()  # what the case wrote
    before = case.held()

    refused = case.correct(body)

    nested = [e["code"] for e in refused.json_body["error"].get("errors", [])]
    assert refusal(refused) == expected[:3]
    assert expected[3] is None or nested == [expected[3]]
    assert case.held() == before
    assert stream.event()["Records"] == []


def test_only_the_operator_corrects_and_only_a_performed_listing(
    gateway: Gateway, stream: Any
) -> None:
    case = Case(gateway)
    body = {"performed_on": TODAY, "note": NOTE}
    stream.event()
    before = case.held()

    by_owner = case.correct(body, case.city)
    anonymous = gateway.client.http.post(
        listing_path(CREDIT_CODE, case.listing_id) + "/performance", body=b"{}"
    )

    assert by_owner.status_code == 403, by_owner.json_body
    assert anonymous.status_code == 401
    assert case.held() == before
    assert stream.event()["Records"] == []


def test_a_listing_not_performed_is_refused(gateway: Gateway) -> None:
    case = Case(gateway, reason="revoked")

    refused = case.correct({"performed_on": TODAY, "note": NOTE})

    assert refusal(refused) == (409, "listing_not_in_force", "listing_id")
    assert case.held().performed_on is None


def test_the_owner_s_removal_made_before_the_correction_sent_again_is_a_duplicate(
    gateway: Gateway,
) -> None:
    """As it was before the correction (review 291: refused at `performed_on`, counted as
    rejected); a removal made after it, naming the replaced day, is refused as any other day."""
    case = Case(gateway)
    assert case.correct({"performed_on": TODAY, "note": NOTE}).status_code == 200

    again = push_with_removals(gateway, case.city, CITY, [case.removed]).json_body
    later = removal_of(
        case.entry, "performed", performed_on=TEN_DAYS_AGO, source_updated_at=stamp()
    )
    newer = push_with_removals(gateway, case.city, CITY, [later]).json_body

    assert (again["duplicate"], again["errors"]) == (1, []), again
    assert [(e["code"], e["field"]) for e in newer["errors"]] == [
        ("listing_not_in_force", "performed_on")
    ]
    assert str(case.held().performed_on) == TODAY


def test_a_removal_made_after_the_correction_is_refused_though_pushes_moved_the_version(
    gateway: Gateway,
) -> None:
    case = Case(gateway)
    assert case.correct({"performed_on": TODAY, "note": NOTE}).status_code == 200
    corrected_at = case.held().history[-1].at

    # the owner pushes to the ended listing later (content stored, status kept)
    update = dict(case.entry, source_updated_at=stamp(120), reason="拒不履行生效法律文书(补正)")
    pushed = gateway.push(case.city, CITY, [update])
    assert pushed.status_code == 200, pushed.json_body
    assert case.held().status.value == "performed"

    # a removal the owner makes after the correction, naming the day it replaced
    later = removal_of(
        case.entry, "performed", performed_on=TEN_DAYS_AGO, source_updated_at=stamp(60)
    )
    assert later["source_updated_at"] > corrected_at.isoformat()
    newer = push_with_removals(gateway, case.city, CITY, [later]).json_body

    assert [(e["code"], e["field"]) for e in newer["errors"]] == [
        ("listing_not_in_force", "performed_on")
    ]
    assert str(case.held().performed_on) == TODAY
