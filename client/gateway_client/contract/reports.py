"""Signed check reports (信用报告（证明）): what a department files with its decision, checkable
offline, years later, by anyone holding the gateway's published keys.

A report is ``{"content": {...}, "verification_code": "…", "signature": {...}}``. The gateway
signs ``REPORT_LABEL + canonical(content)`` with the key it signs checkpoints with (the label
keeps a report's signature from ever standing for anything else); the verification code is the
first 80 bits of SHA-256 of those same bytes in base32, printed on the PDF rendering so a paper
copy can be matched to its signed file. Verification needs no call to the gateway: the keys
of ``GET /v1/keys`` (saved once) and the file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature as _BadSignature
from pydantic import AwareDatetime, TypeAdapter, ValidationError

from gateway_client.contract.keys import AnyKey, PublishedKey, usable_at
from gateway_client.contract.log import canonical
from gateway_client.contract.model import Frozen
from gateway_client.contract.report_codes import place_in
from gateway_client.contract.signing import Ed25519Signer

REPORT_LABEL = b"credit-gateway/check-report/v1\n"
_PARTS = {"content", "verification_code", "signature"}
_MOMENT = TypeAdapter(AwareDatetime)


class ReportSignature(Frozen):
    key_id: str
    algorithm: Literal["ed25519"] = "ed25519"
    value: str  # base64 of the 64-byte Ed25519 signature


def report_kind(view: Mapping[str, Any]) -> str:
    """What a listing in a check result is, as a report or a table says it: its kind, except a
    black-list entry the severity policy makes a mere record (``dishonesty_record``), which is no
    black listing (no joint punishment)."""
    record = view.get("listed_as") == "dishonesty_record"
    return "dishonesty_record" if record else str(view["listing"]["kind"])


def report_applies(view: Mapping[str, Any]) -> bool:
    """Whether a listing in a check result applies to its subject, as the signed summary
    counts it: in force, not refused recognition, its measures not held back
    (``suspended_because``: a red listing's incentives while a black listing is in force)."""
    return (
        view.get("recognised") is not False
        and view["listing"]["status"] == "active"
        and not view.get("suspended_because")
    )


def signed_bytes(content: Mapping[str, Any]) -> bytes:
    return REPORT_LABEL + canonical(content)


def verification_code(content: Mapping[str, Any]) -> str:
    """``XXXX-XXXX-XXXX-XXXX``: 80 bits of the signed bytes' SHA-256, in base32."""
    digest = hashlib.sha256(signed_bytes(content)).digest()[:10]
    text = base64.b32encode(digest).decode()
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def sign_report(content: Mapping[str, Any], signer: Ed25519Signer) -> dict[str, Any]:
    """The report as issued: the content, its verification code and the gateway's signature."""
    signature = signer.private_key.sign(signed_bytes(content))
    return {
        "content": dict(content),
        "verification_code": verification_code(content),
        "signature": ReportSignature(
            key_id=signer.key_id, value=base64.b64encode(signature).decode()
        ).model_dump(mode="json"),
    }


@dataclass(frozen=True)
class ReportVerdict:
    """What checking a report found: ``ok`` only when every problem list is empty."""

    problems: tuple[str, ...]
    report_id: str | None = None
    issued_at: datetime | None = None
    checked_from: datetime | None = None  # a bulk check's: it read the lists from then on
    asked_by: str | None = None
    purpose: str | None = None
    key_id: str | None = None
    codes: int = 0
    results_sha256: str | None = None  # a bulk check's report: the result file it signs
    results_checked: bool = False  # that file was given, and is the one signed
    about: int | None = None  # where it commits to the number asked about (``report_codes``)

    @property
    def ok(self) -> bool:
        return not self.problems


PROVES_FILE = "The results of this bulk check are exactly the file with SHA-256 {sha256}{checked}."
PROVES_SPAN = "It shows the lists as they were read between {checked_from} and {issued_at}."
PROVES = (
    "The gateway holding key {key_id} issued this report at {issued_at}: to {asked_by}, for "
    "the purpose {purpose}, about {codes} code(s), with exactly these results and this log "
    "position. Not a word of it has changed since."
)
DOES_NOT_PROVE = (
    "It does not prove that any listing is still in force now (check again for that), that "
    "the report was used for the purpose it names, or anything about codes it does not list."
)


def verify_report(
    report: Any,
    keys: Iterable[AnyKey],
    results: bytes | None = None,
    opened: tuple[str, str] | None = None,
) -> ReportVerdict:
    """Check a report's shape, its signature under the key it names (valid when it was issued),
    and its verification code; for a bulk check's report, ``results`` (the result file) against
    the digest and line count it signs; with ``opened`` (a number, its opening), that the
    report is about that number (``report_codes.place_in``). Never raises on a bad file: it
    says what is wrong."""
    if not isinstance(report, dict) or not isinstance(report.get("content"), dict):
        return ReportVerdict(problems=("not a check report: no content object",))
    extra = sorted(set(report) - _PARTS)
    if extra:
        return ReportVerdict(problems=(f"not a check report as issued: extra fields {extra}",))
    content: dict[str, Any] = report["content"]
    problems: list[str] = []
    try:
        issued_at = _MOMENT.validate_python(content.get("issued_at"))
    except ValidationError:
        return ReportVerdict(problems=("the content has no issued_at time",))
    try:  # signed with the rest: the signature check below covers it
        checked_from = _MOMENT.validate_python(content.get("checked_from"))
    except ValidationError:
        checked_from = None  # a single check's report, or a bulk one issued before it was said
    try:
        signature = ReportSignature.model_validate(report.get("signature"))
        raw = base64.b64decode(signature.value, validate=True)
    except (ValidationError, binascii.Error, ValueError):
        return ReportVerdict(problems=("the signature is missing or malformed",))
    try:
        signed = signed_bytes(content)
    except (ValueError, RecursionError):  # a lone surrogate, a nesting no issuer writes
        return ReportVerdict(problems=("the content cannot be the signed JSON of a report",))
    named = [k for k in keys if not isinstance(k, PublishedKey) or k.key_id == signature.key_id]
    if not _verifies(raw, signed, usable_at(named, issued_at)):
        problems.append(
            f"the signature does not verify under any gateway key valid at {issued_at} "
            f"(signed as {signature.key_id}): the content was changed or not issued by the gateway"
        )
    if report.get("verification_code") != verification_code(content):  # same bytes: no raise
        problems.append("the verification code does not match the content")
    codes = content.get("codes")
    signed_file = content.get("results_file")
    sha256, lines = _results_file(signed_file)
    if signed_file is not None and sha256 is None:
        problems.append("results_file is not a digest and a line count")
    if results is not None and sha256 is None:
        problems.append("a result file was given, but this report signs none")
    elif results is not None:
        if hashlib.sha256(results).hexdigest() != sha256:
            problems.append("the result file is not the one the report signs (SHA-256 differs)")
        elif len(results.splitlines()) != lines:
            problems.append(f"the result file does not hold the {lines} lines signed")
    about = None
    if opened is not None and not problems:  # a report not as issued is about no one
        try:
            about = place_in(content, results, *opened)
        except ValueError as error:
            problems.append(str(error))
    return ReportVerdict(
        problems=tuple(problems),
        report_id=str(content.get("report_id")),
        issued_at=issued_at,
        checked_from=checked_from,
        asked_by=str(content.get("asked_by")),
        purpose=str(content.get("purpose")),
        key_id=signature.key_id,
        codes=len(codes) if isinstance(codes, list) else lines,
        results_sha256=sha256,
        results_checked=results is not None and not problems,
        about=about,
    )


def _results_file(signed: Any) -> tuple[str | None, int]:
    if not isinstance(signed, dict):
        return None, 0
    sha256, lines = signed.get("sha256"), signed.get("lines")
    if not isinstance(sha256, str) or type(lines) is not int:
        return None, 0
    return sha256, lines


def _verifies(signature: bytes, content: bytes, keys: Iterable[Any]) -> bool:
    for key in keys:
        try:
            key.verify(signature, content)
        except _BadSignature:
            continue
        return True
    return False
