"""What the demo counts, checks and prints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import AwareDatetime, TypeAdapter

from gateway_client.cli.text_table import render
from gateway_client.contract import ListKind, version_of
from infra.local import scenario
from infra.local.receiver import Receiver

_WHEN = TypeAdapter(AwareDatetime)
_PUSHED = {"listed", "updated"}  # what pushes produce; lifecycle steps are checked separately


@dataclass
class PlatformTally:
    batches: int = 0
    refused: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0


@dataclass
class ProvinceTally:
    """``expected``/``received``: (listing id, version) of changes that pushes produced."""

    expected: set[tuple[str, str]] = field(default_factory=set)
    received: set[tuple[str, str]] = field(default_factory=set)
    events: Counter[str] = field(default_factory=Counter)
    failed_verification: int = 0


@dataclass
class DemoReport:
    platforms: dict[str, PlatformTally]
    provinces: dict[str, ProvinceTally]
    checks: list[tuple[str, bool]]
    deliveries: dict[str, list[dict[str, Any]]]
    queries: list[list[str]]
    stats: str = ""

    @property
    def ok(self) -> bool:
        return all(ok for _, ok in self.checks) and all(
            p.expected <= p.received and not p.failed_verification for p in self.provinces.values()
        )


def tally_provinces(
    receivers: dict[str, Receiver], data: dict[str, list[dict[str, Any]]], results: dict[str, Any]
) -> dict[str, ProvinceTally]:
    """Expected listing.changed events from what was accepted and each province's filters."""
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
                updated = _WHEN.validate_python(entry["source_updated_at"])
                tally.expected.add(
                    (listing_id, version_of(updated, entry.get("source_sequence", 0)))
                )
        receiver = receivers[province.code]
        for got in receiver.received:
            tally.events[got.payload.type] += 1
            if got.payload.type == "listing.changed" and got.payload.data.type in _PUSHED:
                listing = got.payload.data.listing
                tally.received.add((listing.listing_id, listing.version))
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
    say("\nDeliveries per province (every one verified by the receiver)")
    say(
        render(
            [
                "province",
                "region",
                "expected",
                "listing",
                "recognition",
                "intensified",
                "failed",
                "missing",
            ],
            [
                [
                    names[code],
                    code,
                    len(t.expected),
                    t.events["listing.changed"],
                    t.events["recognition.changed"],
                    t.events["subject.intensified"],
                    t.failed_verification,
                    len(t.expected - t.received),
                ]
                for code, t in report.provinces.items()
            ],
        )
    )
    say(f"\nOne-stop query: {scenario.DY_MINE} (大冶市某矿业有限公司) as seen by each province")
    say(render(["as", "domain", "recognised", "basis / reason", "measures"], report.queries))
    if report.stats:
        say("\nMonthly statistics (gateway stats)")
        say(report.stats)
    say("\nChecks")
    for description, ok in report.checks:
        say(f"  [{'ok' if ok else 'FAIL'}] {description}")
    say(f"\n{'demo passed' if report.ok else 'demo FAILED'}")
