"""The signed check report: a check's outcome as a document the gateway vouches for
(``gateway_client.contract.reports`` defines the signature and verifies it offline).

It pins the check to the exchange log: the log's length and head hash when it was issued, so a
later reader can tell which changes the gateway knew of (``gateway verify-log`` checks a head
against the published log and its signed checkpoints). The gateway keeps no copy: the report
holds what the asker was shown, and it is theirs to file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import AwareDatetime, Field

from gateway.checks.batch import CheckOutcome, CheckResult, CheckSummary
from gateway_client.contract import (
    Checkpoint,
    Ed25519Signer,
    Frozen,
    Purpose,
    ReportSignature,
    sign_report,
)
from gateway_client.tlog import EMPTY_ROOT


class LogPosition(Frozen):
    sequence: int = Field(
        description="entries in the exchange log's latest signed checkpoint when the report "
        "was issued"
    )
    root: str = Field(description="that checkpoint's Merkle root (hex)")


def log_position(latest: Checkpoint | None) -> LogPosition:
    """Where the log stood: its latest signed checkpoint (empty before anything was logged)."""
    if latest is None:
        return LogPosition(sequence=0, root=EMPTY_ROOT.hex())
    return LogPosition(sequence=latest.sequence, root=latest.root)


class CheckReportContent(Frozen):
    """What the signature covers, all of it."""

    report_id: str = Field(description="the check's id")
    issuer: Literal["credit-gateway"] = "credit-gateway"
    issued_at: AwareDatetime
    asked_by: str = Field(description="the region whose key signed the check, or operator")
    key_id: str | None = Field(description="that key (or the operator's IAM principal)")
    as_region: str | None
    purpose: Purpose
    codes: tuple[str | None, ...] = Field(
        description="each result's code, in the order asked (null: the entry was not a code)"
    )
    results: tuple[CheckResult, ...]
    summary: CheckSummary
    log: LogPosition


class SignedCheckReport(Frozen):
    content: CheckReportContent
    verification_code: str = Field(
        description="XXXX-XXXX-XXXX-XXXX: 80 bits of SHA-256 of the signed bytes, in base32"
    )
    signature: ReportSignature


def issue_report(
    outcome: CheckOutcome, key_id: str | None, log: LogPosition, signer: Ed25519Signer
) -> SignedCheckReport:
    content = CheckReportContent(
        report_id=outcome.check_id,
        issued_at=outcome.checked_at,
        asked_by=outcome.asked_by,
        key_id=key_id,
        as_region=outcome.as_region,
        purpose=outcome.purpose,
        codes=tuple(r.credit_code for r in outcome.results),
        results=outcome.results,
        summary=outcome.summary,
        log=log,
    )
    return SignedCheckReport.model_validate(sign_report(content.model_dump(mode="json"), signer))


class ResultsFile(Frozen):
    sha256: str = Field(description="SHA-256 (hex) of the result file's bytes, as served")
    lines: int = Field(description="its lines: one per line of the upload that held a code")


class BulkCheckReportContent(Frozen):
    """A bulk check's report: too many results to sign one by one in a document, so it signs
    the result file's digest; the file and the report together are the proof."""

    kind: Literal["bulk_check"] = "bulk_check"
    report_id: str = Field(description="the upload's id (the check's id in the trail)")
    issuer: Literal["credit-gateway"] = "credit-gateway"
    issued_at: AwareDatetime
    asked_by: str = Field(description="the region whose key signed the upload's manifest")
    key_id: str
    as_region: str | None
    purpose: Purpose
    results_file: ResultsFile
    refused_lines: int = Field(description="lines that held no code (the upload's line errors)")
    summary: CheckSummary = Field(description="over every line checked")
    log: LogPosition


class SignedBulkCheckReport(Frozen):
    content: BulkCheckReportContent
    verification_code: str
    signature: ReportSignature


@dataclass(frozen=True)
class ReportSigning:
    """What issuing a report needs, read when one is issued: the gateway's report key and the
    log's latest checkpoint."""

    signer: Callable[[], Ed25519Signer]
    latest: Callable[[], Checkpoint | None]

    def bulk(self, **content: object) -> SignedBulkCheckReport:
        made = BulkCheckReportContent.model_validate(
            {**content, "log": log_position(self.latest())}
        )
        signed = sign_report(made.model_dump(mode="json"), self.signer())
        return SignedBulkCheckReport.model_validate(signed)
