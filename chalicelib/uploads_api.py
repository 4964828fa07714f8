"""Bulk upload routes: sign a manifest to get a presigned PUT, then fetch the result."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any, Literal

from chalice.app import Request, Response
from pydantic import AwareDatetime, Field

from chalicelib import caller
from chalicelib.bootstrap import container
from chalicelib.caller import int_param
from chalicelib.console_masking import UPLOAD_TEXT, for_console
from chalicelib.http_errors import json_response
from chalicelib.route_spec import Access, Operation, Param, Reply, Tag, count_param
from chalicelib.s3_archive import NDJSON
from gateway.checks import RESULTS_KEPT
from gateway.intake import BATCH_ID_RE, Upload, UploadIdReused, UploadManifest, UploadStatus
from gateway.national import DomainNotPermitted
from gateway_client.contract import (
    Frozen,
    NotFound,
    RegionMismatch,
    SchemaError,
    errors,
)


def request_upload(request: Request) -> Response:
    c = container()
    upload, new, file_sha256 = c.upload_desk.request(caller.headers(request), caller.body(request))
    # never a check's result: a manifest asked for again is answered as the first time (no
    # nonce), so a replay of its bytes would get the file's link and the key to its
    # openings (review 143); the signed GET, whose request id is used once, gives them
    return json_response(201 if new else 200, _view(upload, file_sha256, with_result=False))


def get_upload(request: Request, code: str, upload_id: str) -> Response:
    acting = _readable_by(request, code)
    if not BATCH_ID_RE.fullmatch(upload_id):
        raise SchemaError("upload_id: not a valid upload id", path="upload_id")
    _registered(acting, code)
    upload = container().uploads.get(code, upload_id)
    if upload is None:
        raise NotFound(f"no upload {upload_id} for {code}", path="upload_id")
    # A check's result file may hold natural persons in full: a console session gets its
    # progress, counts and errors, and the platform its signed request fetches the file by.
    console = caller.console_session(request) is not None
    asker = acting is not None and not console  # the openings' key: the asker's platform alone
    view = _view(upload, with_result=not console, asker=asker)
    return json_response(200, for_console(request, view, UPLOAD_TEXT))


def list_uploads(request: Request, code: str) -> Response:
    """The region's uploads, newest first, as ``get_upload`` shows each, without the URLs
    (fetch the one to upload to or read) and without line errors (``error_count`` says how
    many were kept: read one upload for them)."""
    acting = _readable_by(request, code)
    limit = int_param(request, "limit", 100, 1, _MAX_LIMIT)
    after = _opened(caller.query(request, "after"), code)
    _registered(acting, code)
    found, following = container().uploads.page(code, limit, after)
    listed = [
        UploadListed(
            upload=upload.model_copy(update={"errors": ()}), error_count=len(upload.errors)
        )
        for upload in found
    ]
    sealed = None if following is None else container().upload_tokens.seal([code, *following])
    uploads = for_console(request, [x.model_dump(mode="json") for x in listed], UPLOAD_TEXT)
    return json_response(200, {"uploads": uploads, "next": sealed})


def _opened(after: str | None, code: str) -> tuple[str, str] | None:
    """A previous page's ``next`` of this region's list (400 at ``after`` for anything else:
    another region's, made up, or of another route)."""
    if after is None:
        return None
    try:
        opened = container().upload_tokens.open(after)
    except ValueError:
        opened = None
    if not (
        isinstance(opened, list)
        and len(opened) == 3
        and opened[0] == code
        and all(isinstance(x, str) for x in opened)
    ):
        raise SchemaError("after is the next value of a previous page of this list", path="after")
    return opened[1], opened[2]


_MAX_LIMIT = 500


def _readable_by(request: Request, code: str) -> str | None:
    """A region's uploads are read by its own platform or the operator (403 otherwise); who
    reads (None: the operator)."""
    caller.region_code(code, "code")
    acting = caller.operator_or_region(request)
    if acting is not None and acting != code:
        raise RegionMismatch(f"a platform of {acting} cannot read uploads of {code}", path="code")
    return acting


def _registered(acting: str | None, code: str) -> None:
    """The operator asks of a registered region (404, as for its keys: an empty list would
    read as "it uploaded nothing"); a platform reads its own, registered."""
    if acting is None and container().registry.get_region(code) is None:
        raise NotFound(f"region {code} is not registered", path="code")


class UploadPut(Frozen):
    """Where and how to PUT the file: S3 checks length and SHA-256 against the manifest."""

    url: str
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str]
    expires_at: AwareDatetime


class UploadResult(Frozen):
    """Where to GET a completed bulk check's result file (NDJSON, one line per code line) and
    the signed report on it (JSON: ``gateway verify-report --results``)."""

    url: str
    report_url: str | None = Field(
        default=None, description="the signed report (checks completed before reports: none)"
    )
    openings_key: str | None = Field(
        default=None,
        description="to the asking platform alone: hex, the key to the openings of the "
        "numbers the file shows masked — line "
        'N\'s `commitment` opens with HMAC-SHA256(key, "N") '
        "(`gateway_client.contract.report_codes.opening_at`); as private as the numbers",
    )
    expires_at: AwareDatetime


class UploadReport(Frozen):
    """Where to GET a completed bulk check's signed report: it holds no personal data, so it
    stays for its 30 days even once a purge withdrew the result file it names."""

    url: str
    expires_at: AwareDatetime


class UploadReply(Frozen):
    upload: Upload
    put: UploadPut | None = Field(
        default=None, description="present while the gateway still expects the file"
    )
    result: UploadResult | None = Field(
        default=None, description="a completed bulk check: where to fetch its result file"
    )
    report: UploadReport | None = Field(
        default=None,
        description="a completed bulk check's signed report (also after `results_withdrawn_at`)",
    )


class UploadListed(Frozen):
    upload: Upload = Field(description="its line errors left out (see `error_count`)")
    error_count: int


class UploadList(Frozen):
    uploads: tuple[UploadListed, ...]
    next: str | None = Field(
        description="where the next page starts (pass it as `after`); null: no more"
    )


def _view(
    upload: Upload, file_sha256: str | None = None, with_result: bool = True, asker: bool = False
) -> dict[str, Any]:
    """The upload and, given the file's SHA-256 (the manifest's, as signed: a check's upload
    keeps it keyed) while a file is still expected, where and how to PUT it; to the platform
    that asked for a check (``asker``), the key to its result's openings too."""
    put = None
    if file_sha256 is not None and upload.awaits_file:
        c = container()
        ttl = timedelta(seconds=c.settings.upload_url_ttl_seconds)
        size = upload.manifest.size
        put = UploadPut(
            url=c.archive.presign_put(upload.object_key, file_sha256, size, ttl),
            headers={
                "Content-Type": NDJSON,
                "Content-Length": str(size),
                "x-amz-checksum-sha256": base64.b64encode(bytes.fromhex(file_sha256)).decode(),
            },
            expires_at=c.clock.now() + ttl,
        )
    result = report = None
    c = container()
    kept = c.clock.now() < upload.updated_at + RESULTS_KEPT  # the bucket expires them then
    if with_result and upload.status is UploadStatus.COMPLETED and kept:
        ttl = timedelta(seconds=c.settings.upload_url_ttl_seconds)
        expires_at = c.clock.now() + ttl
        signed = upload.report_key and c.archive.presign_get(upload.report_key, ttl)
        if signed:
            report = UploadReport(url=signed, expires_at=expires_at)
        if upload.result_key is not None:
            url = c.archive.presign_get(upload.result_key, ttl)
            manifest = upload.manifest
            opening_key = c.report_opening_key("bulk", manifest.region, manifest.upload_id)
            result = UploadResult(
                url=url,
                report_url=signed,
                openings_key=opening_key.hex() if asker else None,
                expires_at=expires_at,
            )
    reply = UploadReply(upload=upload, put=put, result=result, report=report)
    return reply.model_dump(mode="json", exclude_none=True)


ROUTES: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/v1/uploads",
        "request_upload",
        Tag.PUSH,
        "Sign a bulk upload's manifest; get a presigned URL to PUT the NDJSON file to",
        Access.PLATFORM,
        {
            201: Reply(UploadReply, "Recorded; `put` says where and how to upload the file."),
            200: Reply(UploadReply, "The same manifest again: the same upload (a fresh URL)."),
        },
        (
            errors.BadRequest,
            errors.RegionMismatch,
            UploadIdReused,
            errors.RateLimited,
            DomainNotPermitted,
        ),
        body=UploadManifest,
        description="The `webhook-id` header is the upload id. The file holds one listing entry "
        "per line; `count` counts its non-blank lines. A `resync` names the domains whose "
        "complete list the file is: listings of the platform absent from it are removed, unless "
        "that is over the safety threshold (10%) and `force` is not set. A national source may "
        "resync only its registered domains (403 `domain_not_permitted`, path `domains`); each "
        "line outside them is refused (`domain_not_permitted`, field `domain`). No platform "
        "resyncs, or makes new listings in, a domain the gateway lists itself (400 "
        "`domain_reserved`: path `domains`, or field `domain` per line).",
        handler=request_upload,
    ),
    Operation(
        "GET",
        "/v1/regions/{code}/uploads/{upload_id}",
        "get_upload",
        Tag.PUSH,
        "A bulk upload's state and result (errors by line number)",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(UploadReply, "The upload: status, counts, errors, removal, refusal.")},
        (errors.SchemaError, errors.RegionMismatch, errors.NotFound),
        handler=get_upload,
    ),
    Operation(
        "GET",
        "/v1/regions/{code}/uploads",
        "list_uploads",
        Tag.PUSH,
        "A region's bulk uploads, newest first",
        Access.OPERATOR_OR_PLATFORM,
        {200: Reply(UploadList, "At most `limit` (default 100), line errors counted only.")},
        (errors.SchemaError, errors.RegionMismatch, errors.NotFound),
        query=(
            count_param("limit", 100, _MAX_LIMIT),
            Param("after", {"type": "string"}, "The `next` of the previous page."),
        ),
        handler=list_uploads,
    ),
)
