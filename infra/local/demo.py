"""``make demo``: cities push signed lists, provinces receive verified webhooks, over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, TypeAdapter

from gateway.catalogue import ListKind
from gateway.client import PushClient, Response, http_request
from gateway.listing import version_of
from gateway.signing import (
    Ed25519Signer,
    generate_signing_key,
    load_private_key,
    load_public_key,
    public_key_text,
)
from gateway.text_table import render
from infra.local import scenario
from infra.local.receiver import Receiver
from infra.local.stack import LocalStack

_WHEN = TypeAdapter(AwareDatetime)


@dataclass
class PlatformTally:
    batches: int = 0
    refused: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0


@dataclass
class ProvinceTally:
    expected: set[tuple[str, str]] = field(default_factory=set)
    received: set[tuple[str, str]] = field(default_factory=set)
    deliveries: int = 0
    failed_verification: int = 0


@dataclass
class DemoReport:
    platforms: dict[str, PlatformTally]
    provinces: dict[str, ProvinceTally]
    checks: list[tuple[str, bool]]
    deliveries: dict[str, list[dict[str, Any]]]

    @property
    def ok(self) -> bool:
        return all(ok for _, ok in self.checks) and all(
            p.expected <= p.received and not p.failed_verification for p in self.provinces.values()
        )


class Operator:
    """The gateway operator's side of the demo: regions, keys, subscriptions."""

    def __init__(self, url: str, token: str) -> None:
        self._url = url
        self._auth = {"authorization": f"Bearer {token}", "content-type": "application/json"}

    def call(self, method: str, path: str, body: dict[str, Any]) -> Any:
        reply = http_request(method, self._url + path, json.dumps(body).encode(), self._auth)
        if reply.status >= 300:
            raise RuntimeError(f"{method} {path} → {reply.status}: {reply.body}")
        return reply.body


def run_demo(stack: LocalStack, say: Callable[[str], None] = print) -> DemoReport:
    now = datetime.now(UTC)
    operator = Operator(stack.url, stack.operator_token)
    clients = _register_platforms(operator, stack.url)
    receivers = _subscribe_provinces(operator, stack.url)
    tallies = {p.code: PlatformTally() for p in scenario.PLATFORMS}
    checks: list[tuple[str, bool]] = []
    results: dict[str, Any] = {}
    bodies: dict[str, bytes] = {}
    data = scenario.batches(now.date(), now)

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
        "/v1/pushes", "foreign-1", _claiming("420281", data["dy"], now), datetime.now(UTC)
    )
    tallies["420200"].batches += 1
    tallies["420200"].refused += 1
    checks.append(
        ("a push for another region is refused with 403 region_mismatch", foreign.status == 403)
    )
    forged = _forged_push(stack.url, data["xz"], now)
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
    provenances = relayed["listings"][0]["listing"]["provenances"] if relayed else []
    checks.append(
        (
            "the relayed listing is one listing with both provenances",
            provenances == ["420200", "420281"],
        )
    )

    provinces = _tally_provinces(receivers, data, results)
    for receiver in receivers.values():
        receiver.stop()
    return DemoReport(
        platforms=tallies,
        provinces=provinces,
        checks=checks,
        deliveries={
            code: [r.payload.model_dump(mode="json") for r in receiver.received]
            for code, receiver in receivers.items()
        },
    )


def _has_error(result: dict[str, Any], code: str) -> bool:
    return any(error["code"] == code for error in result["errors"])


def _register_platforms(operator: Operator, url: str) -> dict[str, PushClient]:
    clients: dict[str, PushClient] = {}
    for platform in scenario.PLATFORMS:
        operator.call("PUT", f"/v1/regions/{platform.code}", {"name": platform.name})
        private = load_private_key(generate_signing_key())
        operator.call(
            "POST",
            f"/v1/regions/{platform.code}/keys",
            {"key_id": platform.key_id, "public_key": public_key_text(private)},
        )
        clients[platform.code] = PushClient(
            url, platform.code, Ed25519Signer(platform.key_id, private)
        )
    return clients


def _subscribe_provinces(operator: Operator, url: str) -> dict[str, Receiver]:
    keys = http_request("GET", url + "/v1/keys").body["keys"]
    public_keys = [load_public_key(k["public_key"]) for k in keys]
    receivers: dict[str, Receiver] = {}
    for province in scenario.PROVINCES:
        operator.call("PUT", f"/v1/regions/{province.code}", {"name": province.name})
        receiver = Receiver(province.name, public_keys=public_keys).start()
        created = operator.call(
            "POST",
            "/v1/subscriptions",
            {
                "region": province.code,
                "url": receiver.url,
                "filters": province.filters.model_dump(mode="json"),
                "signature_scheme": province.scheme,
            },
        )
        receiver.secret = created.get("secret")
        receivers[province.code] = receiver
    return receivers


def _claiming(region: str, entries: list[dict[str, Any]], now: datetime) -> bytes:
    body = {
        "region": region,
        "batch_id": "foreign-1",
        "issued_at": now.isoformat(),
        "entries": entries,
    }
    return json.dumps(body, ensure_ascii=False).encode()


def _forged_push(url: str, entries: list[dict[str, Any]], now: datetime) -> Response:
    """新郑市's key id, but signed with a key the attacker made."""
    attacker = Ed25519Signer("xz-2026-1", load_private_key(generate_signing_key()))
    return PushClient(url, "410184", attacker).push(entries, now, batch_id="forged-1")


def _tally_provinces(
    receivers: dict[str, Receiver], data: dict[str, list[dict[str, Any]]], results: dict[str, Any]
) -> dict[str, ProvinceTally]:
    accepted = [
        (data[name][o["index"]], o["listing_id"], result["region"])
        for name, result in results.items()
        for o in result["outcomes"]
        if o["outcome"] == "accepted"
    ]
    tallies: dict[str, ProvinceTally] = {}
    for province in scenario.PROVINCES:
        tally = ProvinceTally()
        for entry, listing_id, region in accepted:
            origin = entry.get("origin_region") or region
            if province.filters.admits(ListKind(entry["kind"]), entry["domain"], origin):
                version = version_of(
                    _WHEN.validate_python(entry["source_updated_at"]),
                    entry.get("source_sequence", 0),
                )
                tally.expected.add((listing_id, version))
        receiver = receivers[province.code]
        tally.deliveries = len(receiver.received)
        tally.received = {
            (r.payload.data.listing.listing_id, r.payload.data.listing.version)
            for r in receiver.received
        }
        tally.failed_verification = len(receiver.rejected)
        tallies[province.code] = tally
    return tallies


def print_report(report: DemoReport, say: Callable[[str], None] = print) -> None:
    names = {p.code: p.name for p in (*scenario.PLATFORMS, *scenario.PROVINCES)}
    say("\nPushes per platform")
    say(
        render(
            ["platform", "region", "batches", "refused", "accepted", "duplicate", "rejected"],
            [
                [names[code], code, t.batches, t.refused, t.accepted, t.duplicate, t.rejected]
                for code, t in report.platforms.items()
            ],
        )
    )
    say("\nDeliveries per province")
    say(
        render(
            ["province", "region", "expected", "received", "verified", "failed", "missing"],
            [
                [
                    names[code],
                    code,
                    len(t.expected),
                    t.deliveries,
                    len(t.received),
                    t.failed_verification,
                    len(t.expected - t.received),
                ]
                for code, t in report.provinces.items()
            ],
        )
    )
    say("\nChecks")
    for description, ok in report.checks:
        say(f"  [{'ok' if ok else 'FAIL'}] {description}")
    say(f"\n{'demo passed' if report.ok else 'demo FAILED'}")


def main() -> int:
    with LocalStack() as stack:
        print(f"local stack up: gateway {stack.url}")
        report = run_demo(stack)
        print_report(report)
    return 0 if report.ok else 1
