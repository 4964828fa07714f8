"""信用承诺 over the app's routes: a city pushes a commitment and later its outcome, exactly as
it pushes listings; another region cannot touch it; the one-stop query and a batch check show
it; the tick lists a broken one by the owner's policy; an overdue one is reported to its owner."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import CITY, CREDIT_CODE, HUNAN, Gateway, error_code
from lifecycle_support import Lifecycle

from gateway_client.contract.signing import Ed25519Signer

TODAY = datetime.now(UTC).date()


def commitment(sequence: int = 1, **made: Any) -> dict[str, Any]:
    """A 容缺受理 commitment made ten days ago, due in five."""
    return {
        "credit_code": CREDIT_CODE,
        "subject_name": "七台河某某煤业有限公司",
        "kind": "commitment",
        "domain": "licensing_commitment",
        "reason": "承诺在15日内补交安全生产许可证副本",
        "deciding_authority": "七台河市政务服务中心",
        "decision_number": "七政服承诺〔2026〕8号",
        "decided_on": (TODAY - timedelta(days=10)).isoformat(),
        "valid_from": (TODAY - timedelta(days=10)).isoformat(),
        "source_updated_at": (datetime.now(UTC) - timedelta(minutes=2)).isoformat(),
        "source_sequence": sequence,
        "commitment": {
            "kind": "accept_with_deficiencies",
            "deadline": (TODAY + timedelta(days=5)).isoformat(),
            **made,
        },
    }


def broken(sequence: int = 2) -> dict[str, Any]:
    return commitment(sequence, outcome="broken", outcome_on=TODAY.isoformat())


@pytest.fixture
def city(gateway: Gateway) -> Ed25519Signer:
    gateway.put_region(HUNAN, name="湖南省")
    return gateway.register_platform(CITY)


def push(gateway: Gateway, signer: Ed25519Signer, region: str, *entries: dict[str, Any]) -> Any:
    reply = gateway.push(signer, region, list(entries))
    assert reply.status_code == 200, reply.json_body
    return reply.json_body


def shown(gateway: Gateway, signer: Ed25519Signer) -> dict[str, Any]:
    reply = gateway.send_signed("GET", f"/v1/subjects/{CREDIT_CODE}?as={HUNAN}", signer)
    assert reply.status_code == 200, reply.json_body
    return dict(reply.json_body)


def test_a_commitment_and_its_outcome_are_pushed_and_shown_like_listings(gateway, city):
    first = push(gateway, city, CITY, commitment())
    outcome = push(gateway, city, CITY, broken())
    hunan = gateway.register_platform(HUNAN)

    assert first["accepted"] == outcome["accepted"] == 1
    assert first["outcomes"][0]["listing_id"] == outcome["outcomes"][0]["listing_id"]
    view = shown(gateway, hunan)
    [held] = view["listings"]
    assert held["listing"]["commitment"]["outcome"] == "broken"
    assert view["commitments"] == {"open": 0, "overdue": 0, "broken": 1}
    checked = gateway.post_signed(
        "/v1/checks",
        hunan,
        None,
        json.dumps({"codes": [CREDIT_CODE], "purpose": "administrative_approval"}).encode(),
    )
    assert checked.json_body["summary"]["broken_commitments"] == 1


@pytest.mark.parametrize(
    "later",
    [
        pytest.param({}, id="reopened"),
        pytest.param({"outcome": "kept", "outcome_on": TODAY.isoformat()}, id="turned-kept"),
    ],
)
def test_a_settled_outcome_is_final(gateway, city, later):
    """Kept or broken, the outcome stands: a later push that reopens or changes it is refused
    per entry (``commitment_settled``), and the commitment stays as it was settled."""
    push(gateway, city, CITY, commitment())
    push(gateway, city, CITY, broken())
    hunan = gateway.register_platform(HUNAN)
    before = shown(gateway, hunan)

    reply = push(gateway, city, CITY, commitment(3, **later))

    assert reply["accepted"] == 0
    [error] = reply["errors"]
    assert (error["field"], error["code"]) == ("commitment.outcome", "commitment_settled")
    assert shown(gateway, hunan) == before


def test_another_region_cannot_report_the_outcome_of_a_commitment_it_does_not_own(gateway, city):
    push(gateway, city, CITY, commitment())
    hunan = gateway.register_platform(HUNAN)

    relayed = push(gateway, hunan, HUNAN, {**broken(), "origin_region": CITY})
    claimed = push(gateway, hunan, HUNAN, broken())

    assert (relayed["accepted"], relayed["errors"][0]["code"]) == (0, "region_not_permitted")
    assert (claimed["accepted"], claimed["errors"][0]["code"]) == (0, "not_listing_owner")
    [held] = shown(gateway, city)["listings"]
    assert held["listing"]["commitment"]["outcome"] is None


@pytest.mark.parametrize(
    ("made", "code"),
    [
        ({"kind": "accept_with_deficiencies", "deadline": None}, "missing_deadline"),
        ({"kind": "voluntary", "outcome": "kept"}, "outcome_without_date"),
    ],
)
def test_a_malformed_commitment_is_rejected_with_its_field_and_nothing_is_stored(
    gateway, city, made, code
):
    raw = commitment()
    raw["commitment"] = made
    reply = push(gateway, city, CITY, raw)

    assert reply["accepted"] == 0
    assert reply["errors"][0]["code"] == code
    assert reply["errors"][0]["field"].startswith("commitment")
    lookup = gateway.client.http.get(f"/v1/subjects/{CREDIT_CODE}", headers=gateway.operator())
    assert lookup.status_code == 404


def test_the_tick_lists_a_broken_commitment_by_the_owners_policy(gateway, city):
    policy = {"severity": "general", "legal_basis": "《七台河市信用承诺管理办法》第十条"}
    body = json.dumps({"name": "七台河市", "broken_commitments": policy}, ensure_ascii=False)
    assert (
        gateway.client.http.put(
            f"/v1/regions/{CITY}", headers=gateway.operator(), body=body.encode()
        ).status_code
        == 200
    )
    push(gateway, city, CITY, commitment(), broken())

    ticked = Lifecycle(gateway).tick()

    assert ticked.json_body["broken_commitments_listed"] == 1
    view = shown(gateway, city)
    black = [v["listing"] for v in view["listings"] if v["listing"]["kind"] == "black"]
    assert [(b["domain"], b["severity"], b["origin_region"]) for b in black] == [
        ("broken_commitment", "general", CITY)
    ]
    assert Lifecycle(gateway).tick().json_body["broken_commitments_listed"] == 0


def test_an_overdue_commitment_is_reported_to_its_owner_and_no_one_else(gateway, city):
    late = commitment()
    late["commitment"]["deadline"] = (TODAY - timedelta(days=1)).isoformat()
    [outcome] = push(gateway, city, CITY, late)["outcomes"]
    hunan = gateway.register_platform(HUNAN)
    life = Lifecycle(gateway)

    own = life.get("/v1/commitments/overdue", city)
    others = life.get("/v1/commitments/overdue", hunan)
    prying = life.get(f"/v1/commitments/overdue?region={CITY}", hunan)

    assert [x["listing_id"] for x in own.json_body["overdue"]] == [outcome["listing_id"]]
    assert others.json_body["overdue"] == []
    assert (prying.status_code, error_code(prying)) == (403, "region_mismatch")
    assert [x["listing_id"] for x in life.tick().json_body["overdue_commitments"]] == [
        outcome["listing_id"]
    ]


def test_overdue_pages_hand_out_sealed_cursors_that_name_no_listing(gateway, city):
    """A page walks every region's listings: its cursor names the last one read, which the
    caller must not learn when it is another region's, nor forge."""
    ids = []
    for number in ("七政服承诺〔2026〕8号", "七政服承诺〔2026〕9号"):
        late = commitment()
        late["decision_number"] = number
        late["commitment"]["deadline"] = (TODAY - timedelta(days=1)).isoformat()
        ids += [x["listing_id"] for x in push(gateway, city, CITY, late)["outcomes"]]
    hunan = gateway.register_platform(HUNAN)
    life = Lifecycle(gateway)

    def walk(signer: Ed25519Signer) -> tuple[list[str], list[str]]:
        seen, cursors, after = [], [], ""
        while True:
            page = life.get(f"/v1/commitments/overdue?limit=1{after}", signer)
            assert page.status_code == 200, page.json_body
            seen += [x["listing_id"] for x in page.json_body["overdue"]]
            if page.json_body["next"] is None:
                return seen, cursors
            cursors.append(page.json_body["next"])
            after = f"&after={page.json_body['next']}"

    own, _ = walk(city)
    theirs, cursors = walk(hunan)
    forged = life.get("/v1/commitments/overdue?after=eyJzaGFyZCI6MH0", hunan)

    assert sorted(own) == sorted(ids)
    assert theirs == []
    assert cursors
    assert not any(
        listing_id.encode() in base64.urlsafe_b64decode(c + "==")
        for c in cursors
        for listing_id in ids
    )
    assert (forged.status_code, forged.json_body["error"]["path"]) == (400, "after")


def test_an_old_outcome_in_a_batch_neither_settles_nor_refuses_the_owners_newer_one(gateway, city):
    """Review 87 F2: a batch resending an old ``kept`` (older than the open commitment held)
    beside the owner's new ``broken``: the old one was a duplicate, the new one refused
    ``commitment_settled`` though nothing was settled, and the broken promise was lost."""

    def at(minutes_ago: int, **made: Any) -> dict[str, Any]:
        stamp = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()
        return {**commitment(1, **made), "source_updated_at": stamp}

    push(gateway, city, CITY, at(10))  # held: open, stamped ten minutes ago
    done = {"outcome_on": TODAY.isoformat()}

    reply = push(
        gateway, city, CITY, at(20, outcome="kept", **done), at(1, outcome="broken", **done)
    )

    assert (reply["accepted"], reply["duplicate"], reply["errors"]) == (1, 1, [])
    made = shown(gateway, city)["listings"][0]["listing"]["commitment"]
    assert made["outcome"] == "broken"
