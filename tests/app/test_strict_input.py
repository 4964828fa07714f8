"""Bodies, pushed entries and upload manifests are read in their fields' own JSON types: a
string or number standing in for a boolean, a boolean or string for an integer, an epoch number
or a datetime for a date is refused with the field's ``path``, and nothing is written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, HUBEI, black_entry, error_code, new_batch_id

from chalicelib.bootstrap import container


def problems(response: Any) -> tuple[int, str, list[tuple[str, str]]]:
    error = response.json_body["error"]
    return (
        response.status_code,
        error["code"],
        [(p["path"], p["code"]) for p in error.get("errors", [])],
    )


def envelope(batch_id: str, issued_at: Any, entries: list[Any]) -> bytes:
    body = {"region": CITY, "batch_id": batch_id, "issued_at": issued_at, "entries": entries}
    return json.dumps(body, ensure_ascii=False).encode()


def subscribed(gateway: Any) -> tuple[str, dict[str, Any]]:
    """湖北's subscription: its path, and how it reads before the test's request."""
    gateway.put_region(HUBEI)
    made = gateway.subscribe_as_operator(region=HUBEI, url="http://127.0.0.1:9/hook")
    path = f"/v1/subscriptions/{made.json_body['subscription_id']}"
    return path, gateway.client.http.get(path, headers=gateway.operator()).json_body


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"recognised_only": "on"}, "recognised_only"),
        ({"recognised_only": 1}, "recognised_only"),
        ({"retry_schedule_seconds": ["5", 60]}, "retry_schedule_seconds.0"),
        ({"retry_schedule_seconds": [5, 60.0]}, "retry_schedule_seconds.1"),
    ],
)
def test_a_subscription_change_in_loose_types_is_refused_and_not_stored(gateway, change, where):
    path, before = subscribed(gateway)

    response = gateway.client.http.patch(
        path, headers=gateway.operator(), body=json.dumps(change).encode()
    )

    assert problems(response) == (400, "invalid_schema", [(where, "invalid_type")])
    assert gateway.client.http.get(path, headers=gateway.operator()).json_body == before


@pytest.mark.parametrize("field", ["url", "filters", "recognised_only", "delivery_mode"])
def test_a_subscription_change_to_null_names_its_field_and_is_not_stored(gateway, field):
    """Review 73 F1: a field that cannot be null was reported at ``body``."""
    path, before = subscribed(gateway)

    response = gateway.client.http.patch(
        path, headers=gateway.operator(), body=json.dumps({field: None}).encode()
    )

    assert problems(response) == (400, "invalid_schema", [(field, "value_error")])
    assert response.json_body["error"]["path"] == field
    assert gateway.client.http.get(path, headers=gateway.operator()).json_body == before


@pytest.mark.parametrize("loose", ["yes", 1, "true"])
def test_enabling_with_a_loose_redeliver_flag_is_refused_and_changes_nothing(gateway, loose):
    path, before = subscribed(gateway)

    response = gateway.client.http.post(
        path + "/enable",
        headers=gateway.operator(),
        body=json.dumps({"redeliver_missed": loose}).encode(),
    )

    assert problems(response) == (400, "invalid_schema", [("redeliver_missed", "invalid_type")])
    assert gateway.client.http.get(path, headers=gateway.operator()).json_body == before


LOOSE_ENTRIES = [
    ({"source_sequence": True}, "source_sequence", "invalid_type"),
    ({"source_sequence": "3"}, "source_sequence", "invalid_type"),
    ({"source_sequence": 3.0}, "source_sequence", "invalid_type"),
    ({"source_updated_at": 1709340000}, "source_updated_at", "invalid_datetime"),
    ({"source_updated_at": "1709340000"}, "source_updated_at", "invalid_datetime"),
    ({"decided_on": 1709251200, "valid_from": "2024-03-01"}, "decided_on", "invalid_date"),
    ({"decided_on": "2024-03-01T00:00:00Z"}, "decided_on", "invalid_date"),
    ({"decided_on": "1709251200"}, "decided_on", "invalid_date"),
]


def test_pushed_entries_in_loose_types_are_refused_each_and_none_is_stored(gateway):
    signer = gateway.register_platform(CITY)
    entries = [
        black_entry(decision_number=f"(2024)黑09执{300 + i}号", **change)
        for i, (change, _, _) in enumerate(LOOSE_ENTRIES)
    ]

    response = gateway.push(signer, CITY, entries)

    assert response.status_code == 200
    reply = response.json_body
    assert (reply["accepted"], reply["rejected"]) == (0, len(LOOSE_ENTRIES))
    assert [(e["index"], e["field"], e["code"]) for e in reply["errors"]] == [
        (i, field, code) for i, (_, field, code) in enumerate(LOOSE_ENTRIES)
    ]
    assert gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}").status_code == 404


@pytest.mark.parametrize(
    ("issued_at", "expected"),
    [
        (1700000000, (400, "invalid_schema", [("issued_at", "invalid_datetime")])),
        ("2099-01-01T00:00:00+08:00", (400, "future_version", [])),
    ],
)
def test_a_push_issued_in_the_future_or_as_a_number_is_refused_and_claims_nothing(
    gateway, issued_at, expected
):
    signer = gateway.register_platform(CITY)
    batch_id = new_batch_id()

    refused = gateway.post_signed(
        "/v1/pushes", signer, batch_id, envelope(batch_id, issued_at, [black_entry()])
    )

    assert problems(refused) == expected
    assert refused.json_body["error"]["path"] == "issued_at"
    assert gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}").status_code == 404
    # Nothing was claimed: the batch id is still free for the corrected body.
    now = datetime.now(UTC).isoformat()
    body = envelope(batch_id, now, [black_entry()])
    assert gateway.post_signed("/v1/pushes", signer, batch_id, body).json_body["accepted"] == 1


def test_a_push_issued_within_the_tolerance_is_accepted(gateway):
    signer = gateway.register_platform(CITY)
    batch_id = new_batch_id()
    issued_at = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()

    response = gateway.post_signed(
        "/v1/pushes", signer, batch_id, envelope(batch_id, issued_at, [black_entry()])
    )

    assert response.json_body["accepted"] == 1


@pytest.mark.parametrize(
    ("change", "where", "code"),
    [
        ({"force": "yes"}, "force", "invalid_type"),
        ({"force": 1}, "force", "invalid_type"),
        ({"count": "1"}, "count", "invalid_type"),
        ({"size": 10.0}, "size", "invalid_type"),
        ({"issued_at": 1700000000}, "issued_at", "invalid_datetime"),
    ],
)
def test_an_upload_manifest_in_loose_types_is_refused_and_not_recorded(
    gateway, change, where, code
):
    signer = gateway.register_platform(CITY)
    manifest = {
        "region": CITY,
        "upload_id": "u-loose-1",
        "issued_at": datetime.now(UTC).isoformat(),
        "count": 1,
        "sha256": "0" * 64,
        "size": 10,
        "mode": "resync",
        "domains": ["court_defaulter"],
        "force": False,
        **change,
    }

    response = gateway.post_signed(
        "/v1/uploads", signer, "u-loose-1", json.dumps(manifest).encode()
    )

    assert problems(response) == (400, "invalid_schema", [(where, code)])
    assert container().uploads.get(CITY, "u-loose-1") is None


def test_a_body_that_is_not_json_names_the_body(gateway):
    signer = gateway.register_platform(CITY)
    batch_id = new_batch_id()

    response = gateway.post_signed("/v1/pushes", signer, batch_id, b"{not json")

    assert (response.status_code, error_code(response)) == (400, "malformed_json")
    assert response.json_body["error"]["path"] == "body"
    assert gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}").status_code == 404
