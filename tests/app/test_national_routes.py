"""The national tier over the routes: the operator registers national sources and the national
platform (seed 001 二(四)2 与国家有关部委…共享; seed 004 二(二)2 信用中国; seed 003 (十一) the
court's 执行信息公开网), a malformed registration is a 400 naming its field, and a source's
entry outside its domains is refused per entry and writes nothing."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from app_support import GUANGDONG, NATURAL_PERSON_CODE, Gateway, black_entry, error_code, new_signer
from lifecycle_support import push_with_removals, recent_entry, removal_of
from pydantic import ValidationError

from chalicelib.settings import get_settings
from gateway_client.contract import mask

NATION, COURT = "100000", "100001"
SOURCE = {"name": "最高人民法院", "kind": "national_source", "domains": ["court_defaulter"]}


def put(gateway: Gateway, code: str, body: dict[str, Any], token: str | None = None) -> Any:
    headers = gateway.operator() if token is None else gateway.operator(token)
    raw = json.dumps(body, ensure_ascii=False).encode()
    return gateway.client.http.put(f"/v1/regions/{code}", headers=headers, body=raw)


def test_the_operator_registers_a_national_source_with_its_domains(gateway: Gateway) -> None:
    reply = put(gateway, COURT, SOURCE)

    assert reply.status_code == 200, reply.json_body
    assert reply.json_body | {"push_rate_per_minute": None} == {
        "code": COURT,
        "name": "最高人民法院",
        "kind": "national_source",
        "domains": ["court_defaulter"],
        "push_rate_per_minute": None,
        "relays_subregions": False,
        "broken_commitments": None,
    }


def test_the_operator_registers_the_national_platform_which_relays_nothing(
    gateway: Gateway,
) -> None:
    reply = put(gateway, NATION, {"name": "信用中国", "kind": "national_platform"})

    assert reply.status_code == 200, reply.json_body
    assert (reply.json_body["kind"], reply.json_body["relays_subregions"]) == (
        "national_platform",
        False,
    )


@pytest.mark.parametrize("token", ["", "not-the-operator-token-xxxxxx"])
def test_registering_a_national_platform_is_operator_only(gateway: Gateway, token: str) -> None:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    reply = gateway.client.http.put(
        f"/v1/regions/{COURT}", headers=headers, body=json.dumps(SOURCE).encode()
    )

    assert reply.status_code == 401
    assert error_code(reply) == "operator_credentials_required"
    assert gateway.add_key(COURT, new_signer("k-court")).status_code == 404  # nothing stored


@pytest.mark.parametrize(
    ("code", "body", "path", "problem"),
    [
        pytest.param(COURT, SOURCE | {"kind": "ministry"}, "kind", "invalid_value", id="kind"),
        pytest.param(COURT, {"name": "x"}, "kind", "reserved_region_code", id="10-as-region"),
        pytest.param("430000", SOURCE, "kind", "not_a_national_source_code", id="province"),
        pytest.param(
            "430000",
            {"name": "湖南省", "kind": "national_platform"},
            "kind",
            "not_the_nation",
            id="province-as-nation",
        ),
        pytest.param(COURT, SOURCE | {"domains": []}, "domains", "domains_required", id="none"),
        pytest.param(
            COURT, SOURCE | {"domains": ["nope"]}, "domains", "unknown_domain", id="unknown"
        ),
        pytest.param(
            COURT, SOURCE | {"domains": "court_defaulter"}, "domains", "invalid_type", id="str"
        ),
        pytest.param(
            "430000",
            {"name": "湖南省", "domains": ["tourism"]},
            "domains",
            "domains_not_permitted",
            id="region-domains",
        ),
        pytest.param(
            NATION,
            {"name": "信用中国", "kind": "national_platform", "relays_subregions": True},
            "relays_subregions",
            "relay_not_permitted",
            id="nation-relays",
        ),
    ],
)
def test_a_malformed_registration_is_a_400_with_its_path_and_stores_nothing(
    gateway: Gateway, code: str, body: dict[str, Any], path: str, problem: str
) -> None:
    reply = put(gateway, code, body)

    assert reply.status_code == 400, reply.json_body
    error = reply.json_body["error"]
    assert (error["path"], [e["code"] for e in error["errors"]]) == (path, [problem])
    assert gateway.add_key(code, new_signer(f"k-{code}-x")).status_code == 404


def court_source(gateway: Gateway) -> Any:
    signer = new_signer("k-court")
    assert put(gateway, COURT, SOURCE).status_code == 200
    assert gateway.add_key(COURT, signer).status_code == 201
    return signer


TAX = black_entry(
    domain="major_tax_violation",
    deciding_authority="国家税务总局七台河市税务局",
    decision_number="七税稽罚〔2024〕3号",
    legal_basis="《重大税收违法失信主体信息公布管理办法》第六条",
)


def test_a_national_sources_push_outside_its_domains_is_refused_per_entry(
    gateway: Gateway,
) -> None:
    signer = court_source(gateway)

    reply = gateway.push(signer, COURT, [black_entry(), TAX])

    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["accepted"] == 1
    assert [(e["index"], e["field"], e["code"]) for e in reply.json_body["errors"]] == [
        (1, "domain", "domain_not_permitted")
    ]
    subject = gateway.client.http.get(f"/v1/subjects/{black_entry()['credit_code']}")
    listings = [v["listing"] for v in subject.json_body["listings"]]
    assert [(x["domain"], x["origin_region"]) for x in listings] == [("court_defaulter", COURT)]


def test_a_national_sources_resync_outside_its_domains_is_refused(gateway: Gateway) -> None:
    signer = court_source(gateway)
    manifest = {
        "region": COURT,
        "upload_id": "u-court-1",
        "issued_at": datetime.now(UTC).isoformat(),
        "count": 1,
        "sha256": hashlib.sha256(b"x").hexdigest(),
        "size": 1,
        "mode": "resync",
        "domains": ["court_defaulter", "major_tax_violation"],
    }

    reply = gateway.post_signed("/v1/uploads", signer, "u-court-1", json.dumps(manifest).encode())

    assert reply.status_code == 403, reply.json_body
    assert (error_code(reply), reply.json_body["error"]["path"]) == (
        "domain_not_permitted",
        "domains",
    )


@pytest.mark.parametrize("target", [COURT, "430001", "105555", "999999"])
def test_an_invalid_upward_reporting_setting_fails_at_start_up_naming_it(
    gateway: Gateway, target: str
) -> None:
    """A source, or a code no jurisdiction has (review 196: a typo made every listing below it
    count missing for good)."""
    rule = {"rule": "x", "target": target, "within_hours": 24}
    gateway.configure(upward_reporting=json.dumps({"rules": [rule]}))

    with pytest.raises(ValidationError, match=r"upward_reporting\.rules\.0\.target"):
        get_settings()


def test_a_platform_cannot_register_itself_as_a_national_source(gateway: Gateway) -> None:
    signer = gateway.register_platform("430000")
    body = json.dumps(SOURCE | {"name": "湖南省"}, ensure_ascii=False).encode()

    reply = gateway.send_signed("PUT", f"/v1/regions/{COURT}", signer, body)

    assert reply.status_code == 403, reply.json_body
    assert error_code(reply) == "operator_only"
    assert gateway.add_key(COURT, new_signer("k-court")).status_code == 404


def test_a_domain_named_twice_is_refused_not_merged(gateway: Gateway) -> None:
    twice = SOURCE | {"domains": ["court_defaulter", "major_tax_violation", "court_defaulter"]}

    reply = put(gateway, COURT, twice)

    assert (reply.status_code, error_code(reply)) == (400, "duplicate_value"), reply.json_body
    assert reply.json_body["error"]["path"] == "domains.2"
    assert gateway.add_key(COURT, new_signer("k-court-x")).status_code == 404  # not registered


def test_a_resync_naming_a_domain_twice_is_refused_and_records_no_upload(
    gateway: Gateway,
) -> None:
    signer = court_source(gateway)
    manifest = {
        "region": COURT,
        "upload_id": "u-court-2",
        "issued_at": datetime.now(UTC).isoformat(),
        "count": 1,
        "sha256": hashlib.sha256(b"x").hexdigest(),
        "size": 1,
        "mode": "resync",
        "domains": ["court_defaulter", "court_defaulter"],
    }

    def request(sent: dict[str, Any]) -> Any:
        return gateway.post_signed("/v1/uploads", signer, "u-court-2", json.dumps(sent).encode())

    reply = request(manifest)

    assert (reply.status_code, error_code(reply)) == (400, "duplicate_value"), reply.json_body
    assert reply.json_body["error"]["path"] == "domains.1"
    once = request(manifest | {"domains": ["court_defaulter"]})
    assert once.status_code == 201, once.json_body  # the id was not taken by the refusal


def test_a_national_source_narrowed_no_longer_removes_in_the_domain_it_lost(
    gateway: Gateway,
) -> None:
    """A domain taken from a source takes its listings there out of its hands: a removal is
    refused per entry as an entry would be, and the listing stays (review 46i F4)."""
    signer = new_signer("k-court")
    assert put(gateway, COURT, {**SOURCE, "domains": ["court_defaulter", "major_tax_violation"]})
    assert gateway.add_key(COURT, signer).status_code == 201
    assert gateway.push(signer, COURT, [black_entry()]).json_body["accepted"] == 1
    assert put(gateway, COURT, {**SOURCE, "domains": ["major_tax_violation"]}).status_code == 200

    reply = push_with_removals(gateway, signer, COURT, [removal_of(black_entry(), "revoked")])

    assert reply.status_code == 200, reply.json_body
    assert reply.json_body["removed"] == 0
    assert [(e["list"], e["field"], e["code"]) for e in reply.json_body["errors"]] == [
        ("removals", "domain", "domain_not_permitted")
    ]
    subject = gateway.client.http.get(f"/v1/subjects/{black_entry()['credit_code']}")
    assert [v["listing"]["status"] for v in subject.json_body["listings"]] == ["active"]


@pytest.mark.parametrize(
    ("severity", "shown"),
    [("serious", "in_full"), ("general", "masked")],
    ids=["black-listing", "dishonesty-record"],
)
def test_a_national_source_s_black_listing_applies_everywhere_its_dishonesty_record_does_not(
    gateway: Gateway, severity: str, shown: str
) -> None:
    """A national black list applies in every region (its memoranda are signed nationally);
    an entry its severity makes a dishonesty record only carries no joint punishment, so a
    region without an agreement gets it masked, not recognised (review 213: a person's full
    number went to every region)."""
    tax = {"name": "国家税务总局", "kind": "national_source", "domains": ["major_tax_violation"]}
    registered = gateway.client.http.put(
        "/v1/regions/100002", headers=gateway.operator(), body=json.dumps(tax).encode()
    )
    assert registered.status_code == 200, registered.json_body
    source = new_signer("k-tax")
    assert gateway.add_key("100002", source).status_code == 201
    guangdong = gateway.register_platform(GUANGDONG)
    record = recent_entry(
        credit_code=NATURAL_PERSON_CODE,
        subject_name="张某某",
        domain="major_tax_violation",
        severity=severity,
        deciding_authority="国家税务总局北京市税务局稽查局",
        decision_number="京税稽罚〔2026〕11号",
    )
    assert gateway.push(source, "100002", [record]).json_body["accepted"] == 1

    path = f"/v1/subjects/{NATURAL_PERSON_CODE}?purpose=supervision&as={GUANGDONG}"
    [view] = gateway.send_signed("GET", path, guangdong).json_body["listings"]

    code, recognised = view["listing"]["credit_code"], view["recognised"]
    if shown == "in_full":
        assert (code, recognised, view["basis"]) == (NATURAL_PERSON_CODE, True, ["national_source"])
    else:
        assert (code, recognised) == (mask(NATURAL_PERSON_CODE), False), view["basis"]
