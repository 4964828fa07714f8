"""The subscriber's side of ``gateway verify-log``: fetch what the gateway published, audit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gateway_client.contract import Checkpoint, DeliveryPayload, LogEntry, SubscriptionFilters
from gateway_client.log_audit import Algorithm, AuditReport, audit
from gateway_client.push_client import PushClient, refusal_text
from gateway_client.receiver import fetch_gateway_keys

_PAGE = 1000


class PublishedLogError(RuntimeError):
    """The gateway did not answer as expected while fetching the published log."""


class DeliveriesFileError(ValueError):
    """A line of the stored deliveries is not a webhook body the gateway sends."""


def read_deliveries(path: Path) -> list[DeliveryPayload]:
    """Stored webhook bodies, one JSON document per line (split at ``\\n`` only: the bodies
    may hold U+2028 and the like, which ``splitlines`` would split at)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    return [_delivery(path, n, line) for n, line in enumerate(lines, 1) if line.strip()]


def _delivery(path: Path, number: int, line: str) -> DeliveryPayload:
    try:
        return DeliveryPayload.model_validate_json(line)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the line"
        raise DeliveriesFileError(
            f"{path} line {number}: not a stored delivery ({where}: {first['msg']})"
        ) from exc


def _get(client: PushClient, path: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    # A fresh webhook-id per read (``None``): the gateway accepts each id once per key.
    reply = client.send_signed(path, None, b"", now, method="GET")
    if reply.status != 200 or not isinstance(reply.body, dict):
        raise PublishedLogError(f"GET {path}: {refusal_text(reply)}")
    return reply.body


def verify_log(
    client: PushClient,
    base_url: str,
    subscription_id: str,
    deliveries: Sequence[DeliveryPayload],
    algorithm: Algorithm = "ed25519",
) -> AuditReport:
    """Audit stored deliveries against the published log, from the first one stored, under
    every gateway key ``/v1/keys`` lists (each for what it signed while valid). Entries whose
    listing retention purged are not owed: a subscriber erases what the tombstone names."""
    keys = fetch_gateway_keys(base_url, client.timeout)
    view = _get(client, f"/v1/subscriptions/{subscription_id}")
    filters = SubscriptionFilters.model_validate(view["filters"])
    published = _get(client, "/v1/log/checkpoints")["checkpoints"]
    checkpoints = [Checkpoint.model_validate(x) for x in published]
    logged = [d.log_sequence for d in deliveries if d.log_sequence is not None]
    owed_from = int(view.get("log_start", 0)) + 1
    start = min([*logged, owed_from])
    end = max([c.sequence for c in checkpoints] + logged + [0])
    entries: list[LogEntry] = []
    erased: set[int] = set()  # purged by retention: the tombstone is owed, not these
    for first in range(start, end + 1, _PAGE):
        page = _get(client, f"/v1/log?from={first}&limit={min(_PAGE, end + 1 - first)}")
        entries += [LogEntry.model_validate(x) for x in page["entries"]]
        erased.update(int(x) for x in page.get("erased", []))
    return audit(
        entries,
        checkpoints,
        keys,
        deliveries,
        lambda e: e.sequence not in erased and filters.admits(e.kind, e.domain, e.origin_region),
        from_sequence=owed_from,
        audience=(subscription_id, str(view["region"])),
        algorithm=algorithm,
    )
