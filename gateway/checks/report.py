"""The signed check report: a check's outcome as a document the gateway vouches for
(``gateway_client.contract.reports`` defines the signature and verifies it offline).

It pins the check to the exchange log: the log's length and head hash when it was issued, so a
later reader can tell which changes the gateway knew of (``gateway verify-log`` checks a head
against the published log and its signed checkpoints). The gateway keeps no copy: the report
holds what the asker was shown, and it is theirs to file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from gateway.checks.batch import CheckOutcome, CheckResult, CheckSummary
from gateway_client.contract import (
    Checkpoint,
    Ed25519Signer,
    Frozen,
    Purpose,
    ReportSignature,
    code_commitment,
    opening_at,
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
    checked_from: AwareDatetime | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="when the check began reading the lists; they are shown as read between "
        "this and issued_at (absent in reports issued before it was said)",
    )
    issued_at: AwareDatetime = Field(
        description="after the check's last read and the log position's: no result is later"
    )
    asked_by: str = Field(description="the region whose key signed the check, or operator")
    key_id: str | None = Field(description="that key (or the operator's IAM principal)")
    as_region: str | None
    purpose: Purpose
    codes: tuple[str | None, ...] = Field(
        description="each result's code, in the order asked (null: the entry was not a code)"
    )
    results: tuple[CheckResult, ...]
    commitments: tuple[str | None, ...] = Field(
        description="each result's commitment to the full number it shows masked "
        "(`gateway_client.contract.report_codes`; its opening is the asker's, never in the "
        "report); null where the code is shown in full or the entry was not a code"
    )
    summary: CheckSummary
    log: LogPosition


class SignedCheckReport(Frozen):
    content: CheckReportContent
    verification_code: str = Field(
        description="XXXX-XXXX-XXXX-XXXX: 80 bits of SHA-256 of the signed bytes, in base32"
    )
    signature: ReportSignature


def openings(outcome: CheckOutcome, asked: Mapping[int, str], key: bytes) -> tuple[str | None, ...]:
    """Each result's opening (``report_codes.opening_at`` under the check's ``key``) where it
    shows a code masked — the number ``asked`` at its index (compacted) is not the one shown."""
    return tuple(
        opening_at(key, r.index) if r.index in asked and r.credit_code != asked[r.index] else None
        for r in outcome.results
    )


def issue_report(
    outcome: CheckOutcome,
    key_id: str | None,
    log: LogPosition,
    signer: Ed25519Signer,
    asked: Mapping[int, str],
    opened: Sequence[str | None],
    issued_at: datetime | None = None,
) -> SignedCheckReport:
    """``opened``: ``openings(outcome, asked, …)``, whose commitments the report signs;
    ``issued_at``: taken after ``log`` was read, so nothing the report shows is later than the
    time it says it was issued (review 278, as ``ReportSigning.bulk``: it said the check's
    start); the check's start is ``checked_from``."""
    commitments = tuple(
        code_commitment(asked[r.index], o) if o is not None else None
        for r, o in zip(outcome.results, opened, strict=True)
    )
    content = CheckReportContent(
        report_id=outcome.check_id,
        checked_from=outcome.checked_at,
        issued_at=issued_at or outcome.checked_at,
        asked_by=outcome.asked_by,
        key_id=key_id,
        as_region=outcome.as_region,
        purpose=outcome.purpose,
        codes=tuple(r.credit_code for r in outcome.results),
        results=outcome.results,
        commitments=commitments,
        summary=outcome.summary,
        log=log,
    )
    signed = sign_report(content.model_dump(mode="json"), signer)
    # the content as built, not read back from its dump: a masked view of text stored before
    # the rules (an objection id that was an ID number, masked) fails its input pattern, and
    # the check a 500 on every retry (review 360)
    return SignedCheckReport(
        content=content,
        verification_code=signed["verification_code"],
        signature=ReportSignature.model_validate(signed["signature"]),
    )


class ResultsFile(Frozen):
    sha256: str = Field(description="SHA-256 (hex) of the result file's bytes, as served")
    lines: int = Field(description="its lines: one per line of the upload that held a code")


class BulkCheckReportContent(Frozen):
    """A bulk check's report: too many results to sign one by one in a document, so it signs
    the result file's digest; the file and the report together are the proof."""

    kind: Literal["bulk_check"] = "bulk_check"
    report_id: str = Field(description="the upload's id (the check's id in the trail)")
    issuer: Literal["credit-gateway"] = "credit-gateway"
    checked_from: AwareDatetime = Field(
        description="when the run began reading the lists; they are shown as read between this "
        "and issued_at (a long file is read a block at a time)"
    )
    issued_at: AwareDatetime = Field(
        description="after the run's last read and the log position's: no result is later"
    )
    asked_by: str = Field(description="the region whose key signed the upload's manifest")
    key_id: str
    as_region: str | None
    purpose: Purpose
    results_file: ResultsFile
    refused_lines: int = Field(
        description="lines not checked: those that held no code, and those over the day's tries "
        "at their masked number (`rate_limited`); the upload's line errors name each"
    )
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

    def bulk(self, now: Callable[[], datetime], **content: object) -> SignedBulkCheckReport:
        """Issued at ``now()`` once the log position is read: nothing the report shows, its
        results or its checkpoint, is later than the time it says it was issued."""
        log = log_position(self.latest())
        made = BulkCheckReportContent.model_validate({**content, "log": log, "issued_at": now()})
        signed = sign_report(made.model_dump(mode="json"), self.signer())
        return SignedBulkCheckReport.model_validate(signed)
