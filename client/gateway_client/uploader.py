"""The platform side of a bulk upload: describe the file, sign the manifest, PUT, await.

Standard library only, like ``gateway_client.push_client``; the file is read in chunks (never
whole).
"""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from gateway_client.contract import lines_of
from gateway_client.private_files import replaced_privately
from gateway_client.push_client import PushClient, Response, fresh_id

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes in all)."""

_CHUNK = 1024 * 1024
PUT_TIMEOUT = 300.0
"""Seconds the storage may take to answer each part of the PUT (the file can be large)."""
_FINISHED = ("completed", "refused")


@dataclass(frozen=True)
class FileFacts:
    count: int
    sha256: str
    size: int


def describe(path: Path) -> FileFacts:
    """Line count (non-blank lines, as the gateway counts them), SHA-256 and size."""
    digest = hashlib.sha256()
    size = 0

    def chunks() -> Iterator[bytes]:
        nonlocal size
        with path.open("rb") as file:
            while chunk := file.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                yield chunk

    count = sum(1 for _ in lines_of(chunks()))
    return FileFacts(count=count, sha256=digest.hexdigest(), size=size)


class _Reporting:
    """A read-only file that tells ``progress`` how far the upload got."""

    def __init__(self, file: IO[bytes], size: int, progress: Progress | None) -> None:
        self._file, self._size, self._progress, self._done = file, size, progress, 0

    def read(self, amount: int = -1) -> bytes:
        chunk = self._file.read(amount)
        self._done += len(chunk)
        if self._progress is not None:
            self._progress(self._done, self._size)
        return chunk


class BulkUploader:
    def __init__(self, client: PushClient, clock: Callable[[], datetime]) -> None:
        self._client = client
        self._clock = clock

    def request(
        self,
        facts: FileFacts,
        domains: Sequence[str] = (),
        force: bool = False,
        upload_id: str | None = None,
        check: Mapping[str, str] | None = None,
        issued_at: datetime | None = None,
    ) -> Response:
        """Sign the manifest; the reply holds the upload and, while expected, where to PUT.
        ``check`` (purpose, and as_region if any) makes it a bulk check of the file's codes;
        ``issued_at`` (default now) the first one's, to ask for the same upload again."""
        upload_id = upload_id or fresh_id("u-")
        now = self._clock()
        manifest: dict[str, Any] = {
            "region": self._client.region,
            "upload_id": upload_id,
            "issued_at": (issued_at or now).isoformat(),
            "count": facts.count,
            "sha256": facts.sha256,
            "size": facts.size,
        }
        if domains:
            manifest.update(mode="resync", domains=list(domains), force=force)
        if check:
            manifest.update(mode="check", **check)
        return self._client.send_json("/v1/uploads", upload_id, manifest, now)

    def fetch(self, url: str, path: Path) -> int:
        """Save a completed bulk check's result file (its presigned URL), readable by its
        owner alone (``private_files``); the HTTP status."""
        request = urllib.request.Request(url, method="GET")  # noqa: S310 - presigned by the gateway
        try:
            with urllib.request.urlopen(request, timeout=PUT_TIMEOUT) as reply:  # noqa: S310
                with replaced_privately(path) as out:
                    got = 0
                    while chunk := reply.read(1 << 20):
                        out.write(chunk)
                        got += len(chunk)
                    declared = reply.headers.get("Content-Length")
                    if declared is not None and got != int(declared):  # the peer closed early
                        raise OSError(f"the file was cut short: {got} of {declared} bytes came")
                return int(reply.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    def put(self, put: dict[str, Any], path: Path, progress: Progress | None = None) -> int:
        """Stream the file to the presigned URL; returns the HTTP status."""
        size = int(put["headers"]["Content-Length"])
        with path.open("rb") as file:
            request = urllib.request.Request(  # noqa: S310 - the URL the gateway presigned
                put["url"],
                data=_Reporting(file, size, progress),
                method=put.get("method", "PUT"),
                headers=dict(put["headers"]),
            )
            try:
                with urllib.request.urlopen(request, timeout=PUT_TIMEOUT) as reply:  # noqa: S310
                    return int(reply.status)
            except urllib.error.HTTPError as error:
                return int(error.code)

    def wait(self, upload_id: str, timeout: float = 1800.0, interval: float = 1.0) -> Response:
        """Poll the upload until it is completed or refused (or ``timeout`` passes)."""
        path = f"/v1/regions/{self._client.region}/uploads/{upload_id}"
        deadline = time.monotonic() + timeout
        while True:
            reply = self._client.send_signed(path, None, b"", self._clock(), "GET")
            status = (
                (reply.body or {}).get("upload", {}).get("status") if reply.status == 200 else None
            )
            if status is None or status in _FINISHED or time.monotonic() > deadline:
                return reply
            time.sleep(interval)
