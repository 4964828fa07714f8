"""Input rules through the app: text fields hold text, a signed body names each key once, a
resident ID's birth date is a real day up to today, and a key id belongs to one region."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import (
    CITY,
    CREDIT_CODE,
    HUNAN,
    OTHER_CREDIT_CODE,
    black_entry,
    error_code,
    new_batch_id,
    new_signer,
    push_body,
)
from chalice.test import HTTPResponse
from lifecycle_support import Lifecycle, listing_path, pushed
from stdnum.cn import ric

from chalicelib.bootstrap import container
from gateway.registry import PlatformKey
from gateway_client.contract.clock import china_date
from gateway_client.contract.signing import Ed25519Signer, public_key_text


def problems(response: HTTPResponse) -> tuple[int, str, list[tuple[str, str]]]:
    error = response.json_body["error"]
    return (
        response.status_code,
        error["code"],
        [(p["path"], p["code"]) for p in error.get("errors", [])],
    )


def resident_id(birth: str) -> str:
    body = f"110105{birth}123"
    return body + ric.calc_check_digit(body + "0")


def today_in_beijing() -> str:
    return f"{china_date(datetime.now(UTC)):%Y%m%d}"


# --- text fields --------------------------------------------------------------------------------


def test_a_push_with_one_poisoned_entry_rejects_it_alone_and_stores_the_rest(gateway):
    signer = gateway.register_platform(CITY)
    poisoned = black_entry(credit_code=OTHER_CREDIT_CODE, subject_name="七台河\u202e司公限有")

    response = gateway.push(signer, CITY, [poisoned, black_entry()])

    assert response.status_code == 200
    reply = response.json_body
    assert [(e["index"], e["field"], e["code"]) for e in reply["errors"]] == [
        (0, "subject_name", "control_character")
    ]
    assert (reply["accepted"], reply["rejected"]) == (1, 1)
    assert gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}").status_code == 200
    assert gateway.client.http.get(f"/v1/subjects/{OTHER_CREDIT_CODE}").status_code == 404


def test_a_black_listing_published_past_its_longest_period_is_refused_and_not_stored(gateway):
    """General dishonesty is published a year at most (DESIGN §4b): a decade is refused."""
    signer = gateway.register_platform(CITY)
    decade = black_entry(
        domain="food_drug",
        severity="general",
        legal_basis="《中华人民共和国食品安全法》第一百二十四条",
        deciding_authority="七台河市市场监督管理局",
        decision_number="七市监罚〔2026〕7号",
        valid_until="2036-03-01",
    )

    reply = gateway.push(signer, CITY, [decade]).json_body

    assert [(e["index"], e["field"], e["code"]) for e in reply["errors"]] == [
        (0, "valid_until", "period_too_long")
    ]
    assert reply["accepted"] == 0
    assert gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}").status_code == 404


def test_a_region_name_with_a_line_break_is_refused_and_not_stored(gateway):
    response = gateway.put_region(CITY, name="七台河市\n（测试）")

    assert problems(response) == (400, "invalid_schema", [("name", "control_character")])
    assert container().registry.get_region(CITY) is None


def test_an_agreement_titled_with_a_control_character_is_refused_and_not_signed(gateway):
    gateway.put_region(HUNAN)
    terms = {
        "title": "湘黑互认\x00备忘录",
        "subscriber_region": HUNAN,
        "sources": [{"region": "230000"}],
        "kinds": ["black"],
        "effective_from": "2026-01-01",
        "measures": [
            {"measure_id": "m_a", "text": "从严审核", "department": "各部门", "mandatory": True}
        ],
    }

    response = gateway.client.http.post(
        "/v1/agreements", headers=gateway.operator(), body=json.dumps(terms).encode()
    )

    assert problems(response) == (400, "invalid_schema", [("title", "control_character")])
    assert gateway.client.http.get("/v1/agreements").json_body["agreements"] == []


def test_a_subscription_described_with_a_bidi_override_is_refused_and_not_created(gateway):
    gateway.put_region(HUNAN)

    response = gateway.subscribe_as_operator(
        region=HUNAN, url="https://credit.hunan.example.cn/hook", description="湖南\u202e"
    )

    assert problems(response) == (400, "invalid_schema", [("description", "control_character")])
    assert container().subscriptions.all() == []


def test_an_objection_or_repair_with_a_control_character_changes_nothing(gateway):
    signer = gateway.register_platform(CITY)
    listing_id = pushed(gateway, signer, CITY, black_entry())
    life = Lifecycle(gateway)

    objection = life.file_objection(CREDIT_CODE, listing_id, reason="异议\x1b[31m")
    repair = life.repair(signer, CREDIT_CODE, listing_id, reason="已整改\u2066")

    assert problems(objection) == (400, "invalid_schema", [("reason", "control_character")])
    assert problems(repair) == (400, "invalid_schema", [("reason", "control_character")])
    listing = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}").json_body["listings"][0]
    assert (listing["listing"]["status"], listing["listing"]["objection"]) == ("active", None)


# --- duplicate keys -----------------------------------------------------------------------------


def signed_push_of(gateway: Any, signer: Any, body: bytes, batch_id: str) -> HTTPResponse:
    return gateway.post_signed("/v1/pushes", signer, batch_id, body)


def test_a_push_naming_a_key_twice_is_refused_whole_with_the_keys_path(gateway):
    signer = gateway.register_platform(CITY)
    batch_id = new_batch_id()
    person = {"name": "张某", "role": "legal_representative"}
    entries = [
        black_entry(credit_code=OTHER_CREDIT_CODE),
        black_entry(responsible_persons=[person]),
    ]
    body = push_body(CITY, batch_id, entries).replace(
        '"name": "张某"'.encode(), '"name": "张某", "name": "李某"'.encode()
    )

    response = signed_push_of(gateway, signer, body, batch_id)

    assert response.status_code == 400
    assert response.json_body["error"] == {
        "code": "duplicate_key",
        "message": "entries.1.responsible_persons.0.name: the key appears more than once in "
        "its object",
        "path": "entries.1.responsible_persons.0.name",
    }
    assert gateway.client.http.get(f"/v1/subjects/{OTHER_CREDIT_CODE}").status_code == 404


def test_a_push_naming_its_region_twice_is_refused(gateway):
    signer = gateway.register_platform(CITY)
    batch_id = new_batch_id()
    body = push_body(CITY, batch_id, [black_entry()]).replace(
        b'"region": ', f'"region": "{HUNAN}", "region": '.encode(), 1
    )

    response = signed_push_of(gateway, signer, body, batch_id)

    assert (response.status_code, error_code(response)) == (400, "duplicate_key")
    assert response.json_body["error"]["path"] == "region"


def test_a_route_body_naming_a_key_twice_is_refused_with_its_path(gateway):
    gateway.put_region(HUNAN)
    body = b'{"region": "430000", "url": "https://a.example.cn/h", "url": "https://b.example.cn/h"}'

    response = gateway.client.http.post("/v1/subscriptions", headers=gateway.operator(), body=body)

    assert (response.status_code, error_code(response)) == (400, "duplicate_key")
    assert response.json_body["error"]["path"] == "url"
    assert container().subscriptions.all() == []


@pytest.mark.parametrize(
    "poison",
    [
        pytest.param(b'"\\ud800": 1, "\\ud800": 2, ', id="a-surrogate-key-twice"),
        pytest.param(b'"\\udfff": 1, ', id="a-surrogate-key"),
        pytest.param(b'"amount": NaN, ', id="nan"),
        pytest.param(b'"amount": -Infinity, ', id="infinity"),
    ],
)
def test_a_key_that_is_no_text_or_a_non_json_number_is_malformed_json_on_every_route(
    gateway, poison
):
    signer = gateway.register_platform(CITY)
    batch_id = new_batch_id()
    push = push_body(CITY, batch_id, [black_entry()]).replace(b"{", b"{" + poison, 1)
    route = b"{" + poison + b'"region": "430000", "url": "https://a.example.cn/h"}'

    pushed_reply = signed_push_of(gateway, signer, push, batch_id)
    subscribed = gateway.client.http.post(
        "/v1/subscriptions", headers=gateway.operator(), body=route
    )

    assert (pushed_reply.status_code, error_code(pushed_reply)) == (400, "malformed_json")
    assert (subscribed.status_code, error_code(subscribed)) == (400, "malformed_json")
    assert gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}").status_code == 404


def test_a_lone_surrogate_in_a_value_is_told_in_plain_words(gateway):
    """Malformed JSON says what and where, not pydantic's report naming its model and a web
    address (review 184)."""
    gateway.put_region(HUNAN)
    body = b'{"region": "430000", "url": "https://a.example.cn/\\ud800"}'

    reply = gateway.client.http.post("/v1/subscriptions", headers=gateway.operator(), body=body)

    assert (reply.status_code, error_code(reply)) == (400, "malformed_json")
    assert reply.json_body["error"]["path"] == "url"  # at its field (review 384)
    message = reply.json_body["error"]["message"]
    assert "surrogate" in message
    assert "pydantic" not in message
    assert "SubscriptionRequest" not in message


# --- birth dates in request paths --------------------------------------------------------------


def path_refusal(response: HTTPResponse) -> tuple[int, str, str, str]:
    error = response.json_body["error"]
    return response.status_code, error["code"], error["path"], error["reason"]


def test_a_subject_born_on_no_day_before_1900_or_after_today_is_a_bad_request(gateway):
    tomorrow = china_date(datetime.now(UTC)) + timedelta(days=1)
    codes = [resident_id("19990231"), resident_id("18991231"), resident_id(f"{tomorrow:%Y%m%d}")]

    replies = [gateway.client.http.get(f"/v1/subjects/{code}") for code in codes]

    expected = (400, "bad_request", "credit_code", "invalid_birth_date")
    assert [path_refusal(r) for r in replies] == [expected] * 3


def test_a_subject_born_today_is_looked_up(gateway):
    code = resident_id(today_in_beijing())

    response = gateway.client.http.get(
        f"/v1/subjects/{code}?purpose=supervision", headers=gateway.operator()
    )

    assert (response.status_code, error_code(response)) == (404, "not_found")


def test_a_lifecycle_route_names_an_impossible_birth_date_in_its_path(gateway):
    path = listing_path(resident_id("19990231"), "lst_" + "0" * 32) + "/objections"
    body = json.dumps({"objection_id": "o-1", "reason": "异议"}).encode()

    response = gateway.client.http.post(path, headers=gateway.operator(), body=body)

    assert path_refusal(response) == (400, "bad_request", "credit_code", "invalid_birth_date")


# --- key ids ------------------------------------------------------------------------------------


def test_a_key_id_another_region_holds_is_refused_and_its_owner_still_pushes(gateway):
    owner = gateway.register_platform(CITY, "shared-key-1")
    gateway.put_region(HUNAN)
    intruder = new_signer("shared-key-1")

    refused = gateway.add_key(HUNAN, intruder)

    assert refused.status_code == 409
    assert refused.json_body["error"]["code"] == "key_id_taken"
    assert refused.json_body["error"]["path"] == "key_id"
    assert gateway.push(owner, CITY, [black_entry()]).json_body["accepted"] == 1
    assert gateway.push(intruder, HUNAN, [black_entry()]).status_code == 401
    listed = gateway.client.http.get(f"/v1/regions/{HUNAN}/keys", headers=gateway.operator())
    assert listed.json_body["keys"] == []


def test_a_key_id_is_never_reused_for_another_key_nor_revived_after_revocation(gateway):
    original = gateway.register_platform(CITY, "qth-1")
    retried = gateway.add_key(CITY, original)  # the same registration again: a retry
    replacement = gateway.add_key(CITY, new_signer("qth-1"))
    revoked = gateway.client.http.delete(
        f"/v1/regions/{CITY}/keys/qth-1", headers=gateway.operator()
    )
    revived = gateway.add_key(CITY, original)
    elsewhere = gateway.client.http.delete(
        f"/v1/regions/{HUNAN}/keys/qth-1", headers=gateway.operator()
    )

    assert [retried.status_code, replacement.status_code, revoked.status_code] == [200, 409, 200]
    assert [revived.status_code, elsewhere.status_code] == [409, 404]
    assert replacement.json_body["error"]["code"] == "key_id_taken"
    assert gateway.push(original, CITY, [black_entry()]).status_code == 403  # stays revoked
    assert container().registry.get_key("qth-1").region == CITY  # type: ignore[union-attr]


def _key_body(signer: Ed25519Signer, key_id: str, **fields: str) -> bytes:
    return json.dumps(
        {"key_id": key_id, "public_key": public_key_text(signer.private_key), **fields}
    ).encode()


def test_one_key_pair_is_not_registered_under_a_second_id_for_any_region(gateway):
    hunan = gateway.register_platform(HUNAN, "hn-1")
    gateway.put_region(CITY)
    keys = f"/v1/regions/{CITY}/keys"

    copied = gateway.client.http.post(
        keys, headers=gateway.operator(), body=_key_body(hunan, "qth-copy-1")
    )
    gateway.client.http.delete(f"/v1/regions/{HUNAN}/keys/hn-1", headers=gateway.operator())
    revived = gateway.client.http.post(
        f"/v1/regions/{HUNAN}/keys", headers=gateway.operator(), body=_key_body(hunan, "hn-2")
    )

    for refused in (copied, revived):
        assert refused.status_code == 409, refused.json_body
        assert (error_code(refused), refused.json_body["error"]["path"]) == (
            "public_key_taken",
            "public_key",
        )
    assert gateway.client.http.get(keys, headers=gateway.operator()).json_body["keys"] == []
    assert [k.key_id for k in container().registry.keys_of(HUNAN)] == ["hn-1"]
    impostor = Ed25519Signer("qth-copy-1", hunan.private_key)
    assert gateway.push(impostor, CITY, [black_entry()]).status_code in (401, 403)


def test_a_registration_with_an_end_sent_again_is_a_retry_and_a_changed_end_is_not(gateway):
    gateway.put_region(CITY)
    signer = new_signer("qth-ending-1")
    until = (datetime.now(UTC) + timedelta(days=90)).replace(microsecond=0).isoformat()
    later = (datetime.now(UTC) + timedelta(days=91)).replace(microsecond=0).isoformat()
    keys = f"/v1/regions/{CITY}/keys"

    def register(**fields: str) -> HTTPResponse:
        body = _key_body(signer, signer.key_id, **fields)
        return gateway.client.http.post(keys, headers=gateway.operator(), body=body)

    first, again, moved = (
        register(valid_until=until),
        register(valid_until=until),
        register(valid_until=later),
    )

    assert [first.status_code, again.status_code, moved.status_code] == [201, 200, 409]
    assert again.json_body == first.json_body
    assert error_code(moved) == "key_id_taken"
    assert container().registry.get_key(signer.key_id) == PlatformKey.model_validate(
        first.json_body
    )


def test_an_upload_manifest_issued_in_the_future_is_refused_and_not_recorded(gateway):
    signer = gateway.register_platform(CITY)
    manifest = {
        "region": CITY,
        "upload_id": "u-future-1",
        "issued_at": "2199-01-01T00:00:00+08:00",  # would version a resync's removals for ever
        "count": 1,
        "sha256": "0" * 64,
        "size": 10,
        "mode": "resync",
        "domains": ["court_defaulter"],
        "force": True,
    }
    body = json.dumps(manifest).encode()

    response = gateway.post_signed("/v1/uploads", signer, "u-future-1", body)

    assert (response.status_code, error_code(response)) == (400, "future_version")
    assert response.json_body["error"]["path"] == "issued_at"
    assert container().uploads.get(CITY, "u-future-1") is None
