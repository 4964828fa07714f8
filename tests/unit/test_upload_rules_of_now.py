"""An upload is ingested under its region's rules of the day it runs, not of the day its manifest
was signed: a manifest may be asked for again, and its file uploaded, long after (review 17, F1).
"""

from __future__ import annotations

from typing import Any

from builders import CITY, COUNTY
from test_bulk_ingest import COURT, TAX, Gateway, errors_of, ndjson, resync, row

from gateway.intake.bulk import Upload, UploadStatus
from gateway.registry import Region
from gateway_client.contract.listing import ListingStatus

SOURCE = "100001"  # a national source (the courts)
OWN = [row(i) for i in range(1, 31)]
RELAYED = row(31, origin_region=COUNTY)  # the county's listing, pushed by the city for it


def resynced_after_relaying_ended(*lines: Any) -> tuple[Gateway, Upload]:
    """The city's court resync of ``lines``, its manifest signed while it relayed for its
    counties and the file ingested after the operator turned relaying off."""
    gateway = Gateway()
    gateway.seed(*OWN)
    gateway.seed(RELAYED, region=COUNTY, relayed_by=CITY)
    content = ndjson(list(lines))
    gateway.sign(content, **resync(COURT))
    version = gateway.put(content)
    region = gateway.registry.get_region(CITY)
    assert region is not None
    gateway.registry.put_region(region.model_copy(update={"relays_subregions": False}))
    return gateway, gateway.process("u-1", version)


def source_narrowed(lines: list[Any], **mode: Any) -> tuple[Gateway, Upload]:
    """The courts' upload of ``lines``, signed while they listed in court and tax domains and
    ingested after tax was taken from them."""
    gateway = Gateway()
    source = Region(code=SOURCE, name="最高人民法院", kind="national_source", domains=(COURT, TAX))
    gateway.registry.put_region(source)
    content = ndjson(lines)
    gateway.sign(content, region=SOURCE, **mode)
    version = gateway.put(content, region=SOURCE)
    gateway.registry.put_region(source.model_copy(update={"domains": (COURT,)}))
    return gateway, gateway.process("u-1", version, region=SOURCE)


def test_a_city_no_longer_relaying_relays_nothing_and_removes_none_of_its_counties() -> None:
    gateway, upload = resynced_after_relaying_ended(*OWN[1:], row(70, origin_region=COUNTY))

    assert upload.status is UploadStatus.COMPLETED
    assert upload.relays_subregions is False
    assert errors_of(upload) == [(30, "origin_region", "relay_not_permitted")]
    assert gateway.status(row(70, origin_region=COUNTY)) is None
    assert upload.removal == "withheld"  # as for any refused line: nothing is removed
    assert gateway.status(RELAYED) is ListingStatus.ACTIVE
    assert gateway.status(OWN[0]) is ListingStatus.ACTIVE


def test_a_resync_after_relaying_was_turned_off_removes_the_citys_own_listings_only() -> None:
    gateway, upload = resynced_after_relaying_ended(*OWN[1:])

    assert (upload.status, upload.removal, upload.removed) == ("completed", "applied", 1)
    assert gateway.status(OWN[0]) is ListingStatus.REVOKED
    assert gateway.status(RELAYED) is ListingStatus.ACTIVE  # the county's, no longer relayed


def test_a_national_source_resync_of_a_domain_it_may_no_longer_list_in_is_refused() -> None:
    gateway, upload = source_narrowed([row(1, domain=TAX, region=SOURCE)], **resync(TAX))

    assert upload.status is UploadStatus.REFUSED
    assert upload.refusal is not None
    assert upload.refusal.code == "domain_not_permitted"
    assert gateway.listings.listings == {}


def test_lines_of_a_domain_taken_from_a_national_source_meanwhile_are_refused_alone() -> None:
    gateway, upload = source_narrowed([row(1, region=SOURCE), row(2, domain=TAX, region=SOURCE)])

    assert upload.status is UploadStatus.COMPLETED
    assert errors_of(upload) == [(2, "domain", "domain_not_permitted")]
    assert gateway.status(row(1, region=SOURCE)) is ListingStatus.ACTIVE
