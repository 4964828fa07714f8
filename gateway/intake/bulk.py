"""Bulk uploads: a signed manifest first, then an NDJSON file streamed in constant memory.

A province resyncing its whole list cannot go through ``POST /v1/pushes`` (API Gateway and
Lambda payload limits), so it signs what it is about to upload — line count and SHA-256 — and
uploads the file to S3. Nothing in a file is applied before the whole file matches what was
signed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, NoReturn

from pydantic import AwareDatetime, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from gateway import strict_json
from gateway.intake.push import BatchId, reported
from gateway.validation import (
    MESSAGE_CHARS,
    PATH_CHARS,
    error_code,
    message_of,
    path_of,
)
from gateway_client.contract import (
    MAX_LINE_BYTES,
    DomainKeys,
    ExistingRegion,
    Frozen,
    Intake,
    Line,
    ListingEntry,
    Moment,
    Purpose,
    RegionCode,
    shown_input,
)

MAX_LINES = 10_000_000
MAX_CHECK_LINES = 100_000  # a bulk check's codes (one per line)
MAX_FILE_BYTES = 5 * 1024**3  # one S3 PUT
DEFAULT_REMOVAL_THRESHOLD = 0.10


class UploadManifest(Frozen):
    """What the platform signs before uploading: the file is accepted only if it matches."""

    region: RegionCode
    upload_id: BatchId
    issued_at: Moment
    count: Annotated[int, Field(ge=0, le=MAX_LINES)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    size: Annotated[int, Field(ge=0, le=MAX_FILE_BYTES)]
    mode: Literal["delta", "resync", "check"] = "delta"
    domains: DomainKeys = ()
    force: bool = False
    purpose: Purpose | None = Field(
        default=None, description="a check's purpose (required for mode check, and only there)"
    )
    as_region: ExistingRegion | None = Field(
        default=None, description="a check's region whose recognition applies (mode check)"
    )

    @model_validator(mode="after")
    def _each_mode_its_fields(self) -> UploadManifest:
        """Each refusal names the field that must change (``path``), as a field's own does."""
        if self.mode == "resync" and not self.domains:
            _refuse("domains", "a resync names the domains whose complete list the file is")
        if self.mode != "resync" and (self.domains or self.force):
            _refuse("domains" if self.domains else "force", "{field} belongs to a resync only")
        if (self.mode == "check") != (self.purpose is not None):
            _refuse("purpose", "a check, and only a check, names its purpose")
        if self.mode != "check" and self.as_region is not None:
            _refuse("as_region", "as_region belongs to a check only")
        if self.count == 0 and not (self.mode == "resync" and self.force):
            # a forced resync may say its domains' list is now empty: all of it removed
            _refuse("count", "a file holds an entry at least, but for a forced resync")
        if self.count and not self.size:
            _refuse("size", "a file of entries is no empty file")
        if self.mode == "check" and self.count > MAX_CHECK_LINES:
            _refuse("count", f"a bulk check holds {MAX_CHECK_LINES} codes at most")
        return self


def _refuse(field: str, message: str) -> NoReturn:
    raise PydanticCustomError("value_error", message, {"field": field})


MISMATCH = "upload_mismatch"


class UploadStatus(StrEnum):
    AWAITING_UPLOAD = "awaiting_upload"
    INGESTING = "ingesting"
    COMPLETED = "completed"
    REFUSED = "refused"


class LineError(Frozen):
    line: int
    field: str
    code: str
    message: str


class Refusal(Frozen):
    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


RemovalState = Literal["not_requested", "pending", "applied", "withheld"]


class Upload(Frozen):
    """The upload's state and result; also the checkpoint an interrupted ingest resumes from."""

    manifest: UploadManifest
    key_id: str
    object_key: str
    relays_subregions: bool = True
    """The region's relay policy when the manifest was signed."""
    permitted_domains: tuple[str, ...] = ()
    """A national source's domains when the manifest was signed (empty: any domain)."""
    counted_relays: bool | None = Field(default=None, exclude_if=lambda held: held is None)
    """A resync's relay policy when its safety catch counted what it would remove: its removals
    never reach further (review 304: relaying turned on after the count let an unforced resync
    end every relayed listing uncounted). None: counted before this was kept."""
    status: UploadStatus = UploadStatus.AWAITING_UPLOAD
    created_at: AwareDatetime
    updated_at: AwareDatetime
    version_id: str | None = None
    offset: int = 0
    line: int = 0
    """Where pass 2 got to: byte offset and line number of the last line ingested."""
    lines: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    set_aside: int = 0
    """Of the rejected lines, those refused only for not being in force today or for a
    settled commitment: their listings are named, so a resync's removals still apply."""
    removed: int = 0
    removal: RemovalState = "not_requested"
    removal_note: str = ""
    errors: tuple[LineError, ...] = ()
    errors_truncated: bool = False
    refusal: Refusal | None = None
    found: int = Field(default=0, description="a check: codes with listings the asker may see")
    result_key: str | None = Field(
        default=None, description="a check: where its result file is kept (30 days)"
    )
    report_key: str | None = Field(
        default=None, description="a check: where its signed report is kept (30 days)"
    )
    results_withdrawn_at: AwareDatetime | None = Field(
        default=None,
        description="a check: when its result file was destroyed, because a listing it "
        "answered with was purged at the end of its retention (the signed report stays); "
        "check again for a current answer",
    )
    ranges: int = Field(
        default=1,
        description="how many parts the entries were split into, ingested at once (a large "
        "file's line ranges, and its lines naming a listing that other lines name too); the "
        "counts and errors are their sums",
    )

    @property
    def finished(self) -> bool:
        return self.status in (UploadStatus.COMPLETED, UploadStatus.REFUSED)

    @property
    def awaits_file(self) -> bool:
        """Whether a file PUT now may still pass: none came yet, or one that did not match its
        manifest in its bytes came (another file may). One that matched in its bytes but not in
        its count never will: the PUT binds the same digest (review 221)."""
        if self.status is UploadStatus.AWAITING_UPLOAD:
            return True
        refused = self.refusal
        if refused is None or refused.code != MISMATCH:
            return False
        sent, signed = refused.details.get("uploaded"), refused.details.get("signed")
        if not (isinstance(sent, dict) and isinstance(signed, dict)):
            return True
        return bool(sent.get("sha256") != signed.get("sha256"))


CHECK_INPUTS = "check-inputs/"
"""A bulk check's file of codes: applicants' ID numbers, listed or not — the question, kept a
week (the bucket's rule ``CheckInputs``), not the evidence window of ``uploads/``; the answer
(``check-results/``) and its signed report hold what the check found."""


def upload_key(region: str, upload_id: str, mode: str = "delta") -> str:
    folder = CHECK_INPUTS if mode == "check" else "uploads/"
    return f"{folder}{region}/{upload_id}.ndjson"


def with_errors(upload: Upload, more: Iterable[LineError], **counts: Any) -> Upload:
    """Record errors up to the reporting caps (the count of rejected lines stays exact)."""
    listed, truncated = reported(upload.errors, list(more))
    return upload.model_copy(
        update={
            **counts,
            "errors": listed,
            "errors_truncated": upload.errors_truncated or truncated,
        }
    )


# --- streaming the file ---------------------------------------------------------------------


def parse_line(line: Line, today: date | None) -> ListingEntry | list[LineError]:
    """One NDJSON line as a listing entry, or every problem with it (field paths as in pushes),
    judged as input like a pushed entry; ``today`` as in
    ``gateway_client.contract.model.Intake``."""
    if line.overlong:
        return [line_error(line, "", "line_too_long", f"lines hold {MAX_LINE_BYTES} bytes at most")]
    try:
        text = line.text.decode("utf-8-sig")  # a BOM, as Windows tools write
        strict_json.loads(text)
    except (strict_json.DuplicateKey, strict_json.NotText) as exc:
        return [line_error(line, exc.context["path"], exc.code, exc.message)]
    except (ValueError, RecursionError) as exc:
        return [line_error(line, "", "malformed_json", f"not a UTF-8 JSON object: {exc}")]
    try:  # strictly, as a pushed entry (``gateway.validation``): no "3" or true for 3
        return ListingEntry.model_validate_json(text, strict=True, context=Intake(today))
    except ValidationError as exc:
        return line_errors(line, exc)


LINE_ERRORS = 20
"""The problems a line's refusal keeps, the first by position: a line of 256 KiB can hold
30,000 unknown keys, and every one kept (19 MB a line, a block of 500 lines held until it is
counted) took the ingest function past its memory, again at each retry, the upload stuck and
the lines after it never stored (review 397)."""


def line_errors(line: Line, exc: ValidationError) -> list[LineError]:
    """The first ``LINE_ERRORS`` problems a line's validation found, each on its field (a
    bulk check's lines too); the line is refused whatever the rest were."""
    return [
        line_error(line, path_of(e), error_code(e["type"]), message_of(e))
        for e in exc.errors(include_url=False)[:LINE_ERRORS]
    ]


def line_error(line: Line, field: str, code: str, message: str) -> LineError:
    """Kept with the upload and shown in the console: an ID number a line put where a key or
    a value of another kind goes (a slipped column) is masked, as ``message_of`` masks."""
    field, message = shown_input(field, PATH_CHARS), shown_input(message, MESSAGE_CHARS)
    return LineError(line=line.number, field=field, code=code, message=message)


def removal_refusal(
    absent: int, held: int, threshold: float, manifest: UploadManifest, rejected: int = 0
) -> Refusal | None:
    """The safety catch: a resync that would remove too much is refused unless forced. Lines
    rejected already are said: their listings count as absent here, and forcing would remove
    nothing while they stand (``ResyncRemoval.apply``), so force is not the remedy for them."""
    if manifest.force or held == 0 or absent / held <= threshold:
        return None
    over = f"the resync would remove {absent} of {held} listings held "
    over += f"({absent / held:.1%}, over {threshold:.0%})"
    remedy = "send it again with force to proceed"
    if rejected:
        remedy = (
            f"{rejected} of its lines are rejected (their listings count as absent, and a "
            "resync with rejected lines removes nothing, forced or not): correct them, then "
            f"{remedy} if the rest is meant to go"
        )
    details: dict[str, int | float] = {"would_remove": absent, "held": held, "threshold": threshold}
    if rejected:
        details["rejected_lines"] = rejected
    return Refusal(code="resync_threshold_exceeded", message=f"{over}; {remedy}", details=details)


RESYNC_REMOVAL = "absent from full resync"
"""What a resync's removal says in its step's reason, where every recipient reads it; which
upload it was is the step's ``note`` (withheld where masked): an upload id is the platform's
choice of up to 128 characters, and in the reason it reached every region (review 249)."""


def resync_note(upload_id: str) -> str:
    return f"upload {upload_id}"


def stamp(upload: Upload, now: datetime, **changes: Any) -> Upload:
    return upload.model_copy(update={**changes, "updated_at": now})
