"""The evidence window, one stack parameter for two places: how long the archive bucket keeps raw
pushes and uploads (its lifecycle rules) and how long the lifecycle tick waits before a purge
(``CG_EVIDENCE_DAYS``), so no archived copy of a listing outlives it.

``infra/resources.json`` holds the default (``gateway.lifecycle.retention.EVIDENCE_DAYS``) as a
literal,
which the local stack provisions as is; the deployed template refers to the parameter instead.
"""

from __future__ import annotations

from typing import Any

from gateway.lifecycle import EVIDENCE_DAYS, RETENTION_YEARS

PARAMETER = "EvidenceDays"


def evidence_parameter() -> dict[str, Any]:
    return {
        PARAMETER: {
            "Type": "Number",
            "Default": EVIDENCE_DAYS,
            "MinValue": 1,
            "MaxValue": 365 * RETENTION_YEARS - 1,
            "Description": "days raw pushes and uploads are kept as evidence (every version); "
            "shorter than retention, so archives are gone before a listing is purged",
        }
    }


EVIDENCE_PREFIXES = ("pushes/", "uploads/")
"""The evidence: raw pushes and uploads. Bulk check results (check-results/) keep their own
30 days: they are answers, not evidence."""


def evidence_window(resources: dict[str, Any]) -> None:
    """Point the archive bucket's evidence expiry rules at the parameter (in place)."""
    rules = resources["ArchiveBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    for rule in rules:
        if rule["Prefix"] in EVIDENCE_PREFIXES:
            rule["ExpirationInDays"] = {"Ref": PARAMETER}
