"""Asking for an upload: the signed manifest is checked and recorded before any byte arrives."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from gateway.authentication import authenticate
from gateway.intake.admission import DOMAIN_RESERVED, reserved_problem
from gateway.intake.bulk import Upload, UploadManifest, upload_key
from gateway.intake.ingest import PushPolicy
from gateway.intake.ports import UploadStore
from gateway.lifecycle import FutureVersion, version_problem
from gateway.national import DomainNotPermitted, domain_problem, refuse_unregistered
from gateway.ports import Registry
from gateway.rate_limit import RateCounter, admit
from gateway.validation import parse_request
from gateway_client.contract import (
    BadRequest,
    Clock,
    Conflict,
    DuplicateValue,
    RegionMismatch,
)


class DomainReserved(BadRequest):
    code = DOMAIN_RESERVED


class UploadIdReused(Conflict):
    """The upload id was used before with another manifest."""

    code = "upload_id_reused"
    default_path = "upload_id"


class UploadDesk:
    def __init__(
        self,
        registry: Registry,
        uploads: UploadStore,
        clock: Clock,
        rates: RateCounter,
        policy: PushPolicy,
        checks_per_minute: int,
        sealed: Callable[[str], str] | None = None,
    ) -> None:
        # a check's manifest is kept with its file's digest keyed (``UploadChecker.sealed``)
        self._sealed = sealed
        self._checks_per_minute = checks_per_minute  # a bulk check is a check (POST /v1/checks)
        self._rates = rates
        self._policy = policy
        self._registry = registry
        self._uploads = uploads
        self._clock = clock

    def _admit_check(self, manifest: UploadManifest) -> None:
        """A bulk check counts as a batch check (POST /v1/checks) does, once its manifest passed
        every check (review 160); an upload asked for again (a fresh URL) is the same check,
        and counts nothing."""
        if self._uploads.get(manifest.region, manifest.upload_id) is not None:
            return
        limit = self._checks_per_minute
        message = f"batch and bulk checks are limited to {limit} a minute per region"
        admit(self._rates, f"checks#{manifest.region}", self._clock.now(), limit, message)

    def request(self, headers: Mapping[str, str], body: bytes) -> tuple[Upload, bool, str]:
        """Record a signed manifest; asking again with the same manifest returns the same
        upload (so a platform can retry for a fresh URL). Also says whether it is new, and the
        file's SHA-256 as the manifest gives it (the PUT's checksum: a check's manifest is
        kept with it keyed)."""
        now = self._clock.now()
        auth = authenticate(self._registry, headers, body, now, self._policy.tolerance)
        auth.rate_limit(self._rates, now, self._policy.push_rate_per_minute)
        manifest = parse_request(UploadManifest, body)
        if manifest.region != auth.key.region:
            raise RegionMismatch(
                f"key {auth.key.key_id} belongs to {auth.key.region}, not {manifest.region}",
                path="region",
            )
        if manifest.upload_id != auth.signed.msg_id:
            raise BadRequest("upload_id differs from the webhook-id header", path="upload_id")
        refuse_unregistered(manifest.as_region, self._registry.get_region, "as_region")
        # issued_at versions a resync's removals: one from the future would freeze listings.
        late = version_problem(manifest.issued_at, now, self._policy.tolerance, "issued_at")
        if late is not None:
            raise FutureVersion(late, path="issued_at")
        DuplicateValue.check(manifest.domains, "domains")
        file_sha256 = manifest.sha256
        if manifest.mode == "check" and self._sealed is not None:
            manifest = manifest.model_copy(update={"sha256": self._sealed(manifest.sha256)})
        # A national source's resync may only be the complete list of domains it lists in; no
        # resync is the complete list of what the gateway lists itself.
        for domain in manifest.domains:
            reserved = reserved_problem(domain)
            if reserved is not None:
                raise DomainReserved(reserved[1], path="domains")
            refused = domain_problem(domain, manifest.region, auth.region.domains)
            if refused is not None:
                raise DomainNotPermitted(refused[1], path="domains")
        if manifest.mode == "check":  # once it is one: a refused manifest uses no check
            self._admit_check(manifest)
        upload = Upload(
            manifest=manifest,
            key_id=auth.key.key_id,
            relays_subregions=auth.region.relays_subregions,
            permitted_domains=auth.region.domains,
            object_key=upload_key(manifest.region, manifest.upload_id, manifest.mode),
            created_at=now,
            updated_at=now,
        )
        held = self._uploads.create(upload)
        if held is None:
            return upload, True, file_sha256
        if held.manifest != manifest:
            raise UploadIdReused(
                f"upload {manifest.upload_id} was requested with another manifest",
                path="upload_id",
            )
        if held.key_id != upload.key_id and held.awaits_file:
            # The same manifest signed by another current key of the region (the first one
            # revoked meanwhile, say): its file is judged by this key, or it could never pass
            # (one refused for a file of other bytes too: review 221).
            rebound = held.model_copy(update={"key_id": upload.key_id, "updated_at": now})
            if self._uploads.save_if_awaiting(rebound, now):
                return rebound, False, file_sha256
            held = self._uploads.get(manifest.region, manifest.upload_id) or held
        return held, False, file_sha256
