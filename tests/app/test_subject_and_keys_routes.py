"""GET /v1/subjects/{code}, GET /v1/keys and the operator-only registry routes."""

from __future__ import annotations

import json

from app_support import CITY, CREDIT_CODE, OTHER_CREDIT_CODE, black_entry, error_code, new_signer

from gateway_client.contract.signing import load_public_key, public_key_text


def test_a_subject_lists_its_listings_after_a_push(gateway):
    signer = gateway.register_platform(CITY)
    tax = black_entry(
        domain="major_tax_violation",
        deciding_authority="国家税务总局七台河市税务局",
        decision_number="七税稽罚〔2024〕8号",
    )
    gateway.push(signer, CITY, [black_entry(), tax])

    response = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}")

    assert response.status_code == 200
    subject = response.json_body
    assert subject["credit_code"] == CREDIT_CODE
    assert subject["subject_type"] == "legal_person"
    assert subject["subject_name"] == "七台河某某建设工程有限公司"
    held = [x["listing"] for x in subject["listings"]]
    assert {x["domain"] for x in held} == {"court_defaulter", "major_tax_violation"}
    assert all(x["provenances"] == [CITY] for x in held)
    assert all(x["status"] == "active" for x in held)


def test_a_natural_persons_listing_is_served_as_a_natural_person_subject(gateway):
    signer = gateway.register_platform(CITY)
    gateway.push(signer, CITY, [black_entry(credit_code="11010519491231002X", subject_name="张三")])

    response = gateway.client.http.get(
        "/v1/subjects/11010519491231002x?purpose=supervision", headers=gateway.operator()
    )

    assert response.status_code == 200
    assert response.json_body["subject_type"] == "natural_person"
    assert response.json_body["subject_name"] == "张三"


def test_a_subject_is_found_by_a_lower_case_code(gateway):
    signer = gateway.register_platform(CITY)
    gateway.push(signer, CITY, [black_entry()])

    response = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE.lower()}")

    assert response.status_code == 200
    assert response.json_body["credit_code"] == CREDIT_CODE


def test_a_valid_code_without_listings_is_not_found(gateway):
    response = gateway.client.http.get(f"/v1/subjects/{OTHER_CREDIT_CODE}")

    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_an_invalid_code_is_a_bad_request_with_the_reason(gateway):
    response = gateway.client.http.get("/v1/subjects/91110000600037341M")

    assert response.status_code == 400
    error = response.json_body["error"]
    assert error["path"] == "credit_code"
    assert error["reason"] == "invalid_check_character"


def test_a_code_of_the_wrong_length_is_a_bad_request(gateway):
    response = gateway.client.http.get("/v1/subjects/9111000060")

    assert response.status_code == 400
    assert response.json_body["error"]["reason"] == "invalid_credit_code"


def test_the_gateway_publishes_its_public_key(gateway):
    response = gateway.client.http.get("/v1/keys")

    assert response.status_code == 200
    [key] = response.json_body["keys"]
    assert key["key_id"] == "gw-test-1"
    assert key["algorithm"] == "ed25519"
    assert key["public_key"].startswith("whpk_")
    assert key["public_key"] == gateway.public_key
    load_public_key(key["public_key"])


def test_registering_a_region_without_a_token_is_operator_only(gateway):
    response = gateway.client.http.put(
        f"/v1/regions/{CITY}",
        headers={"content-type": "application/json"},
        body=json.dumps({"name": "七台河市"}).encode(),
    )

    assert response.status_code == 401
    assert error_code(response) == "operator_credentials_required"


def test_registering_a_region_with_a_wrong_token_is_operator_only(gateway):
    response = gateway.put_region(CITY, token="not-the-operator-token-xxxxxx")

    assert response.status_code == 401
    assert error_code(response) == "operator_credentials_required"


def test_registering_a_region_with_the_operator_token_stores_it(gateway):
    response = gateway.put_region(CITY, name="七台河市")

    assert response.status_code == 200
    assert response.json_body == {
        "code": CITY,
        "name": "七台河市",
        "kind": "region",
        "domains": [],
        "push_rate_per_minute": None,
        "relays_subregions": True,
        "broken_commitments": None,
    }


def test_registering_an_invalid_region_code_is_a_schema_error(gateway):
    response = gateway.put_region("023090")

    assert response.status_code == 400
    assert error_code(response) == "invalid_schema"


def test_adding_a_key_without_or_with_a_wrong_token_is_operator_only(gateway):
    gateway.put_region(CITY)
    signer = new_signer("qth-1")
    body = json.dumps(
        {"key_id": "qth-1", "public_key": public_key_text(signer.private_key)}
    ).encode()

    without = gateway.client.http.post(
        f"/v1/regions/{CITY}/keys", headers={"content-type": "application/json"}, body=body
    )
    wrong = gateway.add_key(CITY, signer, token="Bearer-but-not-the-right-one-xx")

    assert (without.status_code, error_code(without)) == (401, "operator_credentials_required")
    assert (wrong.status_code, error_code(wrong)) == (401, "operator_credentials_required")


def test_adding_a_key_to_an_unregistered_region_is_not_found(gateway):
    response = gateway.add_key(CITY, new_signer("qth-1"))

    assert (response.status_code, response.json_body["error"]["path"]) == (404, "code")


def test_the_key_routes_judge_the_region_code_before_the_key(gateway):
    """A malformed code is 400, an unregistered one 404, both naming ``code``: not an empty
    list of keys, nor a key that is not found, which would hide the typo."""
    gateway.put_region(CITY)
    signer = new_signer("qth-1")
    assert gateway.add_key(CITY, signer).status_code == 201

    def refused(method, code, tail=""):
        response = gateway.client.http.request(
            method, f"/v1/regions/{code}/keys{tail}", headers=gateway.operator()
        )
        return response.status_code, error_code(response), response.json_body["error"]["path"]

    for method, tail in (("GET", ""), ("DELETE", "/qth-1")):
        assert refused(method, "abc", tail) == (400, "invalid_schema", "code")
        assert refused(method, "999999", tail) == (404, "not_found", "code")
        assert refused(method, "430000", tail) == (404, "not_found", "code")  # 湖南: none
    keys = gateway.client.http.get(f"/v1/regions/{CITY}/keys", headers=gateway.operator())
    assert [(k["key_id"], k["valid_until"]) for k in keys.json_body["keys"]] == [("qth-1", None)]


def test_adding_a_key_that_is_not_an_ed25519_public_key_is_a_schema_error(gateway):
    gateway.put_region(CITY)

    response = gateway.client.http.post(
        f"/v1/regions/{CITY}/keys",
        headers=gateway.operator(),
        body=json.dumps({"key_id": "qth-1", "public_key": "whpk_bm90LWEta2V5"}).encode(),
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_schema"


def test_without_a_configured_operator_token_no_token_is_accepted(gateway):
    gateway.configure(operator_token=None)

    response = gateway.put_region(CITY)

    assert response.status_code == 401
    assert error_code(response) == "operator_credentials_required"


def test_a_gateway_missing_its_signing_key_answers_with_a_server_error_not_a_client_error(
    gateway,
):
    """A deployment mistake is not the caller's fault, and must not be described to callers."""
    gateway.configure(signing_key=None)

    response = gateway.client.http.get("/v1/keys")

    assert response.status_code >= 500
    assert b"signing_key" not in response.body


def test_a_gateway_with_a_too_short_operator_token_answers_with_a_server_error(gateway):
    gateway.configure(operator_token="too-short")

    response = gateway.put_region(CITY, token="too-short")

    assert response.status_code >= 500
    assert b"CG_OPERATOR_TOKEN" not in response.body
