"""The demo's national tier: 最高人民法院 lists court defaulters as a national source, is refused
outside its domain, and 信用中国 receives what must be reported upward, on time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway_client.cli.subject_table import upward_line
from gateway_client.contract import (
    Ed25519Signer,
    china_date,
    generate_signing_key,
    load_private_key,
    public_key_text,
)
from gateway_client.push_client import PushClient, http_request
from infra.local import scenario
from infra.local.demo_setup import Operator
from infra.local.receiver import Receiver

Check = tuple[str, bool]
NATION, COURT = "100000", "100001"
LEGEND = (
    "legend: national source 国家部委/行业平台 — a ministry or sector platform (最高人民法院, "
    "100001) that lists only in the catalogue domains it was registered for",
    "legend: national platform 信用中国 — the nation (100000), root of the region tree: it "
    "receives every region's lists and changes none it did not list",
    "legend: upward reporting 向上报送 — listings that must reach 信用中国 within a deadline "
    "(CG_UPWARD_REPORTING); the monthly statistics give the share reported on time",
)
DEFAULTER = scenario.make_uscc("91430100MA4NAT001")
TAX_EVADER = scenario.make_uscc("91430100MA4NAT002")


def subscribe_nation(operator: Operator, url: str) -> Receiver:
    """信用中国 registers and subscribes before anything is listed, so that every listing due
    upward can reach it."""
    operator.call("PUT", f"/v1/regions/{NATION}", {"name": "信用中国", "kind": "national_platform"})
    receiver = Receiver("信用中国").start()
    receiver.subscribe(url, {"region": NATION}, operator.headers)
    return receiver


def run_national(
    url: str,
    operator: Operator,
    nation: Receiver,
    drain: Callable[[], None],
    say: Callable[[str], None],
) -> list[Check]:
    for line in LEGEND:
        say(line)
    court = _court_source(operator, url)
    say("· 最高人民法院 pushes a court defaulter, and a tax violation outside its domain")
    now = datetime.now(UTC)
    entries = [_entry(DEFAULTER, "court_defaulter"), _entry(TAX_EVADER, "major_tax_violation")]
    pushed = court.push(entries, now)
    drain()
    listed = pushed.body["outcomes"][0]["listing_id"] if pushed.status == 200 else ""
    refused = [(e["index"], e["code"]) for e in pushed.body.get("errors", [])]
    tax_view = http_request("GET", f"{url}/v1/subjects/{TAX_EVADER}")
    stats = operator.call("GET", f"/v1/stats?region={NATION}&month={china_date(now):%Y-%m}", {})
    upward = stats["upward"]
    for line in upward:
        say("  " + upward_line(line))
    # Its part played, 信用中国 pauses its subscription before its endpoint goes down (as for
    # maintenance): what follows is parked for it, not retried against a closed port until
    # dead with each drain of the rest of the demo waiting out the retry schedule (about a
    # minute in all). Paused, it is still listed, with what it was sent (the console's tests).
    operator.call("POST", f"/v1/subscriptions/{nation.subscription_id}/pause", {})
    nation.stop()
    return [
        (
            "a national source's entry outside its domains is refused per entry "
            "(domain_not_permitted) and nothing is stored",
            pushed.status == 200
            and pushed.body["accepted"] == 1
            and refused == [(1, "domain_not_permitted")]
            and tax_view.status == 404,
        ),
        (
            "信用中国 receives the court's listing (national platform 信用中国)",
            listed in {r.payload.data.listing.listing_id for r in nation.received},
        ),
        (
            "every court-defaulter listing due this month reached 信用中国 on time (向上报送)",
            len(upward) == 1
            and upward[0]["due"] >= 1
            and upward[0]["reported_on_time"] == upward[0]["due"]
            and upward[0]["share"] == 1.0,
        ),
    ]


def _court_source(operator: Operator, url: str) -> PushClient:
    source = {"name": "最高人民法院", "kind": "national_source", "domains": ["court_defaulter"]}
    operator.call("PUT", f"/v1/regions/{COURT}", source)
    private = load_private_key(generate_signing_key())
    key = {"key_id": "spc-demo-1", "public_key": public_key_text(private)}
    operator.call("POST", f"/v1/regions/{COURT}/keys", key)
    return PushClient(url, COURT, Ed25519Signer("spc-demo-1", private))


_DECISIONS = {
    "court_defaulter": {
        "reason": "有履行能力而拒不履行生效法律文书确定的义务",
        "legal_basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        "deciding_authority": "长沙市中级人民法院",
        "decision_number": "(2026)湘01执901号",
    },
    "major_tax_violation": {
        "reason": "虚开增值税专用发票",
        "legal_basis": "《重大税收违法失信主体信息公布管理办法》第六条",
        "deciding_authority": "国家税务总局长沙市税务局",
        "decision_number": "长税稽罚〔2026〕9号",
    },
}


def _entry(code: str, domain: str) -> dict[str, Any]:
    decided = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    return {
        "credit_code": code,
        "subject_name": "长沙某某贸易有限公司",
        "kind": "black",
        "domain": domain,
        "severity": "serious",
        **_DECISIONS[domain],
        "decided_on": decided,
        "valid_from": decided,
        "source_updated_at": datetime.now(UTC).isoformat(),
    }
