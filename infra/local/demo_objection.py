"""The demo's objection act: a region that carries out the measures objects to another region's
listing it received (seed 001 湖南 §二(四)6), the owner hears of it as a webhook and its
deadline counts from that notice, and its decision reaches the region that objected."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from gateway.lifecycle import WorkdayCalendar, period_end
from gateway_client.contract import china_date
from gateway_client.push_client import PushClient, Response, http_request
from infra.local import scenario
from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

Check = tuple[str, bool]
OWNER, FILER, STRANGER = "420281", "430000", "230900"  # 大冶市 owns; 湖南省 received it; 七台河市
LEGEND = (
    "  legend: objection 异议 · notice 核查通知 — the owner's deadline runs from the day its "
    "endpoint acknowledges it (收到核查通知之日) · on_behalf: the subject 信用主体, or the "
    "region's own check 主动发现 · verified 核实 · steps (新郑): forwarded 转交, verified 核实, "
    "replied 答复"
)


def _signed(client: PushClient, path: str, body: dict[str, Any]) -> Response:
    raw = json.dumps(body, ensure_ascii=False).encode()
    return client.send_signed(path, None, raw, datetime.now(UTC))


def _held(url: str, listing_id: str, operator: dict[str, str]) -> dict[str, Any]:
    """The listing as the operator sees it (the public view leaves objections out)."""
    view = http_request("GET", f"{url}/v1/subjects/{scenario.DY_MINE}", None, operator).body
    found: dict[str, Any] = next(
        v["listing"] for v in view["listings"] if v["listing"]["listing_id"] == listing_id
    )
    return found


def run_objection(
    stack: LocalStack,
    clients: dict[str, PushClient],
    receivers: dict[str, Receiver],
    say: Callable[[str], None],
) -> list[Check]:
    pump = stack.pump
    if pump is None:
        raise RuntimeError("the local stack is not started")
    say("· objections by a recipient: 湖南省 objects to 大冶市's listing it was delivered")
    say(LEGEND)
    mine = next(
        r.payload.data.listing
        for r in receivers[FILER].received
        if r.payload.data.listing.credit_code == scenario.DY_MINE
    )
    owner_hook = Receiver("大冶市").start()
    operator = {"authorization": f"Bearer {stack.operator_token}"}
    owner_hook.subscribe(stack.url, {"region": OWNER}, operator)
    path = f"/v1/subjects/{scenario.DY_MINE}/listings/{mine.listing_id}/objections"
    body = {"objection_id": "hn-obj-1", "reason": "企业称事故责任认定有误", "on_behalf": "subject"}
    stranger = _signed(clients[STRANGER], path, {**body, "objection_id": "qth-obj-1"})
    filed = _signed(clients[FILER], path, body)
    waiting = filed.body["listing"]["objection"] if filed.status == 201 else {}
    pump.drain(timeout=60)
    noticed = _held(stack.url, mine.listing_id, operator)["objection"] or {}
    notified_on = china_date(datetime.fromisoformat(noticed.get("notified_at") or _now()))
    say(f"  大冶市 acknowledged the notice on {notified_on}: {noticed.get('deadline_basis')}")
    decided = _signed(
        clients[OWNER],
        f"{path}/hn-obj-1/decision",
        {"outcome": "upheld", "note": "经核实，认定无误", "source_updated_at": _now()},
    )
    pump.drain(timeout=60)
    owner_hook.stop()
    heard = {
        r.payload.data.type
        for r in receivers[FILER].received
        if r.payload.data.listing.listing_id == mine.listing_id
    }
    return [
        (
            "七台河市, never delivered the listing, may not object (403 listing_not_received)",
            stranger.status == 403 and stranger.body["error"]["code"] == "listing_not_received",
        ),
        (
            "湖南省's objection awaits 大冶市's notice (核查通知)",
            waiting.get("awaiting_notice") is True and waiting.get("deadline") is None,
        ),
        (
            "大冶市 receives the objection.filed webhook",
            [r.payload.type for r in owner_hook.received].count("objection.filed") == 1,
        ),
        (
            "大冶市's 20 days run from the day it received the notice",
            noticed.get("notified_at") is not None
            # to the next working day when the 20th is a day off (民法典 第二百零三条)
            and date.fromisoformat(noticed["deadline"])
            == period_end(notified_on, 20, "calendar_days", WorkdayCalendar())[0],
        ),
        (
            "大冶市 upholds its listing and 湖南省 hears the outcome",
            decided.status == 200 and "objection_decided" in heard,
        ),
    ]


def _now() -> str:
    return datetime.now(UTC).isoformat()
