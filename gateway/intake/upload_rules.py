"""An upload held to its region's rules of the moment, not of the day its manifest was signed.

Why a module of its own: a manifest may be asked for again, and its file uploaded, long after it
was signed, and a large file is ingested over many invocations; each of them (the upload's own
run and every range) asks this again before it stores a line, so a revoked key, a region no
longer registered, a domain taken from a national source or a check's jurisdiction that stands
for nothing stops what is not yet stored.
"""

from __future__ import annotations

from datetime import datetime

from gateway.intake.bulk import Refusal, Upload, UploadStatus, stamp
from gateway.national import domain_problem, unregistered_source
from gateway.ports import Registry
from gateway.registry import Region
from gateway_client.contract import NO_JURISDICTION, jurisdiction_exists


def as_permitted_now(registry: Registry, upload: Upload, now: datetime) -> Upload:
    """The upload under its region's rules of ``now``: refused when the key that signed the
    manifest is no longer valid, or a resync's domain is no longer the source's; otherwise with
    the region's current relay policy and domains, so an operator's change applies to the lines
    not yet stored. The same object when nothing changed."""
    region = registry.get_region(upload.manifest.region)
    refusal = _refusal(registry, upload, region, now)
    if refusal is None and region is not None:
        policy = {
            "relays_subregions": region.relays_subregions,
            "permitted_domains": region.domains,
        }
        if all(getattr(upload, name) == value for name, value in policy.items()):
            return upload
        return upload.model_copy(update=policy)
    return stamp(upload, now, status=UploadStatus.REFUSED, refusal=refusal)


def stopped(upload: Upload) -> Upload:
    """A resync refused while its removals were under way removes no more: said so, with how
    many it had removed (review 225: it read as still pending)."""
    if upload.removal != "pending":
        return upload
    note = f"{upload.removed} listings were removed before the upload was refused; no more will be"
    return upload.model_copy(update={"removal": "withheld", "removal_note": note})


def permitted_now(registry: Registry, upload: Upload, now: datetime) -> Upload:
    """``as_permitted_now``, and refused by it now, a resync removes no more (``stopped``),
    whichever run finds it (review 227)."""
    found = as_permitted_now(registry, upload, now)
    return stopped(found) if found is not upload and found.status is UploadStatus.REFUSED else found


def rules_now(registry: Registry, upload: Upload) -> tuple[bool, tuple[str, ...]]:
    """The region's relay policy and domains as they are now, for a batch of a run under way
    (as the upload holds them, should the region be gone: the run is refused at its next
    start)."""
    region = registry.get_region(upload.manifest.region)
    if region is None:
        return upload.relays_subregions, upload.permitted_domains
    return region.relays_subregions, region.domains


def key_valid(registry: Registry, upload: Upload, now: datetime) -> bool:
    """Whether the key that signed the manifest is still the region's, valid at ``now``: asked
    before every batch of a run, which stops at once when it is not (review 224: a run went on
    storing and removing under a key revoked meanwhile)."""
    key = registry.get_key(upload.key_id)
    return key is not None and key.region == upload.manifest.region and key.is_valid_at(now)


def _refusal(
    registry: Registry, upload: Upload, region: Region | None, now: datetime
) -> Refusal | None:
    if not key_valid(registry, upload, now):
        return Refusal(
            code="key_revoked",
            message=f"key {upload.key_id} is no longer valid: request a new upload (a new "
            "upload id) signed with a current key",
        )
    if region is None:
        return Refusal(code="unknown_region", message="the region is no longer registered")
    for domain in upload.manifest.domains:
        problem = domain_problem(domain, region.code, region.domains)
        if problem is not None:
            return Refusal(code=problem[0], message=problem[1])
    return _no_such_jurisdiction(registry, upload.manifest.as_region)


def _no_such_jurisdiction(registry: Registry, as_region: str | None) -> Refusal | None:
    """A check's ``as_region`` that no longer stands for a jurisdiction: a national source
    unregistered since, or one asked for before the gateway judged that (its signed report would
    state recognition as nothing that exists)."""
    if as_region is None:
        return None
    if not jurisdiction_exists(as_region):
        return Refusal(code="unknown_division", message=f"as_region: {NO_JURISDICTION}")
    if unregistered_source(as_region, registry.get_region):
        message = f"as_region: no national source {as_region} is registered"
        return Refusal(code="unknown_region", message=message)
    return None
