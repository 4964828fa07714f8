"""Review 346: a resync's safety catch counted as "would remove" listings its removal pass
kept: those updated or created after the manifest's issued_at (they stay), those whose period
already ended (not REMOVABLE), and those in a domain a newer resync decides (withheld there).
A complete, correct list was refused resync_threshold_exceeded and the platform pushed to
force, the safety net off. Sent again with force, each of these resyncs completed with
removed == 0."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from app_support import CITY, Gateway
from lifecycle_support import china_today, recent_entry
from upload_support import ask, put_and_ingest

from chalicelib.bootstrap import container
from gateway.intake import UploadStatus

RESYNC = {"mode": "resync", "domains": ["court_defaulter"]}


def _entries(n: int, prefix: str, **overrides: Any) -> list[dict[str, Any]]:
    return [
        recent_entry(decision_number=f"(2026)黑09执{prefix}{i}号", **overrides) for i in range(n)
    ]


def test_listings_pushed_after_the_manifest_do_not_count_as_removed(
    gateway: Gateway, aws: Any
) -> None:
    city = gateway.register_platform(CITY)
    held = _entries(10, "a", source_updated_at=(datetime.now(UTC) - timedelta(hours=2)).isoformat())
    assert gateway.push(city, CITY, held).json_body["accepted"] == 10
    # the complete list as of now is signed ...
    asked = ask(gateway, city, held, CITY, **RESYNC)
    # ... then two new decisions are pushed (stamped after the manifest) before the file goes up
    later = _entries(
        2, "b", source_updated_at=(datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    )
    assert gateway.push(city, CITY, later).json_body["accepted"] == 2
    put_and_ingest(aws, asked)

    done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    # nothing is absent that the resync may remove: the two newer ones stay, by the rule
    assert (done.status, done.refusal) == (UploadStatus.COMPLETED, None), done.refusal
    assert done.removed == 0


def test_listings_whose_period_ended_do_not_count_as_removed(gateway: Gateway, aws: Any) -> None:
    city = gateway.register_platform(CITY)
    lasting = _entries(8, "c")
    ending = _entries(2, "d", valid_until=(china_today() + timedelta(days=1)).isoformat())
    assert gateway.push(city, CITY, lasting + ending).json_body["accepted"] == 10
    # three days on, before any tick: the two have ended; the complete list in force is eight
    with time_machine.travel(datetime.now(UTC) + timedelta(days=3), tick=True):
        asked = ask(gateway, city, lasting, CITY, **RESYNC)
        put_and_ingest(aws, asked)
        done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    assert (done.status, done.refusal) == (UploadStatus.COMPLETED, None), done.refusal
    assert done.removed == 0


TAX = {"domain": "major_tax_violation", "deciding_authority": "国家税务总局七台河市税务局"}


def test_listings_a_newer_resync_decides_do_not_count_as_removed(
    gateway: Gateway, aws: Any
) -> None:
    """An older resync of two domains whose court-defaulter removals are left to a newer
    resync of that domain (it removes nothing there) is refused for court defaulters absent."""
    city = gateway.register_platform(CITY)
    court = _entries(20, "e")
    tax = [recent_entry(**TAX, decision_number=f"七税稽罚〔2026〕{i}号") for i in range(20)]
    assert gateway.push(city, CITY, court + tax).json_body["accepted"] == 40
    domains = ["court_defaulter", "major_tax_violation"]
    older = ask(gateway, city, court[5:] + tax, CITY, mode="resync", domains=domains)
    ask(gateway, city, court, CITY, mode="resync", domains=["court_defaulter"])  # newer, awaiting
    put_and_ingest(aws, older)

    done = container().uploads.get(CITY, older.upload_id)
    assert done is not None
    # its court-defaulter list is left to the newer resync, and the tax list is whole:
    # nothing it may remove is absent
    assert (done.status, done.refusal) == (UploadStatus.COMPLETED, None), done.refusal
    assert done.removed == 0
