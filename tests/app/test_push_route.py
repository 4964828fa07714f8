"""POST /v1/pushes through the Chalice app: authentication, validation, idempotency, archive."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta

from app_support import (
    CITY,
    CREDIT_CODE,
    HUNAN,
    PROVINCE,
    black_entry,
    error_code,
    new_batch_id,
    new_signer,
    push_body,
)

from chalicelib.bootstrap import container
from chalicelib.dynamodb.batches import DynamoBatchLedger
from gateway_client.contract.signing import public_key_text
from gateway_client.push_client import signed_headers


def test_a_signed_push_of_a_valid_entry_is_accepted(gateway):
    signer = gateway.register_platform(CITY)

    response = gateway.push(signer, CITY, [black_entry()], batch_id="b-first")

    assert response.status_code == 200
    result = response.json_body
    assert (result["accepted"], result["duplicate"], result["rejected"]) == (1, 0, 0)
    assert result["batch_id"] == "b-first"
    assert result["region"] == CITY
    assert result["outcomes"][0]["index"] == 0
    assert result["outcomes"][0]["outcome"] == "accepted"
    assert result["outcomes"][0]["listing_id"].startswith("lst_")
    assert result["errors"] == []


def test_a_push_signed_with_an_unregistered_key_is_forbidden(gateway):
    gateway.register_platform(CITY)

    response = gateway.push(new_signer("nobody-knows-me"), CITY, [black_entry()])

    assert response.status_code == 403
    assert error_code(response) == "unknown_key"


def test_a_push_without_signature_headers_is_unauthorised(gateway):
    gateway.register_platform(CITY)
    body = push_body(CITY, "b-1", [black_entry()])

    response = gateway.client.http.post(
        "/v1/pushes", headers={"content-type": "application/json"}, body=body
    )

    assert response.status_code == 401
    assert error_code(response) == "missing_signature"


def test_a_push_without_the_key_id_header_is_unauthorised(gateway):
    signer = gateway.register_platform(CITY)
    body = push_body(CITY, "b-1", [black_entry()])

    headers = signed_headers(signer, "b-1", body, datetime.now(UTC))
    del headers["x-credit-key-id"]

    response = gateway.client.http.post("/v1/pushes", headers=headers, body=body)

    assert response.status_code == 401
    assert error_code(response) == "missing_signature"


def test_a_push_whose_signature_does_not_match_the_body_is_unauthorised(gateway):
    signer = gateway.register_platform(CITY)
    impostor = new_signer(signer.key_id)

    response = gateway.push(impostor, CITY, [black_entry()])

    assert response.status_code == 401
    assert error_code(response) == "invalid_signature"


def test_a_push_signed_over_another_body_is_unauthorised(gateway):
    signer = gateway.register_platform(CITY)
    signed = push_body(CITY, "b-1", [black_entry()])
    sent = push_body(CITY, "b-1", [black_entry(severity="general")])

    headers = signed_headers(signer, "b-1", signed, datetime.now(UTC))
    response = gateway.client.http.post("/v1/pushes", headers=headers, body=sent)

    assert response.status_code == 401
    assert error_code(response) == "invalid_signature"


def test_a_push_signed_ten_minutes_ago_is_outside_the_timestamp_window(gateway):
    signer = gateway.register_platform(CITY)
    ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
    body = push_body(CITY, "b-old", [black_entry()], issued_at=ten_minutes_ago)

    response = gateway.post_signed("/v1/pushes", signer, "b-old", body, now=ten_minutes_ago)

    assert response.status_code == 401
    assert error_code(response) == "timestamp_out_of_window"


def test_a_push_signed_ten_minutes_ahead_is_outside_the_timestamp_window(gateway):
    signer = gateway.register_platform(CITY)
    ahead = datetime.now(UTC) + timedelta(minutes=10)

    response = gateway.post_signed(
        "/v1/pushes", signer, "b-early", push_body(CITY, "b-early", [black_entry()]), now=ahead
    )

    assert response.status_code == 401
    assert error_code(response) == "timestamp_out_of_window"


def test_a_push_signed_with_a_key_whose_validity_ended_is_forbidden(gateway):
    gateway.put_region(CITY)
    signer = new_signer("qth-retired")
    body = json.dumps(
        {
            "key_id": signer.key_id,
            "public_key": public_key_text(signer.private_key),
            "valid_from": "2024-01-01T00:00:00+08:00",
            "valid_until": "2099-06-01T00:00:00+08:00",
        }
    ).encode()
    assert (
        gateway.client.http.post(
            f"/v1/regions/{CITY}/keys", headers=gateway.operator(), body=body
        ).status_code
        == 201
    )
    # Time passes: the key's validity ends (the route registers no key that has ended already).
    registry = container().registry
    held = registry.get_key(signer.key_id)
    assert held is not None
    ended = datetime(2024, 6, 1, tzinfo=UTC)
    registry.put_key(held.model_copy(update={"valid_until": ended}))

    response = gateway.push(signer, CITY, [black_entry()])

    assert response.status_code == 403
    assert error_code(response) == "unknown_key"


def test_a_signed_push_that_is_not_json_is_a_bad_request(gateway):
    signer = gateway.register_platform(CITY)

    response = gateway.post_signed("/v1/pushes", signer, "b-1", b'{"region": "230900",')

    assert response.status_code == 400
    assert error_code(response) == "malformed_json"


def test_a_signed_push_whose_entries_are_not_a_list_names_the_bad_field(gateway):
    signer = gateway.register_platform(CITY)
    body = json.dumps(
        {
            "region": CITY,
            "batch_id": "b-1",
            "issued_at": datetime.now(UTC).isoformat(),
            "entries": {"credit_code": CREDIT_CODE},
        }
    ).encode()

    response = gateway.post_signed("/v1/pushes", signer, "b-1", body)

    assert response.status_code == 400
    error = response.json_body["error"]
    assert error["code"] == "invalid_schema"
    assert error["path"] == "entries"
    assert error["errors"][0]["code"] == "invalid_type"


def test_a_body_over_the_configured_limit_is_refused_as_too_large(gateway):
    signer = gateway.register_platform(CITY)
    gateway.configure(max_body_bytes="2000")
    entries = [black_entry(decision_number=f"(2024)黑09执{n}号") for n in range(5)]

    response = gateway.push(signer, CITY, entries)

    assert response.status_code == 413
    assert error_code(response) == "payload_too_large"
    assert response.json_body["error"]["limit"] == 2000


def test_replaying_a_batch_returns_the_identical_result(gateway):
    signer = gateway.register_platform(CITY)
    body = push_body(CITY, "b-replay", [black_entry()])
    first = gateway.post_signed("/v1/pushes", signer, "b-replay", body)

    replay = gateway.post_signed(
        "/v1/pushes", signer, "b-replay", body, now=datetime.now(UTC) + timedelta(seconds=30)
    )

    assert first.status_code == replay.status_code == 200
    assert replay.body == first.body
    assert replay.json_body["accepted"] == 1


def test_reusing_a_batch_id_for_another_body_is_a_conflict(gateway):
    signer = gateway.register_platform(CITY)
    gateway.push(signer, CITY, [black_entry()], batch_id="b-reused")

    response = gateway.push(signer, CITY, [black_entry(severity="general")], batch_id="b-reused")

    assert response.status_code == 409
    assert error_code(response) == "batch_id_reused"


def test_a_batch_mixing_valid_and_invalid_entries_reports_each_rejected_entry(gateway):
    signer = gateway.register_platform(CITY)
    entries = [
        black_entry(),
        black_entry(credit_code="91110000600037341M"),
        black_entry(decision_number="(2024)黑09执124号", legal_basis=None),
        "not an entry",
    ]

    response = gateway.push(signer, CITY, entries)

    assert response.status_code == 200
    result = response.json_body
    assert (result["accepted"], result["duplicate"], result["rejected"]) == (1, 0, 3)
    assert [o["index"] for o in result["outcomes"]] == [0]
    errors = {e["index"]: e for e in result["errors"]}
    assert set(errors) == {1, 2, 3}
    assert all(set(e) == {"list", "index", "field", "code", "message"} for e in result["errors"])
    assert {e["list"] for e in result["errors"]} == {"entries"}
    assert (errors[1]["field"], errors[1]["code"]) == ("credit_code", "invalid_check_character")
    assert (errors[2]["field"], errors[2]["code"]) == ("legal_basis", "missing_legal_basis")
    assert errors[3]["code"] == "invalid_type"


def test_an_older_version_of_a_held_listing_counts_as_a_duplicate(gateway):
    signer = gateway.register_platform(CITY)
    gateway.push(signer, CITY, [black_entry(source_updated_at="2026-03-05T09:00:00+08:00")])

    response = gateway.push(signer, CITY, [black_entry()])

    result = response.json_body
    assert (result["accepted"], result["duplicate"]) == (0, 1)
    assert result["outcomes"][0]["outcome"] == "duplicate"


def test_a_push_for_another_region_than_the_keys_is_forbidden(gateway):
    signer = gateway.register_platform(CITY)
    gateway.register_platform(HUNAN)

    response = gateway.push(signer, HUNAN, [black_entry()])

    assert response.status_code == 403
    assert error_code(response) == "region_mismatch"


def test_a_batch_id_differing_from_the_webhook_id_is_a_bad_request(gateway):
    signer = gateway.register_platform(CITY)
    body = push_body(CITY, "b-in-body", [black_entry()])

    response = gateway.post_signed("/v1/pushes", signer, "b-in-header", body)

    assert response.status_code == 400
    assert response.json_body["error"]["path"] == "batch_id"


def test_an_entry_from_outside_the_pushing_regions_subtree_is_rejected(gateway):
    signer = gateway.register_platform(CITY)

    response = gateway.push(signer, CITY, [black_entry(origin_region=HUNAN)])

    [error] = response.json_body["errors"]
    assert (error["index"], error["field"], error["code"]) == (
        0,
        "origin_region",
        "region_not_permitted",
    )


def test_the_raw_body_is_archived_under_a_key_naming_region_and_batch(gateway, aws):
    signer = gateway.register_platform(CITY)
    batch_id = new_batch_id()
    body = push_body(CITY, batch_id, [black_entry()])

    gateway.post_signed("/v1/pushes", signer, batch_id, body)

    bucket = aws.env["CG_ARCHIVE_BUCKET"]
    [stored] = aws.s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert CITY in stored["Key"]
    assert batch_id in stored["Key"]
    assert aws.s3.get_object(Bucket=bucket, Key=stored["Key"])["Body"].read() == body


def test_a_province_relaying_a_citys_listing_adds_its_provenance(gateway):
    city = gateway.register_platform(CITY)
    province = gateway.register_platform(PROVINCE)
    gateway.push(city, CITY, [black_entry()])

    relayed = gateway.push(province, PROVINCE, [black_entry(origin_region=CITY)])

    assert relayed.json_body["duplicate"] == 1
    [view] = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}").json_body["listings"]
    held = view["listing"]
    assert sorted(held["provenances"]) == [PROVINCE, CITY]
    assert held["origin_region"] == CITY


def test_a_batch_still_being_processed_is_answered_with_a_conflict(gateway, aws):
    signer = gateway.register_platform(CITY)
    body = push_body(CITY, "b-busy", [black_entry()])
    ledger = DynamoBatchLedger(aws.dynamodb, aws.env["CG_BATCHES_TABLE"])
    digest = hashlib.sha256(body).hexdigest()
    ledger.claim(CITY, "b-busy", digest, datetime.now(UTC), timedelta(minutes=2))

    response = gateway.post_signed("/v1/pushes", signer, "b-busy", body)

    assert response.status_code == 409
    assert error_code(response) == "batch_in_progress"


def test_a_batch_of_more_than_a_hundred_entries_is_accepted_in_full(gateway):
    signer = gateway.register_platform(CITY)
    entries = [black_entry(decision_number=f"(2024)黑09执{n}号") for n in range(150)]

    first = gateway.push(signer, CITY, entries)
    again = gateway.push(signer, CITY, entries)

    assert (first.json_body["accepted"], first.json_body["duplicate"]) == (150, 0)
    assert (again.json_body["accepted"], again.json_body["duplicate"]) == (0, 150)


def test_a_province_whose_policy_is_not_to_relay_pushes_only_its_own_listings(gateway):
    province = gateway.register_platform(PROVINCE)
    body = json.dumps({"name": "黑龙江省", "relays_subregions": False}, ensure_ascii=False)
    reply = gateway.client.http.put(
        f"/v1/regions/{PROVINCE}", headers=gateway.operator(), body=body.encode()
    )
    assert reply.json_body["relays_subregions"] is False

    pushed = gateway.push(
        province,
        PROVINCE,
        [
            black_entry(origin_region=CITY),
            black_entry(decision_number="(2024)黑执1号", deciding_authority="黑龙江省高级人民法院"),
        ],
    )

    assert (pushed.json_body["accepted"], pushed.json_body["rejected"]) == (1, 1)
    [error] = pushed.json_body["errors"]
    assert (error["index"], error["field"], error["code"]) == (
        0,
        "origin_region",
        "relay_not_permitted",
    )


def test_a_push_of_many_faulty_entries_lists_the_first_errors_and_is_answered_again(gateway):
    """Review 45: a thousand empty entries (ten errors each), or keys of random characters,
    made a result over DynamoDB's item limit: 500 after the batch's good entries were written,
    and its batch id never succeeded. The errors listed are capped (in number and in bytes);
    ``rejected`` counts every entry, and a replay answers the same result."""
    signer = gateway.register_platform(CITY)
    noisy = {**black_entry(), **{secrets.token_hex(100): 1 for _ in range(50)}}  # 50 long keys
    entries = [black_entry(), noisy, *[{} for _ in range(998)]]

    body = push_body(CITY, "b-noisy", entries)
    first = gateway.post_signed("/v1/pushes", signer, "b-noisy", body)
    again = gateway.post_signed("/v1/pushes", signer, "b-noisy", body)  # the same batch again

    assert first.status_code == 200, first.json_body
    result = first.json_body
    assert (result["accepted"], result["rejected"], result["errors_truncated"]) == (1, 999, True)
    assert 0 < len(result["errors"]) <= 500
    assert len(json.dumps(result["errors"]).encode()) <= 100_000
    assert [e["index"] for e in result["errors"]] == sorted(e["index"] for e in result["errors"])
    assert result["errors"][0]["index"] == 1
    assert (again.status_code, again.json_body) == (200, result)
