"""GET /v1/subjects/{code}: who sees a full resident ID number, what anonymous callers are
told, and how often they may ask (README, "Personal information")."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CREDIT_CODE, HUNAN, OTHER_CREDIT_CODE, Gateway, error_code
from chalice.local import LambdaContext
from lifecycle_support import Lifecycle, push_with_removals, removal_of
from personal_support import (
    PERSON,
    REGIONS,
    REPRESENTATIVE_ID,
    ROLES,
    UNLISTED_PERSON,
    Askers,
    company_entry,
    ids_shown,
    person_entry,
)

import app as gateway_app
from chalicelib import bootstrap
from gateway_client.contract.catalogue import ListKind
from gateway_client.contract.clock import FixedClock
from gateway_client.contract.codes import mask
from gateway_client.contract.identity import (
    LOCAL_IDENTITY_SECRET,
    identity_key,
    person_listing_id,
    use_identity_key,
)
from gateway_client.contract.identity import listing_id as gateway_listing_id


@pytest.fixture
def askers(gateway: Gateway) -> Askers:
    return Askers(gateway).register()


def subject(code: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in sorted({"purpose": "supervision", **params}.items()))
    return f"/v1/subjects/{code}?{query}"


# --- who sees what -----------------------------------------------------------------------------

# role: (status, how the person's own code shows), (status, how the representative's ID shows)
WHO_SEES_WHAT = {
    "anonymous": ((401, "none"), (200, "none")),
    "operator": ((200, "full"), (200, "full")),
    "owner": ((200, "full"), (200, "full")),
    "relaying_city": ((200, "full"), (200, "full")),
    "own_province": ((200, "full"), (200, "full")),
    "agreement": ((200, "full"), (200, "full")),
    "no_agreement": ((200, "masked"), (200, "masked")),
    "agreement_ended": ((200, "masked"), (200, "masked")),
    "second_owner": ((200, "masked"), (200, "masked")),  # owns nothing of these two
}


def test_full_id_numbers_go_to_the_operator_the_owner_and_regions_that_recognise_the_listing(
    askers: Askers,
) -> None:
    askers.push("owner", person_entry(), company_entry())

    seen = {}
    for role in ROLES:
        person = askers.ask(role, subject(PERSON))
        company = askers.ask(role, subject(CREDIT_CODE))
        seen[role] = (
            (person.status_code, ids_shown(person, PERSON)),
            (company.status_code, ids_shown(company, REPRESENTATIVE_ID)),
        )

    assert seen == WHO_SEES_WHAT


def test_a_signer_asking_as_a_recognising_region_does_not_gain_its_rights(askers: Askers) -> None:
    askers.push("owner", person_entry())

    reply = askers.ask("no_agreement", subject(PERSON, **{"as": HUNAN}))

    assert reply.status_code == 200, reply.json_body
    [shown] = reply.json_body["listings"]
    assert shown["recognised"] is True  # 湖南's view of the listing …
    assert ids_shown(reply, PERSON) == "masked"  # … with 广东's rights
    assert reply.json_body["credit_code"] == shown["listing"]["credit_code"]


def test_a_signed_query_of_a_person_names_a_known_purpose(askers: Askers) -> None:
    askers.push("owner", person_entry())
    bare = f"/v1/subjects/{PERSON}"

    replies = {
        "none": askers.ask("agreement", bare),
        "unknown": askers.ask("agreement", f"{bare}?purpose=curiosity"),
        "operator-none": askers.ask("operator", bare),
        "unlisted-none": askers.ask("agreement", f"/v1/subjects/{UNLISTED_PERSON}"),
    }

    assert {
        k: (r.status_code, r.json_body["error"]["path"]) for k, r in replies.items()
    } == dict.fromkeys(replies, (400, "purpose"))


def test_a_company_query_needs_a_purpose_only_where_it_shows_an_id_number_in_full(
    askers: Askers,
) -> None:
    askers.push("owner", company_entry())
    bare = f"/v1/subjects/{CREDIT_CODE}"

    masked = askers.ask("no_agreement", bare)
    full = askers.ask("owner", bare)
    stated = askers.ask("owner", f"{bare}?purpose=administrative_approval")

    assert (masked.status_code, ids_shown(masked, REPRESENTATIVE_ID)) == (200, "masked")
    assert (full.status_code, full.json_body["error"]["path"]) == (400, "purpose")
    assert (stated.status_code, ids_shown(stated, REPRESENTATIVE_ID)) == (200, "full")


# --- anonymous callers -------------------------------------------------------------------------


class DynamoCalls:
    """Records the DynamoDB operations the app makes, by table."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, str(params.get("TableName", ""))))

    def tables(self) -> set[str]:
        return {table for _, table in self.calls}


def test_an_anonymous_caller_cannot_tell_a_listed_person_from_an_unlisted_one(
    askers: Askers, gateway: Gateway, aws: Any
) -> None:
    listed = person_entry()
    askers.push("owner", listed)
    revoked = person_entry(credit_code="441802199001011239", subject_name="李某某")
    askers.push("owner", revoked)
    push_with_removals(
        gateway, askers.signers["owner"], REGIONS["owner"], [removal_of(revoked, "revoked")]
    )
    calls = DynamoCalls()
    client = bootstrap.container().aws_clients["dynamodb"]
    client.meta.events.register("before-parameter-build.dynamodb", calls)
    try:
        replies = [
            gateway.client.http.get(f"/v1/subjects/{code}")
            for code in (PERSON, UNLISTED_PERSON, revoked["credit_code"])
        ]
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb", calls)

    assert {(r.status_code, r.body) for r in replies} == {(401, replies[0].body)}
    assert error_code(replies[0]) == "personal_query_requires_signature"
    assert PERSON not in replies[0].body.decode()
    # Only the per-address counter is touched: the listings are never read for the answer.
    assert calls.tables() == {aws.env["CG_BATCHES_TABLE"]}


def test_the_public_view_shows_listings_in_force_without_responsible_persons_ids(
    askers: Askers, gateway: Gateway
) -> None:
    owner = askers.signers["owner"]
    numbers = ["(2024)鄂0281执1号", "(2024)鄂0281执2号", "(2024)鄂0281执3号"]
    active, suspended, *ended = [company_entry(decision_number=n) for n in numbers]
    ended += [company_entry(decision_number=f"(2024)鄂0281执{n}号") for n in (4, 6)]
    ended.insert(2, company_entry(decision_number="(2024)鄂0281执5号", open_ended=True))
    ids = askers.push("owner", active, suspended, *ended)
    reasons = ("revoked", "repaired", "expired", "corrected")
    removals = [removal_of(e, r) for e, r in zip(ended, reasons, strict=True)]
    assert push_with_removals(gateway, owner, REGIONS["owner"], removals).json_body["removed"] == 4
    filed = Lifecycle(gateway).file_objection(CREDIT_CODE, ids[1], signer=owner)  # suspends
    assert filed.status_code == 201

    public = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}")
    own = askers.ask("owner", subject(CREDIT_CODE))
    operator = askers.ask("operator", subject(CREDIT_CODE))

    assert public.status_code == 200, public.json_body
    statuses = {
        v["listing"]["listing_id"]: v["listing"]["status"] for v in public.json_body["listings"]
    }
    assert statuses == {ids[0]: "active", ids[1]: "suspended"}
    for view in public.json_body["listings"]:
        assert [(p["name"], p["id_number"]) for p in view["listing"]["responsible_persons"]] == [
            ("王某", None)
        ]
        assert (view["listing"]["objection"], view["listing"]["history"]) == (None, [])
    assert ids_shown(public, REPRESENTATIVE_ID) == "none"
    for full in (own, operator):
        assert len(full.json_body["listings"]) == 6
        histories = [v["listing"]["history"] for v in full.json_body["listings"]]
        assert sum(1 for h in histories if h) == 5  # four removals and the objection


def test_an_organisation_with_nothing_in_force_answers_as_if_never_listed(
    askers: Askers, gateway: Gateway
) -> None:
    entry = company_entry(credit_code=OTHER_CREDIT_CODE)
    never = gateway.client.http.get(f"/v1/subjects/{OTHER_CREDIT_CODE}")
    askers.push("owner", entry)
    listed = gateway.client.http.get(f"/v1/subjects/{OTHER_CREDIT_CODE}")
    owner = askers.signers["owner"]
    push_with_removals(gateway, owner, REGIONS["owner"], [removal_of(entry, "revoked")])

    ended = gateway.client.http.get(f"/v1/subjects/{OTHER_CREDIT_CODE}")

    assert listed.status_code == 200
    assert (ended.status_code, ended.body) == (never.status_code, never.body)
    assert error_code(ended) == "not_found"
    assert askers.ask("owner", subject(OTHER_CREDIT_CODE)).status_code == 200


# --- rate limits -------------------------------------------------------------------------------


def from_address(path: str, source_ip: str, **headers: str) -> tuple[int, dict[str, str]]:
    """The app as API Gateway invokes it for a caller at ``source_ip``."""
    event = {
        "requestContext": {
            "httpMethod": "GET",
            "resourcePath": "/v1/subjects/{credit_code}",
            "identity": {"sourceIp": source_ip},
            "path": path,
        },
        "headers": {k.lower(): v for k, v in headers.items()},
        "pathParameters": {"credit_code": path.rsplit("/", 1)[1]},
        "multiValueQueryStringParameters": None,
        "stageVariables": {},
        "body": None,
        "isBase64Encoded": False,
    }
    reply = gateway_app.app(event, LambdaContext("api_handler", 256))
    return int(reply["statusCode"]), dict(reply.get("headers") or {})


@pytest.fixture
def two_a_minute(askers: Askers, gateway: Gateway) -> FixedClock:
    """At most two anonymous queries a minute per address, 20 s into a minute that stands still
    (the next one: keys registered just now are valid by then)."""
    askers.push("owner", company_entry())
    gateway.configure(anonymous_queries_per_minute="2")
    clock = FixedClock((datetime.now(UTC) + timedelta(minutes=1)).replace(second=20, microsecond=0))
    bootstrap.override_clock(clock)
    return clock


def test_anonymous_queries_are_limited_per_client_address(
    two_a_minute: FixedClock, askers: Askers
) -> None:
    path = f"/v1/subjects/{CREDIT_CODE}"

    first = [from_address(path, "203.0.113.7")[0] for _ in range(2)]
    status, headers = from_address(path, "203.0.113.7")
    forwarded = from_address(path, "203.0.113.7", **{"X-Forwarded-For": "198.51.100.1"})
    other = from_address(path, "198.51.100.1")
    signed = askers.ask("no_agreement", subject(CREDIT_CODE))

    assert first == [200, 200]
    assert status == 429
    assert headers["Retry-After"] == "41"  # the next minute starts in 40 s
    assert forwarded[0] == 429  # a header the client writes is never its address
    assert other[0] == 200
    assert signed.status_code == 200


def test_an_address_may_ask_again_in_the_next_minute(
    two_a_minute: FixedClock, gateway: Gateway
) -> None:
    path = f"/v1/subjects/{CREDIT_CODE}"
    for _ in range(2):
        from_address(path, "203.0.113.7")
    assert from_address(path, "203.0.113.7")[0] == 429

    two_a_minute.advance(timedelta(seconds=40))

    assert from_address(path, "203.0.113.7")[0] == 200


def test_anonymous_persons_and_organisations_share_one_count(
    two_a_minute: FixedClock, gateway: Gateway
) -> None:
    gateway.client.http.get(f"/v1/subjects/{PERSON}")
    gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}")

    refused = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}")

    assert refused.status_code == 429
    assert error_code(refused) == "rate_limited"
    assert refused.json_body["error"]["limit"] == 2
    assert "per client address" in json.loads(refused.body)["error"]["message"]


def test_a_masked_listing_id_gives_no_way_back_to_the_id_number(askers: Askers) -> None:
    """A region that sees the person masked gets the listing id: keyed by the deployment's
    secret, trying every ID number the mask leaves open finds nothing without it."""
    askers.gateway.configure(stage="prod", identity_key="this deployment's identity secret")
    entry = person_entry()
    (listing_id,) = askers.push("owner", entry)

    seen = askers.ask("no_agreement", subject(PERSON)).json_body
    (view,) = seen["listings"]
    fields = (PERSON, ListKind.BLACK, entry["domain"], entry["deciding_authority"])
    parts = "\x1f".join((*fields, entry["decision_number"])).encode()

    assert view["listing"]["listing_id"] == listing_id
    assert view["listing"]["credit_code"] == mask(PERSON)
    assert listing_id != "lst_" + hashlib.sha256(parts).hexdigest()[:32]  # the old, unkeyed id
    use_identity_key(lambda: identity_key(LOCAL_IDENTITY_SECRET))
    decision = gateway_listing_id(*fields, entry["decision_number"])
    assert listing_id != person_listing_id(decision, REGIONS["owner"])
    use_identity_key(lambda: identity_key("this deployment's identity secret"))
    decision = gateway_listing_id(*fields, entry["decision_number"])
    assert listing_id == person_listing_id(decision, REGIONS["owner"])
