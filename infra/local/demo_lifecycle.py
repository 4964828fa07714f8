"""The demo's second act: objections, credit repair, expiry, feedback and statistics."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway_client.contract import china_date
from gateway_client.push_client import PushClient, Response, http_request
from infra.local import scenario
from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

Check = tuple[str, bool]

TICK_AHEAD = timedelta(days=2)
"""The local stack's tick runs this far ahead: what it logs is dated then (verify-log is told)."""


def _listing_id(url: str, code: str, domain: str) -> str:
    view = http_request("GET", f"{url}/v1/subjects/{code}").body
    found: str = next(
        v["listing"]["listing_id"] for v in view["listings"] if v["listing"]["domain"] == domain
    )
    return found


def _signed(client: PushClient, path: str, body: dict[str, Any]) -> Response:
    """POST in the request form, under a fresh webhook-id (the gateway takes each id once)."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    return client.send_signed(path, None, raw, datetime.now(UTC))


def _repair(client: PushClient, listing_path: str) -> Response:
    body = {"reason": "已履行全部义务", "source_updated_at": datetime.now(UTC).isoformat()}
    return _signed(client, listing_path + "/repair", body)


def _heard(receivers: dict[str, Receiver], listing_id: str, change_type: str) -> set[str]:
    """Provinces that received a change of ``change_type`` about the listing."""
    return {
        province
        for province, rx in receivers.items()
        for got in rx.received
        if got.payload.data.type == change_type
        and got.payload.data.listing.listing_id == listing_id
    }


def run_lifecycle(
    stack: LocalStack,
    operator: Callable[[str, str, dict[str, Any]], Any],
    clients: dict[str, PushClient],
    receivers: dict[str, Receiver],
    say: Callable[[str], None],
) -> list[Check]:
    url, checks = stack.url, []
    pump = stack.pump
    if pump is None:
        raise RuntimeError("the local stack is not started")
    qc_chem = _listing_id(url, scenario.QC_CHEM, "ecology_environment")
    xz_food = _listing_id(url, scenario.XZ_FOOD, "food_drug")
    qth_late = _listing_id(url, scenario.QTH_LATE, "court_defaulter")
    base = "/v1/subjects/{code}/listings/{lid}"

    say("· objections: 清城区 suspends measures while it verifies (its policy); 新郑市 does not")
    filed = _signed(
        clients["441802"],
        base.format(code=scenario.QC_CHEM, lid=qc_chem) + "/objections",
        {"objection_id": "qc-obj-1", "reason": "企业称已整改完毕"},
    ).body
    xz = _signed(
        clients["410184"],
        base.format(code=scenario.XZ_FOOD, lid=xz_food) + "/objections",
        {"objection_id": "xz-obj-1", "reason": "主体对认定事实有异议"},
    )
    objection = xz.body["listing"]["objection"]
    checks.append(
        ("清城区's objection suspends the listing", filed["listing"]["status"] == "suspended")
    )
    checks.append(
        (
            "新郑市's objection leaves the listing active, due in 12 working days",
            xz.body["listing"]["status"] == "active"
            and objection["deadline_basis"].startswith("12 working days"),
        )
    )
    pump.drain(timeout=60)
    decided = _signed(
        clients["441802"],
        base.format(code=scenario.QC_CHEM, lid=qc_chem) + "/objections/qc-obj-1/decision",
        {
            "outcome": "upheld",
            "note": "经核查，认定无误",
            "source_updated_at": datetime.now(UTC).isoformat(),
        },
    )
    checks.append(
        (
            "清城区 upholds its listing: measures apply again",
            decided.body["listing"]["status"] == "active",
        )
    )

    say("· credit repair: refused before the minimum publicity period, granted after it")
    qth = clients["230900"]
    early = _repair(clients["441802"], base.format(code=scenario.QC_CHEM, lid=qc_chem))
    checks.append(
        (
            "repair of a 30-day-old serious ecology listing (12 months minimum) is refused with "
            "409 repair_too_early",
            early.status == 409 and early.body["error"]["code"] == "repair_too_early",
        )
    )
    repaired = _repair(qth, base.format(code=scenario.QTH_LATE, lid=qth_late))
    checks.append(
        (
            "a general listing published 150 days ago is repaired",
            repaired.body["listing"]["status"] == "repaired",
        )
    )

    say("· the lifecycle tick, two days on: 新郑市's listing reaches its valid_until and expires")
    ticked = operator("POST", "/v1/tick", {"at": (datetime.now(UTC) + TICK_AHEAD).isoformat()})
    checks.append(("the tick expires exactly the listing that was due", ticked["expired"] == 1))
    pump.drain(timeout=60)

    for what, listing_id, change_type in (
        ("suspension", qc_chem, "suspended"),
        ("reinstatement", qc_chem, "reinstated"),
        ("repair", qth_late, "repaired"),
        ("expiry", xz_food, "expired"),
    ):
        heard, listed = (
            _heard(receivers, listing_id, change_type),
            _subscribed(receivers, listing_id),
        )
        checks.append(
            (f"the {what} reaches every province that had the listing", heard == listed != set())
        )
    checks += _feedback(url, clients, receivers)
    return checks


def _feedback(
    url: str, clients: dict[str, PushClient], receivers: dict[str, Receiver]
) -> list[Check]:
    """湖南省 reports what it did about 大冶市's listing; 大冶市 reads it back."""
    got = next(
        r.payload
        for r in receivers["430000"].received
        if r.payload.type == "listing.changed"
        and r.payload.data.listing.credit_code == scenario.DY_MINE
    )
    today = china_date(datetime.now(UTC)).isoformat()
    report = {
        "delivery_id": got.delivery_id,
        "measures": [
            {
                "measure_id": m.measure_id,
                "department": m.department,
                "executed_on": today,
                "result": "executed",
            }
            for m in got.recognition.measures
            if m.mandatory
        ],
    }
    posted = _signed(clients["430000"], "/v1/feedback", report)
    listing = got.data.listing
    path = f"/v1/subjects/{listing.credit_code}/listings/{listing.listing_id}/feedback"
    back = clients["420281"].send_signed(path, None, b"", datetime.now(UTC), method="GET")
    return [
        ("湖南省 reports the mandatory measures it executed (执行反馈)", posted.status == 201),
        (
            "大冶市 reads 湖南省's feedback on its listing",
            back.status == 200
            and [f["subscriber_region"] for f in back.body["feedback"]] == ["430000"],
        ),
    ]


def _subscribed(receivers: dict[str, Receiver], listing_id: str) -> set[str]:
    """Provinces that received the listing in the first place."""
    return {
        province
        for province, rx in receivers.items()
        for got in rx.received
        if got.payload.data.type == "listed" and got.payload.data.listing.listing_id == listing_id
    }
