"""Two resyncs of one domain by one platform, the second (a corrected complete list, issued
later) ingested before the first finishes: the older one's removals ended a listing the newer
list holds — the outcome hung on which run finished last, not on which list is newer (review
128). The newer list decides: the older resync withholds its removals, saying which one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from app_support import CITY, CREDIT_CODE, black_entry
from lifecycle_support import Lifecycle, pushed
from upload_support import ask, put_and_ingest

import gateway.intake.bulk_batches as bulk_batches
import gateway.intake.bulk_ingest as bulk_ingest
from chalicelib.bootstrap import container
from gateway.intake import UploadStatus


def test_an_older_resync_finishing_last_does_not_undo_the_newer_one(gateway, aws) -> None:
    city = gateway.register_platform(CITY)
    kept = [black_entry(decision_number=f"(2026)黑09执{i}号") for i in range(20)]
    assert gateway.push(city, CITY, kept).json_body["accepted"] == 20
    forgotten = black_entry(decision_number="(2026)黑09执500号")  # left out of the first list
    resync = {"mode": "resync", "domains": ["court_defaulter"]}
    first = ask(gateway, city, kept, **resync)  # issued first
    corrected = ask(gateway, city, [*kept, forgotten], **resync)  # issued after it
    put_and_ingest(aws, corrected)  # the corrected list happens to be ingested first
    put_and_ingest(aws, first)

    uploads = container().uploads
    newer = uploads.get(CITY, corrected.upload_id)
    older = uploads.get(CITY, first.upload_id)
    assert (newer.status, newer.accepted) == (UploadStatus.COMPLETED, 1)
    view = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}", headers=gateway.operator())
    status = {
        v["listing"]["decision_number"]: v["listing"]["status"] for v in view.json_body["listings"]
    }
    assert status["(2026)黑09执500号"] == "active"  # the newest complete list holds it
    assert (older.removal, older.removed) == ("withheld", 0)
    assert corrected.upload_id in older.removal_note


def test_a_step_taken_after_the_issue_does_not_shield_a_dropped_listing(gateway, aws) -> None:
    """Only a newer list decides otherwise (review 131: an objection filed after the issue, which
    moves the listing's ``accepted_at``, kept it when acceptance times were compared)."""
    city = gateway.register_platform(CITY)
    kept = [black_entry(decision_number=f"(2026)黑09执{i}号") for i in range(20)]
    assert gateway.push(city, CITY, kept).json_body["accepted"] == 20
    dropped = black_entry(decision_number="(2026)黑09执500号")
    dropped_id = pushed(gateway, city, CITY, dropped)
    resync = {"mode": "resync", "domains": ["court_defaulter"]}
    asked = ask(gateway, city, kept, **resync)  # the platform's list: no longer holds it
    life = Lifecycle(gateway)
    filed = life.file_objection(CREDIT_CODE, dropped_id, "obj-1")  # the subject objects
    assert filed.status_code == 201, filed.json_body
    put_and_ingest(aws, asked)

    done = container().uploads.get(CITY, asked.upload_id)
    assert done.status == UploadStatus.COMPLETED, done
    assert life.status(CREDIT_CODE, dropped_id) == "revoked"
    assert done.removed == 1


TAX = {"domain": "major_tax_violation", "deciding_authority": "国家税务总局七台河市税务局"}


def test_a_newer_resync_of_one_domain_leaves_the_older_its_other_domains(gateway, aws) -> None:
    """The older lists court defaulters and tax violations, the newer court defaulters only:
    the older's tax removals stand (review 133: the newer withheld them all)."""
    city = gateway.register_platform(CITY)
    court = [black_entry(decision_number=f"(2026)黑09执{i}号") for i in range(20)]
    tax = [black_entry(**TAX, decision_number=f"七税稽罚〔2026〕{i}号") for i in range(20)]
    dropped = black_entry(**TAX, decision_number="七税稽罚〔2026〕500号")
    assert gateway.push(city, CITY, [*court, *tax, dropped]).json_body["accepted"] == 41
    domains = ["court_defaulter", "major_tax_violation"]
    both = ask(gateway, city, [*court, *tax], mode="resync", domains=domains)
    courts = ask(gateway, city, court, mode="resync", domains=["court_defaulter"])
    put_and_ingest(aws, courts)
    put_and_ingest(aws, both)

    older = container().uploads.get(CITY, both.upload_id)
    view = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}", headers=gateway.operator())
    status = {
        v["listing"]["decision_number"]: v["listing"]["status"] for v in view.json_body["listings"]
    }
    assert status["七税稽罚〔2026〕500号"] == "revoked"
    assert (older.removal, older.removed) == ("applied", 1)
    assert f"court_defaulter ({courts.upload_id})" in older.removal_note


def _statuses(gateway) -> dict[str, str]:  # type: ignore[no-untyped-def]
    view = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}", headers=gateway.operator())
    return {
        v["listing"]["decision_number"]: v["listing"]["status"] for v in view.json_body["listings"]
    }


def test_an_older_resync_ingested_last_does_not_list_what_the_newer_one_dropped(
    gateway, aws
) -> None:
    """The first list held a listing by mistake; the corrected list, issued after, leaves it
    out and is ingested first. The older one's lines in the domain the newer list decides are
    set aside (``superseded_by_newer_resync``), storing nothing (review 185: it was listed)."""
    city = gateway.register_platform(CITY)
    kept = [black_entry(decision_number=f"(2026)黑09执{i}号") for i in range(20)]
    assert gateway.push(city, CITY, kept).json_body["accepted"] == 20
    mistaken = black_entry(decision_number="(2026)黑09执900号")
    resync = {"mode": "resync", "domains": ["court_defaulter"]}
    first = ask(gateway, city, [*kept, mistaken], **resync)
    corrected = ask(gateway, city, kept, **resync)
    put_and_ingest(aws, corrected)
    put_and_ingest(aws, first)

    older = container().uploads.get(CITY, first.upload_id)
    assert "(2026)黑09执900号" not in _statuses(gateway)
    assert (older.status, older.accepted, older.set_aside, older.removal) == (
        UploadStatus.COMPLETED,
        0,
        21,
        "withheld",
    )
    assert {(e.field, e.code) for e in older.errors} == {("domain", "superseded_by_newer_resync")}


def test_a_newer_resync_still_awaiting_its_file_decides_nothing_yet(gateway, aws) -> None:
    """It may never come: the older list is ingested as it is, and the newer one's removals
    follow it when its file does."""
    city = gateway.register_platform(CITY)
    kept = [black_entry(decision_number=f"(2026)黑09执{i}号") for i in range(20)]
    mistaken = black_entry(decision_number="(2026)黑09执900号")
    resync = {"mode": "resync", "domains": ["court_defaulter"], "force": True}
    first = ask(gateway, city, [*kept, mistaken], **resync)
    corrected = ask(gateway, city, kept, **resync)
    put_and_ingest(aws, first)
    listed = _statuses(gateway)["(2026)黑09执900号"]
    put_and_ingest(aws, corrected)

    assert container().uploads.get(CITY, first.upload_id).accepted == 21
    assert (listed, _statuses(gateway)["(2026)黑09执900号"]) == ("active", "revoked")


@pytest.mark.roles_unchecked("the newer upload's file is put while the older one ingests")
def test_a_newer_resync_done_during_an_older_one_s_run_sets_its_later_lines_aside(
    gateway, aws, monkeypatch
) -> None:
    """The newer list is verified and ingested between two batches of the older run: the
    older run's later lines in its domains store nothing either (review 186: the run read the
    newer resyncs once, at its start)."""
    city = gateway.register_platform(CITY)
    kept = [black_entry(decision_number=f"(2026)黑09执{i}号") for i in range(20)]
    assert gateway.push(city, CITY, kept).json_body["accepted"] == 20
    mistaken = black_entry(decision_number="(2026)黑09执900号")
    resync = {"mode": "resync", "domains": ["court_defaulter"]}
    first = ask(gateway, city, [*kept, mistaken], **resync)  # issued first, big
    corrected = ask(gateway, city, kept, **resync)  # issued after it, leaves the mistake out

    monkeypatch.setattr(bulk_batches, "LINES_PER_BATCH", 5)
    monkeypatch.setattr(bulk_batches, "BATCHES_PER_CHECKPOINT", 1)  # asked again each batch
    real = bulk_ingest.rules_now
    calls = {"n": 0, "done": False}

    def rules(registry, upload):  # type: ignore[no-untyped-def]
        if upload.manifest.upload_id == first.upload_id:
            calls["n"] += 1
            if calls["n"] == 2 and not calls["done"]:
                calls["done"] = True
                put_and_ingest(aws, corrected)  # the corrected list, ingested meanwhile
        return real(registry, upload)

    monkeypatch.setattr(bulk_ingest, "rules_now", rules)
    put_and_ingest(aws, first)
    assert calls["done"]
    newer = container().uploads.get(CITY, corrected.upload_id)
    assert newer.status.value == "completed"
    # the newer, complete list leaves the mistaken listing out: it must not be listed
    assert "(2026)黑09执900号" not in _statuses(gateway)


def test_of_two_resyncs_issued_at_one_moment_the_greater_id_decides(gateway, aws) -> None:
    """Neither was newer, so both removed, and the one that ran last decided: now the one of
    the greater upload id is the newer, whichever order they run in (review 185)."""
    city = gateway.register_platform(CITY)
    kept = [black_entry(decision_number=f"(2026)黑09执{i}号") for i in range(20)]
    assert gateway.push(city, CITY, kept).json_body["accepted"] == 20
    extra = black_entry(decision_number="(2026)黑09执500号")
    resync = {"mode": "resync", "domains": ["court_defaulter"]}
    moment = datetime.now(UTC) - timedelta(minutes=1)
    holding = ask(gateway, city, [*kept, extra], at=moment, upload_id="u-b", **resync)
    leaving = ask(gateway, city, kept, at=moment, upload_id="u-a", **resync)
    put_and_ingest(aws, holding)
    put_and_ingest(aws, leaving)  # older by its id: its removal of the extra one is withheld

    assert _statuses(gateway)["(2026)黑09执500号"] == "active"
    assert container().uploads.get(CITY, leaving.upload_id).removal == "withheld"
