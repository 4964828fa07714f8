"""``make demo``: cities push signed lists, provinces receive verified webhooks, over real HTTP."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, TypeAdapter

from gateway_client.cli.subject_table import render_stats
from gateway_client.contract import china_date
from gateway_client.push_client import Response, http_request
from infra.local import scenario
from infra.local.demo_bulk import run_bulk
from infra.local.demo_checks import run_checks
from infra.local.demo_delivery import delivery_checks
from infra.local.demo_lifecycle import run_lifecycle
from infra.local.demo_national import run_national, subscribe_nation
from infra.local.demo_objection import run_objection
from infra.local.demo_persons import run_persons
from infra.local.demo_report import DemoReport, PlatformTally, print_report, tally_provinces
from infra.local.demo_setup import (
    Operator,
    claiming,
    forged_push,
    register_platforms,
    subscribe_provinces,
)
from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

_WHEN = TypeAdapter(AwareDatetime)


def run_demo(stack: LocalStack, say: Callable[[str], None] = print) -> DemoReport:
    now = datetime.now(UTC)
    operator = Operator(stack.url, stack.operator_token)
    clients = register_platforms(operator, stack.url)
    receivers = subscribe_provinces(operator, stack.url, clients)
    nation = subscribe_nation(operator, stack.url)  # 信用中国 receives what is reported upward
    agreements = scenario.agreements(china_date(now))
    say("· 湖南省 and 广东省 sign mutual-recognition agreements")
    for name in ("hunan", "guangdong"):
        operator.call("POST", "/v1/agreements", agreements[name])
    tallies = {p.code: PlatformTally() for p in scenario.PLATFORMS}
    checks: list[tuple[str, bool]] = []
    results: dict[str, Any] = {}
    bodies: dict[str, bytes] = {}
    data = scenario.batches(china_date(now), now)

    def push(code: str, name: str, replay: bool = False) -> Response:
        client = clients[code]
        if not replay:
            _, bodies[name] = client.build(data[name], f"{name}-{now:%Y%m%d%H%M%S}", now)
        batch_id = json.loads(bodies[name])["batch_id"]
        reply = client.send_signed("/v1/pushes", batch_id, bodies[name], datetime.now(UTC))
        tally = tallies[code]
        tally.batches += 1
        if reply.status != 200:
            tally.refused += 1
        elif not replay:
            tally.accepted += reply.body["accepted"]
            tally.duplicate += reply.body["duplicate"]
            tally.rejected += reply.body["rejected"]
            results[name] = reply.body
        return reply

    say("· 七台河市, 新郑市, 清城区, 大冶市 push their lists; 黄石市 relays 大冶市's listing")
    for code, name in (("230900", "qth"), ("410184", "xz"), ("441802", "qc"), ("420281", "dy")):
        push(code, name)
    relay = push("420200", "hs-relay")
    checks.append(
        (
            "黄石市's relay of 大冶市's listing counts as a duplicate",
            relay.body.get("duplicate") == 1,
        )
    )
    update = push("441802", "qc-update")
    checks.append(
        ("清城区's newer version of a listing is accepted", update.body.get("accepted") == 1)
    )
    checks.append(
        ("an invalid USCC is rejected", _has_error(results["qth"], "invalid_check_character"))
    )
    checks.append(
        (
            "a black-list entry without legal basis is rejected",
            _has_error(results["xz"], "missing_legal_basis"),
        )
    )

    say("· a forged push, a replayed batch, and a city pushing for another region")
    foreign = clients["420200"].send_signed(
        "/v1/pushes", "foreign-1", claiming("420281", data["dy"], now), datetime.now(UTC)
    )
    tallies["420200"].batches += 1
    tallies["420200"].refused += 1
    checks.append(
        ("a push for another region is refused with 403 region_mismatch", foreign.status == 403)
    )
    say("· 黄石市 signs a newer version of 清城区's listing as its own: refused, nothing written")
    takeover_id, takeover = clients["420200"].build(
        data["qc-update"], f"takeover-{now:%Y%m%d%H%M%S}", now
    )
    seized = clients["420200"].send_signed("/v1/pushes", takeover_id, takeover, datetime.now(UTC))
    tallies["420200"].batches += 1
    tallies["420200"].rejected += seized.body.get("rejected", 0) if seized.status == 200 else 0
    checks.append(
        (
            "another region's version of a listing is refused per entry (not_listing_owner)",
            seized.status == 200
            and seized.body["accepted"] == 0
            and _has_error(seized.body, "not_listing_owner"),
        )
    )
    forged = forged_push(stack.url, data["xz"], now)
    tallies["410184"].batches += 1
    tallies["410184"].refused += 1
    checks.append(
        (
            "a forged signature is refused with 401 invalid_signature",
            forged.status == 401 and forged.body["error"]["code"] == "invalid_signature",
        )
    )
    replay = push("230900", "qth", replay=True)
    checks.append(
        (
            "a replayed batch returns its first result and writes nothing twice",
            replay.status == 200 and replay.body == results["qth"],
        )
    )

    say("· pumping stream and queue events until every delivery is settled")
    if stack.pump is None:
        raise RuntimeError("the local stack is not started")
    stack.pump.drain(timeout=60)

    relayed = http_request("GET", f"{stack.url}/v1/subjects/{scenario.DY_MINE}").body
    provenances = next(
        v["listing"]["provenances"]
        for v in relayed["listings"]
        if v["listing"]["domain"] == "work_safety"
    )
    checks.append(
        (
            "the relayed listing is one listing with both provenances",
            provenances == ["420200", "420281"],
        )
    )

    say("· 湖北省 signs an agreement with 河南省: existing listings re-evaluated for 湖北省")
    before = {code: Counter(r.payload.type for r in rx.received) for code, rx in receivers.items()}
    signed = operator.call("POST", "/v1/agreements", agreements["hubei-later"])
    stack.pump.drain(timeout=60)
    after = {code: Counter(r.payload.type for r in rx.received) for code, rx in receivers.items()}
    gained = {code: after[code] - before[code] for code in receivers}
    checks.append(
        (
            "the new agreement re-evaluates 新郑市's two listings for 湖北省 only",
            signed["reevaluation"] is not None
            and gained["420000"] == Counter({"recognition.changed": 2})
            and not gained["430000"]
            and not gained["440000"],
        )
    )

    checks += _recognition_checks(stack.url, receivers)
    checks += run_lifecycle(stack, operator.call, clients, receivers, say)
    operator.call("POST", "/v1/log/checkpoints", {})
    subscriptions = {code: rx.subscription_id for code, rx in receivers.items()}
    checks += delivery_checks(stack.url, clients, receivers, subscriptions, say)
    checks += run_checks(stack.url, clients["420200"], "黄石市", say)
    queries = _query_rows(stack.url)
    month = f"{china_date(datetime.now(UTC)):%Y-%m}"
    stats = operator.call("GET", f"/v1/stats?region=420000&month={month}", {})
    provinces = tally_provinces(receivers, data, results)
    deliveries = {
        code: [r.payload.model_dump(mode="json") for r in receiver.received]
        for code, receiver in receivers.items()
    }
    checks += run_bulk(stack, clients["230900"], receivers, say)
    checks += run_national(stack.url, operator, nation, stack.pump.drain, say)
    checks += run_persons(stack, clients, say)
    checks += run_objection(stack, clients, receivers, say)
    for receiver in receivers.values():
        receiver.stop()
    return DemoReport(
        platforms=tallies,
        provinces=provinces,
        checks=checks,
        queries=queries,
        stats=render_stats(stats),
        deliveries=deliveries,
    )


def _view(url: str, code: str, region: str) -> dict[str, Any]:
    reply = http_request("GET", f"{url}/v1/subjects/{code}?as={region}")
    if reply.status != 200:
        raise RuntimeError(f"query {code} as {region} → {reply.status}: {reply.body}")
    view: dict[str, Any] = reply.body
    return view


def _listing(view: dict[str, Any], domain: str) -> dict[str, Any]:
    found: dict[str, Any] = next(v for v in view["listings"] if v["listing"]["domain"] == domain)
    return found


def _recognition_checks(url: str, receivers: dict[str, Receiver]) -> list[tuple[str, bool]]:
    hunan = _listing(_view(url, scenario.DY_MINE, "430000"), "work_safety")
    guangdong = _listing(_view(url, scenario.DY_MINE, "440000"), "work_safety")
    food = _listing(_view(url, scenario.XZ_FOOD, "430000"), "food_drug")
    flagged = {
        code
        for code, rx in receivers.items()
        for r in rx.received
        if r.payload.intensified and r.payload.intensified.intensified
    }
    return [
        (
            "湖南省 recognises 大冶市's serious work-safety listing by agreement; 广东省 does not",
            hunan["recognised"] is True
            and guangdong["recognised"] is False
            and guangdong["reasons"] == ["no_agreement"],
        ),
        (
            "湖南省 does not recognise 新郑市's general food listing: severity below threshold",
            food["recognised"] is False and food["reasons"] == ["severity_below_threshold"],
        ),
        (
            "大冶市某矿业 (two black domains) is flagged intensified for 湖北省 and 湖南省 only",
            flagged == {"420000", "430000"},
        ),
    ]


def _query_rows(url: str) -> list[list[str]]:
    rows: list[list[str]] = []
    for province in scenario.PROVINCES:
        view = _view(url, scenario.DY_MINE, province.code)
        for item in view["listings"]:
            why = item["basis"] if item["recognised"] else item["reasons"]
            rows.append(
                [
                    province.name + (" (加大惩戒)" if view["intensified"] else ""),
                    item["listing"]["domain"],
                    "yes" if item["recognised"] else "no",
                    ", ".join(why),
                    _measures(item["measures"]),
                ]
            )
    return rows


def _measures(measures: list[dict[str, Any]]) -> str:
    mandatory = sum(1 for m in measures if m["mandatory"])
    return f"{mandatory} mandatory, {len(measures) - mandatory} recommended" if measures else "-"


def _has_error(result: dict[str, Any], code: str) -> bool:
    return any(error["code"] == code for error in result["errors"])


def main() -> int:
    with LocalStack() as stack:
        print(f"local stack up: gateway {stack.url}")
        report = run_demo(stack)
        print_report(report)
    return 0 if report.ok else 1
