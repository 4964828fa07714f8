"""Bulk uploads on DynamoDB: upload records, batched creates, the by-source index a resync
reads, and the upload queue's messages."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from integration_support import ACCEPTED_AT, CREDIT_CODE, SOURCE_UPDATED_AT, listing

from chalicelib.dynamodb.listings import SOURCE_SHARDS, DynamoListings, source_shard
from chalicelib.dynamodb.uploads import DynamoUploads
from chalicelib.upload_queue import uploads_in
from gateway.intake import Held
from gateway.intake.bulk import LineError, Refusal, Upload, UploadManifest, UploadStatus, upload_key
from gateway_client.contract.listing import Listing, ListingStatus

CITY = "441800"  # 清远市
COUNTY = "441802"  # 清城区, inside CITY
SIBLING_CITY = "440100"  # 广州市, same province
PROVINCE = "440000"
OTHER_PROVINCE_COUNTY = "420281"  # 大冶市, 湖北
COURT, TAX, SAFETY = "court_defaulter", "major_tax_violation", "work_safety"


@pytest.fixture
def uploads(aws) -> DynamoUploads:
    return DynamoUploads(aws.dynamodb, aws.env["CG_UPLOADS_TABLE"])


@pytest.fixture
def listings(aws) -> DynamoListings:
    return DynamoListings(aws.dynamodb, aws.env["CG_LISTINGS_TABLE"])


# --- upload records ----------------------------------------------------------------------------


def upload(upload_id: str = "u-1", region: str = CITY, count: int = 3, **fields: Any) -> Upload:
    manifest = UploadManifest(
        region=region,
        upload_id=upload_id,
        issued_at=ACCEPTED_AT,
        count=count,
        sha256="ab" * 32,
        size=1234,
        mode="resync",
        domains=(COURT,),
    )
    base: dict[str, Any] = {
        "manifest": manifest,
        "key_id": f"{region}-k1",
        "object_key": upload_key(region, upload_id),
        "created_at": ACCEPTED_AT,
        "updated_at": ACCEPTED_AT,
    }
    return Upload(**{**base, **fields})


def test_a_new_upload_is_created_and_read_back(uploads):
    made = upload()

    assert uploads.create(made) is None
    assert uploads.get(CITY, "u-1") == made
    assert uploads.get(CITY, "u-2") is None
    assert uploads.get(COUNTY, "u-1") is None


def test_creating_a_taken_id_returns_the_upload_held(uploads):
    first = upload(count=3)
    uploads.create(first)

    held = uploads.create(upload(count=4))

    assert held == first
    assert uploads.get(CITY, "u-1") == first


def test_the_same_upload_id_in_another_region_is_another_upload(uploads):
    assert uploads.create(upload(region=CITY)) is None
    assert uploads.create(upload(region=COUNTY)) is None
    assert uploads.get(COUNTY, "u-1") == upload(region=COUNTY)


def test_one_run_at_a_time_holds_an_upload_and_saving_keeps_the_lease(uploads):
    uploads.create(upload())
    later = ACCEPTED_AT + timedelta(minutes=16)

    first = uploads.lease(CITY, "u-1", "run-1", ACCEPTED_AT, later)
    uploads.save(upload(lines=5))
    second = uploads.lease(CITY, "u-1", "run-2", ACCEPTED_AT, later)
    uploads.release(CITY, "u-1", "run-2")  # not its lease: no effect
    still = uploads.lease(CITY, "u-1", "run-3", ACCEPTED_AT, later)
    uploads.release(CITY, "u-1", "run-1")
    third = uploads.lease(CITY, "u-1", "run-3", ACCEPTED_AT, later)
    expired = uploads.lease(CITY, "u-1", "run-4", later + timedelta(seconds=1), later)

    assert (first, second, still, third, expired) == (True, False, False, True, True)
    assert uploads.get(CITY, "u-1").lines == 5
    assert not uploads.lease(CITY, "u-404", "run-1", ACCEPTED_AT, later)


def test_saving_keeps_progress_and_results(uploads):
    uploads.create(upload())
    progressed = upload(
        status=UploadStatus.INGESTING,
        version_id="3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY",
        offset=1000,
        line=12,
        lines=11,
        accepted=9,
        duplicate=1,
        rejected=1,
        removal="pending",
        errors=(LineError(line=5, field="credit_code", code="invalid_credit_code", message="x"),),
        errors_truncated=True,
        updated_at=ACCEPTED_AT + timedelta(minutes=1),
    )
    uploads.save(progressed)
    assert uploads.get(CITY, "u-1") == progressed

    refused = progressed.model_copy(
        update={
            "status": UploadStatus.REFUSED,
            "refusal": Refusal(code="upload_mismatch", message="m", details={"signed": {"a": 1}}),
        }
    )
    uploads.save(refused)
    assert uploads.get(CITY, "u-1") == refused


# --- creates: conditional, in parallel ---------------------------------------------------------


def numbered(i: int, region: str = CITY, domain: str = COURT, **fields: Any) -> Listing:
    made = listing(region=region, decision_number=f"(2024)黑09执{i}号", domain=domain)
    return made.model_copy(update=fields) if fields else made


def create(listings: Any, made: list[Listing], region: str) -> set[str]:
    return set(listings.write([(x, None) for x in made], region))


def test_created_listings_are_read_back_with_the_creating_region(listings):
    made = [numbered(i) for i in range(60)]  # more requests than writer threads

    created = create(listings, made, CITY)

    assert created == {x.listing_id for x in made}
    found = listings.current([(x.credit_code, x.listing_id) for x in made])
    assert found == {x.listing_id: x.model_copy(update={"provenances": (CITY,)}) for x in made}


def test_a_create_never_overwrites_a_listing_written_meanwhile(listings):
    first = numbered(1)
    newer = first.model_copy(update={"version": "2030-01-01T00:00:00.000000Z#0000000000000"})
    assert create(listings, [newer], COUNTY) == {first.listing_id}  # a push landed first

    assert create(listings, [first], CITY) == set()  # the bulk's create loses: nothing written

    held = listings.current([(CREDIT_CODE, first.listing_id)])[first.listing_id]
    assert (held.version, held.provenances) == (newer.version, (COUNTY,))


def test_a_created_listing_is_updated_by_compare_and_set_afterwards(listings):
    first = numbered(1)
    create(listings, [first], CITY)
    newer = first.model_copy(
        update={"version": "2030-01-01T00:00:00.000000Z#0000000000000", "subject_name": "新名称"}
    )

    assert listings.write([(newer, "1999")], CITY) == set()
    assert listings.write([(newer, first.version)], COUNTY) == {first.listing_id}

    held = listings.current([(CREDIT_CODE, first.listing_id)])[first.listing_id]
    assert (held.subject_name, held.provenances) == ("新名称", tuple(sorted((CITY, COUNTY))))


def test_the_source_shard_spreads_a_province_over_sixteen_partitions():
    ids = [numbered(i).listing_id for i in range(200)]
    shards = {source_shard(CITY, lid) for lid in ids}
    assert shards == {f"44#{n:02d}" for n in range(SOURCE_SHARDS)}
    assert source_shard(COUNTY, ids[0]) == source_shard(PROVINCE, ids[0])


# --- the source index --------------------------------------------------------------------------


def keys(*items: Listing) -> set[tuple[str, str, str]]:
    return {(x.credit_code, x.listing_id, x.origin_region) for x in items}


def status(held: Listing, value: ListingStatus) -> Listing:
    return held.model_copy(update={"status": value})


@pytest.fixture
def province(listings: DynamoListings) -> dict[str, list[Listing]]:
    """A province's listings in every relation to the city 441800, spread over all shards."""
    city_own = [numbered(i) for i in range(40)]
    suspended = [status(numbered(i), ListingStatus.SUSPENDED) for i in range(40, 44)]
    removed = [status(numbered(i), ListingStatus.REVOKED) for i in range(44, 48)] + [
        status(numbered(i), ListingStatus.REPAIRED) for i in range(48, 50)
    ]
    tax = [numbered(i, domain=TAX) for i in range(50, 55)]
    safety = [numbered(i, domain=SAFETY) for i in range(55, 58)]
    relayed = [numbered(i, region=COUNTY) for i in range(60, 66)]
    county_own = [numbered(i, region=COUNTY) for i in range(66, 70)]
    sibling = [numbered(i, region=SIBLING_CITY) for i in range(70, 75)]
    province_relayed = [numbered(i, region=COUNTY) for i in range(75, 78)]
    elsewhere = [numbered(i, region=OTHER_PROVINCE_COUNTY) for i in range(80, 90)]

    create(listings, city_own + suspended + removed + tax + safety, CITY)
    create(listings, relayed + county_own + province_relayed, COUNTY)
    listings.add_provenance([(*k[:2], COUNTY) for k in keys(*relayed)], CITY)
    listings.add_provenance([(*k[:2], COUNTY) for k in keys(*province_relayed)], PROVINCE)
    create(listings, sibling, SIBLING_CITY)
    create(listings, elsewhere, OTHER_PROVINCE_COUNTY)
    # a listing the city removed later, by compare-and-set
    gone = numbered(90)
    create(listings, [gone], CITY)
    later = status(gone, ListingStatus.REVOKED).model_copy(
        update={"version": "2030-01-01T00:00:00.000000Z#0000000000000"}
    )
    assert listings.write([(later, gone.version)], CITY) == {gone.listing_id}
    return {
        "city_own": city_own,
        "suspended": suspended,
        "removed": [*removed, gone],
        "tax": tax,
        "safety": safety,
        "relayed": relayed,
        "county_own": county_own,
        "sibling": sibling,
        "province_relayed": province_relayed,
        "elsewhere": elsewhere,
    }


def held(listings: DynamoListings, region: str, *domains: str) -> list[Held]:
    return list(listings.held_by(region, domains))


def test_held_by_is_what_the_region_published_or_relayed_in_force_in_the_domains(
    listings, province
):
    found = held(listings, CITY, COURT)

    assert len(found) == len(set(found))
    assert set(found) == keys(*province["city_own"], *province["suspended"], *province["relayed"])
    shards = {source_shard(x.origin_region, x.listing_id) for x in province["city_own"]}
    assert len(shards) > SOURCE_SHARDS // 2  # the answer came from many shards


def test_held_by_covers_every_named_domain(listings, province):
    assert set(held(listings, CITY, COURT, TAX)) == keys(
        *province["city_own"], *province["suspended"], *province["relayed"], *province["tax"]
    )
    assert set(held(listings, CITY, TAX, SAFETY)) == keys(*province["tax"], *province["safety"])
    assert held(listings, CITY, "food_drug") == []


def test_held_by_a_county_is_its_own_listings_only(listings, province):
    assert set(held(listings, COUNTY, COURT)) == keys(
        *province["relayed"], *province["county_own"], *province["province_relayed"]
    )


def test_held_by_a_province_is_what_it_relayed(listings, province):
    assert set(held(listings, PROVINCE, COURT)) == keys(*province["province_relayed"])


def test_held_by_other_regions_never_crosses_the_province(listings, province):
    assert set(held(listings, OTHER_PROVINCE_COUNTY, COURT)) == keys(*province["elsewhere"])
    assert set(held(listings, SIBLING_CITY, COURT)) == keys(*province["sibling"])
    assert held(listings, "420000", COURT) == []
    assert held(listings, "430000", COURT) == []


def test_held_by_an_empty_table_is_empty(listings):
    assert held(listings, CITY, COURT) == []


# --- the upload queue --------------------------------------------------------------------------


def s3_notification(*object_keys: str, version: str | None = "v-1") -> str:
    records = []
    for key in object_keys:
        obj: dict[str, Any] = {"key": key, "size": 1234, "eTag": "abc", "sequencer": "0A1B"}
        if version is not None:
            obj["versionId"] = version
        records.append(
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "cn-northwest-1",
                "eventTime": SOURCE_UPDATED_AT.isoformat(),
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "uploads",
                    "bucket": {"name": "t-uploads", "arn": "arn:aws-cn:s3:::t-uploads"},
                    "object": obj,
                },
            }
        )
    return json.dumps({"Records": records})


def test_an_s3_notification_names_the_upload_and_its_version():
    body = s3_notification("uploads/441800/u-1.ndjson", version="3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")
    assert list(uploads_in(body)) == [(CITY, "u-1", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")]


def test_an_s3_notification_key_is_url_decoded():
    body = s3_notification("uploads/441800/u-2025%3A06%3A02.part-1.ndjson")
    assert list(uploads_in(body)) == [(CITY, "u-2025:06:02.part-1", "v-1")]


def test_an_unversioned_notification_has_no_version():
    body = s3_notification("uploads/441800/u-1.ndjson", version=None)
    assert list(uploads_in(body)) == [(CITY, "u-1", None)]


def test_every_record_of_a_notification_is_read_and_foreign_keys_skipped():
    body = s3_notification(
        "uploads/441800/u-1.ndjson",
        "archive/441800/u-1.ndjson",
        "uploads/4418/u-1.ndjson",
        "uploads/441800/u-1.json",
        "uploads/441800/nested/u-1.ndjson",
        "uploads/441802/u-9.ndjson",
    )
    assert list(uploads_in(body)) == [(CITY, "u-1", "v-1"), (COUNTY, "u-9", "v-1")]


def test_a_continuation_names_the_upload_without_a_version():
    body = json.dumps({"continue": {"region": CITY, "upload_id": "u-1"}})
    assert list(uploads_in(body)) == [(CITY, "u-1", None)]


def test_s3s_test_event_yields_nothing():
    body = json.dumps(
        {
            "Service": "Amazon S3",
            "Event": "s3:TestEvent",
            "Time": "2025-06-02T09:00:00.000Z",
            "Bucket": "t-uploads",
            "RequestId": "5582815E1AEA5ADF",
            "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
        }
    )
    assert list(uploads_in(body)) == []


@pytest.mark.parametrize(
    "body",
    [
        "",
        "not json",
        "{",
        "null",
        "42",
        '"uploads/441800/u-1.ndjson"',
        "[]",
        '[{"s3": {"object": {"key": "uploads/441800/u-1.ndjson"}}}]',
        "{}",
        '{"Records": null}',
        '{"Records": []}',
        '{"Records": [1, "x", null]}',
        '{"Records": [{"s3": {"object": {}}}]}',
        '{"Records": [{"s3": {"object": {"key": null}}}]}',
        '{"Records": [{"eventSource": "aws:sqs"}]}',
    ],
)
def test_junk_yields_nothing(body):
    assert list(uploads_in(body)) == []


@pytest.mark.parametrize(
    "body",
    [
        '{"Records": "uploads/441800/u-1.ndjson"}',
        '{"Records": 5}',
        '{"Records": {"s3": {}}}',
        '{"Records": [{"s3": "x"}]}',
        '{"Records": [{"s3": {"object": "uploads/441800/u-1.ndjson"}}]}',
        '{"Records": [{"s3": null}]}',
    ],
)
def test_junk_of_the_wrong_shape_yields_nothing_rather_than_raising(body):
    assert list(uploads_in(body)) == []
