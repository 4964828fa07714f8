"""The demo's delivery guarantees: an endpoint down at first, then the exchange-log audit."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime

from gateway_client.contract import DeliveryPayload
from gateway_client.log_verifier import verify_log
from gateway_client.push_client import PushClient
from infra.local import scenario
from infra.local.demo_lifecycle import TICK_AHEAD
from infra.local.receiver import Receiver

DOWN_FOR = 4  # the first requests 广东省's endpoint fails, while "its server restarts"


def flaky() -> Callable[[], int]:
    """503 for the first ``DOWN_FOR`` requests, then the receiver's normal answer."""
    calls = itertools.count(1)
    return lambda: 503 if next(calls) <= DOWN_FOR else 204


def _in_order(received: list[DeliveryPayload]) -> bool:
    """Per subject, the log sequence only ever grows in the order things arrived."""
    last: dict[str, int] = {}
    for payload in received:
        if payload.type != "listing.changed" or payload.log_sequence is None:
            continue
        subject = payload.data.listing.credit_code
        if payload.log_sequence < last.get(subject, 0):
            return False
        last[subject] = payload.log_sequence
    return True


def delivery_checks(
    url: str,
    clients: dict[str, PushClient],
    receivers: dict[str, Receiver],
    subscriptions: dict[str, str],
    say: Callable[[str], None],
) -> list[tuple[str, bool]]:
    guangdong = receivers["440000"]
    refused = len(guangdong.raw) - len(guangdong.received)
    checks = [
        (
            f"广东省 was down for {DOWN_FOR} requests; retries delivered everything, in order",
            refused == DOWN_FOR and _in_order([r.payload for r in guangdong.received]),
        )
    ]
    say("· every province audits what it stored against the signed exchange log (verify-log)")
    verified: dict[str, int] = {}
    for province in scenario.PROVINCES:
        stored = [r.payload for r in receivers[province.code].received]
        report = verify_log(
            clients[province.code], url, subscriptions[province.code], stored, now=simulated()
        )
        verified[province.code] = report.verified_through
        checks.append(
            (
                f"verify-log for {province.name}: {len(stored)} deliveries, "
                f"checkpoint {report.verified_through}, no gap or alteration"
                + "".join(f"\n      PROBLEM: {problem}" for problem in report.problems),
                report.ok and report.verified_through > 0,
            )
        )
    first = scenario.PROVINCES[0]
    stored = [r.payload for r in receivers[first.code].received]
    sm2 = verify_log(
        clients[first.code], url, subscriptions[first.code], stored, "sm2", now=simulated()
    )
    checks.append(
        (
            f"verify-log --algorithm sm2 for {first.name}: the same log proven by the checkpoints' "
            f"SM2 signature (GM/T 0003) through {sm2.verified_through}",
            sm2.ok and sm2.verified_through == verified[first.code] > 0,
        )
    )
    return checks


def simulated() -> datetime:
    """The demo's clock once its lifecycle tick ran ahead: the time verify-log audits at."""
    return datetime.now(UTC) + TICK_AHEAD
