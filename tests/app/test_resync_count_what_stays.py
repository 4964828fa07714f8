"""Review 346: a resync's safety catch counted as "would remove" listings its removal pass
kept: those updated or created after the manifest's issued_at (they stay) and those whose
period already ended (not REMOVABLE). A complete, correct list was refused
resync_threshold_exceeded and the platform pushed to force, the safety net off. Those are now
on neither side of the share (review 348: left in the whole, they diluted it); a domain a newer
resync names is counted all the same, since that one may yet be refused (review 348)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from app_support import CITY, Gateway
from lifecycle_support import Lifecycle, china_today, recent_entry
from upload_support import ask, put_and_ingest, put_object

from chalicelib.bootstrap import container
from gateway.intake import BulkIngest, UploadStatus

RESYNC = {"mode": "resync", "domains": ["court_defaulter"]}
TAX = {"domain": "major_tax_violation", "deciding_authority": "国家税务总局七台河市税务局"}


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


def test_listings_the_count_leaves_out_do_not_dilute_it(gateway: Gateway, aws: Any) -> None:
    city = gateway.register_platform(CITY)
    earlier = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    held = [
        recent_entry(decision_number=f"(2026)黑09执r{i}号", source_updated_at=earlier)
        for i in range(20)
    ]
    assert gateway.push(city, CITY, held).json_body["accepted"] == 20
    # the list drops 3 of the 20 it decides (15 %, over the 10 % catch) ...
    asked = ask(gateway, city, held[3:], CITY, **RESYNC)
    # ... and the day's new decisions are pushed before the file goes up (after the manifest:
    # they stay, and are not counted as removed)
    later = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    new = [
        recent_entry(decision_number=f"(2026)黑09执s{i}号", source_updated_at=later)
        for i in range(20)
    ]
    assert gateway.push(city, CITY, new).json_body["accepted"] == 20
    put_and_ingest(aws, asked)

    done = container().uploads.get(CITY, asked.upload_id)
    assert done is not None
    # 3 of the 20 (or 23) listings whose fate the list decides: refused, nothing removed
    assert done.status == UploadStatus.REFUSED, (done.status, done.removed, done.refusal)
    assert done.refusal is not None
    assert done.refusal.code == "resync_threshold_exceeded"
    assert done.removed == 0


def test_an_unforced_resync_removes_nothing_uncounted_when_the_newer_one_is_refused(
    gateway: Gateway, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = gateway.register_platform(CITY)
    court = [recent_entry(decision_number=f"(2026)黑09执p{i}号") for i in range(20)]
    tax = [recent_entry(**TAX, decision_number=f"七税稽罚〔2026〕p{i}号") for i in range(20)]
    pushed = gateway.push(city, CITY, court + tax).json_body
    assert pushed["accepted"] == 40
    ids = [x["listing_id"] for x in pushed["outcomes"][:20]]
    domains = ["court_defaulter", "major_tax_violation"]
    # the older list drops 5 court defaulters (5 of 40: 12.5 %, over the 10 % catch)
    older = ask(gateway, city, court[5:] + tax, CITY, mode="resync", domains=domains)
    # a newer court list, awaiting its file at the older one's count: a wrong one (drops 15)
    newer = ask(gateway, city, court[15:], CITY, mode="resync", domains=["court_defaulter"])
    version = put_object(aws, newer)  # its notice not yet handled
    ingest = BulkIngest._ingest

    def newer_refused_meanwhile(self: Any, *args: Any, **kwargs: Any) -> Any:
        # pass 2 of the older one (after its count): the newer file is judged, refused
        got = container().bulk_ingest.process(CITY, newer.upload_id, version)
        assert got is not None
        assert got.status == UploadStatus.REFUSED, got
        assert got.refusal is not None
        assert got.refusal.code == "resync_threshold_exceeded"
        return ingest(self, *args, **kwargs)

    monkeypatch.setattr(BulkIngest, "_ingest", newer_refused_meanwhile)
    put_and_ingest(aws, older)

    done = container().uploads.get(CITY, older.upload_id)
    assert done is not None
    statuses = [
        Lifecycle(gateway).status(x["credit_code"], lid) for x, lid in zip(court, ids, strict=True)
    ]
    # the count saw 0 absent it would end; 5 court defaulters are 12.5 % of 40: none may go
    # uncounted (the count takes them in, and refuses the older list)
    assert statuses[:5] == ["active"] * 5, (done.removed, done.removal_note, statuses[:5])
    assert done.removed == 0, (done.removed, done.removal_note)
