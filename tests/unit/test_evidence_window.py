"""One stack parameter sets the evidence window for the archive's lifecycle rules and for the
lifecycle tick; locally, the template's literal default is provisioned as is."""

from __future__ import annotations

from gateway.lifecycle.retention import EVIDENCE_DAYS, RETENTION_YEARS
from infra import resource_template
from infra.package import merge_template


def test_the_deployed_rules_and_the_tick_both_take_the_evidence_days_parameter() -> None:
    template = merge_template()

    rules = template["Resources"]["ArchiveBucket"]["Properties"]["LifecycleConfiguration"]
    variables = template["Resources"]["LifecycleTick"]["Properties"]["Environment"]["Variables"]
    assert {r["Prefix"]: r["ExpirationInDays"] for r in rules["Rules"]} == {
        "pushes/": {"Ref": "EvidenceDays"},
        "uploads/": {"Ref": "EvidenceDays"},
        "check-results/": 30,  # answers, not evidence: their own 30 days
        "check-inputs/": 7,  # a check's codes: the question, not evidence either
        "batches/": 7,  # batched delivery's files: deleted once sent, a week at most
        "checkpoints/fresh/": 30,  # a witness's latest cosignature, rewritten hourly when idle
    }
    assert variables["CG_EVIDENCE_DAYS"] == {"Ref": "EvidenceDays"}
    parameter = template["Parameters"]["EvidenceDays"]
    assert parameter["Default"] == EVIDENCE_DAYS
    assert parameter["MaxValue"] < 365 * RETENTION_YEARS


def test_the_resource_definitions_keep_the_default_for_the_local_stack() -> None:
    merge_template()  # works on a copy

    bucket = resource_template()["Resources"]["ArchiveBucket"]["Properties"]
    rules = bucket["LifecycleConfiguration"]["Rules"]
    assert {r["Prefix"]: r["ExpirationInDays"] for r in rules} == {
        "pushes/": EVIDENCE_DAYS,
        "uploads/": EVIDENCE_DAYS,
        "check-results/": 30,
        "check-inputs/": 7,
        "batches/": 7,
        "checkpoints/fresh/": 30,
    }
