"""The raw-push archive: signed bytes kept as evidence and for replay; bulk uploads land here."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import PutObjectRequestTypeDef


_CHUNK = 1024 * 1024
# 412 when the key exists; 409 when a concurrent conditional write to it is in progress.
_TAKEN = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})
NDJSON = "application/x-ndjson"
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})
_ROUNDS = 5  # listings of an object's versions while deleting them (see ``_delete_versions``)


class ObjectChanging(RuntimeError):
    """An object kept getting new versions while they were being deleted."""


class S3Archive:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put(
        self,
        key: str,
        body: bytes,
        metadata: Mapping[str, str],
        content_type: str = "application/json",
    ) -> bool:
        """Write-once (``If-None-Match: *``): S3 refuses with 412 when the key exists."""
        request = self._request(key, body, metadata, content_type)
        request["IfNoneMatch"] = "*"
        try:
            self._client.put_object(**request)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _TAKEN:
                return False
            raise
        return True

    def overwrite(
        self, key: str, body: bytes, metadata: Mapping[str, str], content_type: str
    ) -> None:
        """Write whatever the key held (a witness's latest cosignature of a checkpoint)."""
        self._client.put_object(**self._request(key, body, metadata, content_type))

    def _request(
        self, key: str, body: bytes, metadata: Mapping[str, str], content_type: str
    ) -> PutObjectRequestTypeDef:
        return {
            "Bucket": self._bucket,
            "Key": key,
            "Body": body,
            "ContentType": content_type,
            "Metadata": dict(metadata),
        }

    def get(self, key: str) -> bytes:
        return self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()

    def find(self, key: str) -> bytes | None:
        """The object's bytes; ``None`` if there is none (deleted, or expired)."""
        try:
            return self.get(key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise

    def current(self, key: str) -> tuple[bytes, str] | None:
        """The object's bytes and ETag (what ``replace`` is conditioned on); ``None`` if none."""
        try:
            found = self._client.get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        return found["Body"].read(), found["ETag"]

    def replace(self, key: str, body: bytes, etag: str, content_type: str) -> bool:
        """Overwrite the object only while it is still the one read (``If-Match: etag``), then
        destroy its older versions (they hold what was taken out; the bucket is versioned).
        False if it changed or went meanwhile."""
        try:
            reply = self._client.put_object(
                Bucket=self._bucket, Key=key, Body=body, ContentType=content_type, IfMatch=etag
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _TAKEN | _MISSING:
                return False
            raise
        if reply.get("VersionId"):
            self.destroy(key, keep=reply["VersionId"])
        return True

    def exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise
        return True

    def destroy(self, key: str, keep: str | None = None) -> None:
        """Delete every version of the object (the bucket is versioned: a plain delete would
        only hide it behind a delete marker, its bytes still readable by version id); with
        ``keep``, every version but that one and the latest (a newer write stays whole)."""
        self._delete_versions(
            key,
            lambda version: (
                keep is None or (version["VersionId"] != keep and not version["IsLatest"])
            ),
        )

    def prune(self, key: str) -> int:
        """Delete every version of the object but the latest: what is served stays, no older
        copy does. How many were deleted."""
        return self._delete_versions(key, lambda version: not version["IsLatest"])

    def _delete_versions(self, key: str, doomed: Callable[[Mapping[str, Any]], bool]) -> int:
        """Delete the ``doomed`` versions of ``key``, listing again after each round until none
        is left: a conditional write (``replace``, If-Match on the version then current) may
        land between a listing and its deletes, and would otherwise outlive them. Bounded:
        an object still being rewritten after ``_ROUNDS`` fails the caller, to be run again."""
        deleted = 0
        for _ in range(_ROUNDS):
            found = [version for version in self._versions(key) if doomed(version)]
            if not found:
                return deleted
            for version in found:
                self._client.delete_object(
                    Bucket=self._bucket, Key=key, VersionId=version["VersionId"]
                )
            deleted += len(found)
        raise ObjectChanging(f"{key} kept getting new versions while they were deleted")

    def _versions(self, key: str) -> list[Mapping[str, Any]]:
        """Every version and delete marker of exactly ``key`` (not of keys it is a prefix of)."""
        held: list[Mapping[str, Any]] = []
        paginator = self._client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=key):
            held.extend(
                version
                for version in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
                if version["Key"] == key
            )
        return held

    def versioned_keys(self, prefix: str) -> set[str]:
        """Every key under ``prefix`` with a version or a delete marker: an object the
        lifecycle rule expired (its current version a delete marker) is still held by its
        older version until that expires too, and is found here."""
        found: set[str] = set()
        paginator = self._client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            found.update(
                v["Key"] for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            )
        return found

    def keys(self, prefix: str, limit: int = 1000) -> list[str]:
        """Object keys under ``prefix``, oldest name first, at most ``limit`` of the newest."""
        found: list[str] = []
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix):
            found.extend(item["Key"] for item in page.get("Contents", []))
        return sorted(found)[-limit:]

    def read(self, key: str, version_id: str | None, start: int) -> Iterator[bytes]:
        """Stream an object from byte ``start`` (a ranged GET), a megabyte at a time."""
        request: dict[str, Any] = {"Bucket": self._bucket, "Key": key}
        if version_id:
            request["VersionId"] = version_id
        if start:
            request["Range"] = f"bytes={start}-"
        body = self._client.get_object(**request)["Body"]
        try:
            yield from body.iter_chunks(chunk_size=_CHUNK)
        finally:
            body.close()

    def presign_get(self, key: str, expires: timedelta) -> str:
        """A URL the platform GETs a bulk check's result file from."""
        url: str = self._client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self._bucket, "Key": key},
            ExpiresIn=int(expires.total_seconds()),
        )
        return url

    def presign_put(self, key: str, sha256_hex: str, size: int, expires: timedelta) -> str:
        """A URL the platform PUTs its file to; S3 itself checks length and SHA-256."""
        url: str = self._client.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ContentLength": size,
                "ChecksumSHA256": base64.b64encode(bytes.fromhex(sha256_hex)).decode(),
                "ContentType": NDJSON,
            },
            ExpiresIn=int(expires.total_seconds()),
        )
        return url
