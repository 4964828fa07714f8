"""A subscribing region objects to a listing it received, over HTTP on the local stack (seed 001
湖南 §二(四)6): the owner hears of it as an ``objection.filed`` webhook, its deadline counts from
the day it acknowledged that notice (收到核查通知之日) under its own policy, it revokes the
listing, and the revocation reaches the region that objected."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from e2e_support import as_operator, drain, platform
from stdnum.cn import uscc

from gateway.lifecycle import WorkdayCalendar, period_end
from gateway_client.contract import china_date
from gateway_client.push_client import PushClient
from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

OWNER, SUBSCRIBER = "430100", "440000"  # 长沙市 (湖南: court defaulters 15 days), 广东省 (20)
CODE = "91430100MA4L0CCC0" + uscc.calc_check_digit("91430100MA4L0CCC0")


def entry() -> dict[str, Any]:
    start = (datetime.now(UTC) - timedelta(days=400)).date().isoformat()
    return {
        "credit_code": CODE,
        "subject_name": "长沙某某商贸有限公司",
        "kind": "black",
        "domain": "court_defaulter",
        "severity": "general",
        "reason": "有履行能力而拒不履行生效法律文书确定的义务",
        "legal_basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        "deciding_authority": "长沙市中级人民法院",
        "decision_number": "(2025)湘01执88号",
        "decided_on": start,
        "valid_from": start,
        "source_updated_at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
    }


def listening(stack: LocalStack, name: str, region: str) -> Receiver:
    receiver = Receiver(name).start()
    operator = {"authorization": f"Bearer {stack.operator_token}"}
    receiver.subscribe(stack.url, {"region": region}, operator)
    return receiver


def held(stack: LocalStack) -> dict[str, Any]:
    reply = as_operator(stack, "GET", f"/v1/subjects/{CODE}")
    assert reply.status == 200, reply.body
    [found] = reply.body["listings"]
    return dict(found["listing"])


@pytest.fixture
def regions(stack: LocalStack) -> Iterator[tuple[PushClient, PushClient, Receiver, Receiver]]:
    """The owner and the subscriber: each a registered platform with a subscribed endpoint."""
    owner = platform(stack, OWNER, "cs-objection-owner")
    subscriber = platform(stack, SUBSCRIBER, "gd-objection-filer")
    owner_hook = listening(stack, "长沙市", OWNER)
    subscriber_hook = listening(stack, "广东省", SUBSCRIBER)
    try:
        yield owner, subscriber, owner_hook, subscriber_hook
    finally:
        owner_hook.stop()
        subscriber_hook.stop()


def test_a_subscriber_s_objection_reaches_the_owner_who_revokes_and_the_subscriber_hears_it(
    stack: LocalStack, regions: tuple[PushClient, PushClient, Receiver, Receiver]
) -> None:
    owner, subscriber, owner_hook, subscriber_hook = regions
    pushed = owner.push([entry()], datetime.now(UTC))
    assert pushed.status == 200, pushed.body
    listing_id = pushed.body["outcomes"][0]["listing_id"]
    drain(stack)
    assert [r.payload.data.listing.listing_id for r in subscriber_hook.received] == [listing_id]
    path = f"/v1/subjects/{CODE}/listings/{listing_id}/objections"

    filed = subscriber.send_json(
        path,
        None,
        {"objection_id": "gd-obj-1", "reason": "被执行人已履行完毕", "on_behalf": "subject"},
        datetime.now(UTC),
    )
    drain(stack)
    noticed = held(stack)["objection"]

    assert filed.status == 201, filed.body
    assert filed.body["listing"]["objection"]["awaiting_notice"] is True
    notices = [r.payload for r in owner_hook.received if r.payload.type == "objection.filed"]
    assert [n.data.listing.objection.objection_id for n in notices] == ["gd-obj-1"]  # type: ignore[union-attr]
    notified_on = china_date(datetime.fromisoformat(noticed["notified_at"]))
    assert noticed["awaiting_notice"] is False
    # 15 calendar days from the notice, to the next working day when that one is a day off
    due, _ = period_end(notified_on, 15, "calendar_days", WorkdayCalendar())
    assert date.fromisoformat(noticed["deadline"]) == due >= notified_on + timedelta(days=15)

    decided = owner.send_json(
        f"{path}/gd-obj-1/decision",
        None,
        {
            "outcome": "revoked",
            "note": "经核实，予以撤销",
            "source_updated_at": datetime.now(UTC).isoformat(),
        },
        datetime.now(UTC),
    )
    drain(stack)

    assert decided.status == 200, decided.body
    assert held(stack)["status"] == "revoked"
    heard = [r.payload.data.type for r in subscriber_hook.received]
    assert heard[-1] == "revoked"
