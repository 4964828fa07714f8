"""The owner's own version decides, over the routes: a gateway step on a listing (an objection
filed, its notice) adds a revision on top of the owner's version and changes nothing of what
the owner's messages are held to; a verification, decision or repair stamped before the owner's
newer content is refused as a removal so stamped is; a national source's listing in a domain
since taken from it is out of its hands on the lifecycle routes too; and a removal that cannot
apply never makes an older one of the same batch look done."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app_support import CITY, CREDIT_CODE, Gateway, black_entry, error_code, new_signer
from lifecycle_support import (
    Lifecycle,
    listing_path,
    now,
    push_with_removals,
    pushed,
    recent_entry,
    removal_of,
    stamp,
)
from test_national_routes import COURT, SOURCE, put

from gateway_client.contract.signing import Ed25519Signer


def hours_ago(hours: float) -> str:
    return (now() - timedelta(hours=hours)).isoformat()


def objected(gateway: Gateway) -> tuple[Ed25519Signer, Lifecycle, dict[str, Any], str]:
    """A city's listing pushed two hours ago, an objection ``o-1`` filed on it by the operator
    (a gateway step: the content and its version stay the owner's)."""
    city = gateway.register_platform(CITY)
    life = Lifecycle(gateway)
    entry = recent_entry(source_updated_at=hours_ago(2))
    listing_id = pushed(gateway, city, CITY, entry)
    assert life.file_objection(CREDIT_CODE, listing_id, "o-1").status_code == 201
    return city, life, entry, listing_id


def test_after_a_gateway_step_the_owners_version_with_other_content_is_still_refused(
    gateway: Gateway,
):
    city = gateway.register_platform(CITY)
    life = Lifecycle(gateway)
    entry = recent_entry()
    listing_id = pushed(gateway, city, CITY, entry)
    assert life.file_objection(CREDIT_CODE, listing_id, "o-1").status_code == 201  # operator

    changed = gateway.push(city, CITY, [{**entry, "reason": "完全不同的列入事由"}])
    removed_too = push_with_removals(
        gateway,
        city,
        CITY,
        [removal_of(entry, "revoked", source_updated_at=entry["source_updated_at"])],
    )
    removed = push_with_removals(gateway, city, CITY, [removal_of(entry, "revoked")])

    assert [e["code"] for e in changed.json_body["errors"]] == ["version_reused"]
    assert changed.json_body["duplicate"] == 0
    assert [e["code"] for e in removed_too.json_body["errors"]] == ["version_reused"]
    assert removed.json_body["removed"] == 1  # a later version still ends it
    [view] = life.lookup(CREDIT_CODE).json_body["listings"]
    assert view["listing"]["reason"] == entry["reason"]


def test_a_repair_stamped_before_the_owners_newer_content_is_refused(gateway: Gateway):
    city = gateway.register_platform(CITY)
    life = Lifecycle(gateway)
    first = recent_entry(days_ago=400, severity="general", source_updated_at=hours_ago(3))
    listing_id = pushed(gateway, city, CITY, first)
    newer = {**first, "reason": "更新后的事由", "source_updated_at": hours_ago(1)}
    assert gateway.push(city, CITY, [newer]).json_body["accepted"] == 1

    stale = life.repair(city, CREDIT_CODE, listing_id, source_updated_at=hours_ago(2))
    current = life.repair(city, CREDIT_CODE, listing_id, source_updated_at=stamp())

    assert (stale.status_code, error_code(stale)) == (409, "stale_version")
    assert stale.json_body["error"]["path"] == "source_updated_at"
    assert (current.status_code, current.json_body["listing"]["status"]) == (200, "repaired")


def test_an_update_stamped_before_the_owners_repair_is_stale_and_changes_nothing(
    gateway: Gateway,
):
    """Review 83 F3: content stamped after the content held but before the owner's repair was
    answered `version_reused` ("held with other content"), which it is not: it is stale."""
    city = gateway.register_platform(CITY)
    life = Lifecycle(gateway)
    first = recent_entry(days_ago=400, severity="general", source_updated_at=hours_ago(3))
    listing_id = pushed(gateway, city, CITY, first)
    repaired = life.repair(city, CREDIT_CODE, listing_id, source_updated_at=hours_ago(1))
    assert repaired.status_code == 200, repaired.json_body

    late = gateway.push(
        city, CITY, [{**first, "reason": "更新后的事由", "source_updated_at": hours_ago(2)}]
    )

    [error] = late.json_body["errors"]
    assert (error["code"], error["field"]) == ("stale_version", "source_updated_at")
    assert late.json_body["accepted"] == late.json_body["duplicate"] == 0
    [view] = life.lookup(CREDIT_CODE).json_body["listings"]
    assert (view["listing"]["reason"], view["listing"]["status"]) == (first["reason"], "repaired")


def test_a_decision_stamped_before_the_owners_newer_content_is_refused(gateway: Gateway):
    city = gateway.register_platform(CITY)
    life = Lifecycle(gateway)
    first = recent_entry(source_updated_at=hours_ago(3))
    listing_id = pushed(gateway, city, CITY, first)
    assert life.file_objection(CREDIT_CODE, listing_id, "o-1", city).status_code == 201
    newer = {**first, "reason": "更新后的事由", "source_updated_at": hours_ago(1)}
    assert gateway.push(city, CITY, [newer]).json_body["accepted"] == 1

    stale = life.decide(
        city, CREDIT_CODE, listing_id, "o-1", "revoked", source_updated_at=hours_ago(2)
    )

    assert (stale.status_code, error_code(stale)) == (409, "stale_version")
    assert life.status(CREDIT_CODE, listing_id) != "revoked"


def test_a_verification_stamped_before_the_owners_newer_content_is_refused(gateway: Gateway):
    city, life, first, listing_id = objected(gateway)
    newer = {**first, "reason": "更新后的事由", "source_updated_at": hours_ago(1)}
    assert gateway.push(city, CITY, [newer]).json_body["accepted"] == 1
    path = listing_path(CREDIT_CODE, listing_id) + "/objections/o-1/verified"
    before = life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"]

    stale = life.post(path, {"note": "已核实", "source_updated_at": hours_ago(1.5)}, city)

    assert (stale.status_code, error_code(stale)) == (409, "stale_version")
    assert stale.json_body["error"]["path"] == "source_updated_at"
    assert life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"] == before
    current = life.post(path, {"note": "已核实", "source_updated_at": stamp()}, city)
    assert current.status_code == 200, current.json_body
    verified = life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"]["objection"]
    assert verified["verified_at"] is not None


def test_a_source_acts_on_no_listing_in_a_domain_taken_from_it(gateway: Gateway):
    signer = new_signer("k-court")
    both = {**SOURCE, "domains": ["court_defaulter", "major_tax_violation"]}
    assert put(gateway, COURT, both).status_code == 200
    assert gateway.add_key(COURT, signer).status_code == 201
    listing_id = gateway.push(signer, COURT, [black_entry()]).json_body["outcomes"][0]["listing_id"]
    life = Lifecycle(gateway)
    assert life.file_objection(CREDIT_CODE, listing_id, "o-1").status_code == 201  # operator
    assert put(gateway, COURT, {**SOURCE, "domains": ["major_tax_violation"]}).status_code == 200
    before = life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"]

    tries = [
        life.file_objection(CREDIT_CODE, listing_id, "o-2", signer),
        life.decide(signer, CREDIT_CODE, listing_id, "o-1", "revoked", source_updated_at=stamp()),
        life.repair(signer, CREDIT_CODE, listing_id, source_updated_at=stamp()),
    ]

    assert [(t.status_code, error_code(t), t.json_body["error"]["path"]) for t in tries] == [
        (403, "domain_not_permitted", "listing_id")
    ] * 3
    assert life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"] == before
    decided = life.decide(
        None, CREDIT_CODE, listing_id, "o-1", "revoked", source_updated_at=stamp()
    )
    assert decided.status_code == 200, decided.json_body  # the operator still can


def test_a_removal_that_cannot_apply_does_not_make_an_older_one_look_done(gateway: Gateway):
    city = gateway.register_platform(CITY)
    life = Lifecycle(gateway)
    entry = recent_entry(source_updated_at=hours_ago(2))
    listing_id = pushed(gateway, city, CITY, entry)
    valid = removal_of(entry, "revoked", source_updated_at=hours_ago(0.05))
    early = removal_of(
        entry, "performed", performed_on="2020-01-01", source_updated_at=hours_ago(0.02)
    )

    reply = push_with_removals(gateway, city, CITY, [valid, early]).json_body

    assert [(o["index"], o["outcome"]) for o in reply["outcomes"]] == [(0, "removed")]
    assert [(e["index"], e["field"], e["code"]) for e in reply["errors"]] == [
        (1, "performed_on", "dates_out_of_order")
    ]
    assert life.status(CREDIT_CODE, listing_id) == "revoked"


def test_a_verification_stamped_later_makes_no_decision_stale(gateway: Gateway):
    """Review 47d F2: the verification's stamp moved the version the decision was held to,
    though it changed no content."""
    city, life, _, listing_id = objected(gateway)
    verified = {"note": "已核实", "source_updated_at": stamp(-30)}
    path = listing_path(CREDIT_CODE, listing_id) + "/objections/o-1/verified"
    assert life.post(path, verified, city).status_code == 200

    decided = life.decide(
        city, CREDIT_CODE, listing_id, "o-1", "revoked", source_updated_at=stamp(-60)
    )

    assert decided.status_code == 200, decided.json_body
    assert life.status(CREDIT_CODE, listing_id) == "revoked"


def test_a_correction_stamps_the_content_it_puts_in_place(gateway: Gateway):
    """Review 47d F3/F4: the corrected listing kept the old entry's stamp, so the owner's own
    corrected record was refused `version_reused`; and a correction stamped at the version of
    the content it replaced made two contents of one version."""
    city, life, entry, listing_id = objected(gateway)
    at = hours_ago(1)
    corrected = {**entry, "reason": "更正后的事由", "source_updated_at": at}
    same_stamp = life.decide(
        city,
        CREDIT_CODE,
        listing_id,
        "o-1",
        "corrected",
        corrected_entry={**corrected, "source_updated_at": entry["source_updated_at"]},
        source_updated_at=entry["source_updated_at"],
    )
    decided = life.decide(
        city,
        CREDIT_CODE,
        listing_id,
        "o-1",
        "corrected",
        corrected_entry=corrected,
        source_updated_at=at,
    )

    again = gateway.push(city, CITY, [corrected]).json_body
    original = gateway.push(city, CITY, [entry]).json_body

    assert (same_stamp.status_code, error_code(same_stamp)) == (409, "stale_version")
    assert decided.status_code == 200, decided.json_body
    assert (again["duplicate"], again["errors"]) == (1, [])
    assert (original["duplicate"], original["errors"]) == (1, [])
    assert life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"]["reason"] == "更正后的事由"


def test_new_content_at_a_stamp_a_decision_took_is_refused_not_dropped(gateway: Gateway):
    """Review 47e F2: an upheld decision stamped by the owner moves the listing's version but
    not its content; a push of other content at that stamp was answered `duplicate` and lost.
    Review 83 F3: it, and one stamped between the content and the decision, were answered
    `version_reused` ("held with other content", untrue); they are stale, as a removal there."""
    city, life, entry, listing_id = objected(gateway)
    at = hours_ago(1)
    assert (
        life.decide(
            city, CREDIT_CODE, listing_id, "o-1", "upheld", source_updated_at=at
        ).status_code
        == 200
    )

    reply = gateway.push(city, CITY, [{**entry, "reason": "更新后的事由", "source_updated_at": at}])
    between = gateway.push(
        city, CITY, [{**entry, "reason": "更新后的事由", "source_updated_at": hours_ago(1.5)}]
    )

    assert [e["code"] for e in reply.json_body["errors"]] == ["stale_version"]
    assert [e["code"] for e in between.json_body["errors"]] == ["stale_version"]
    assert life.lookup(CREDIT_CODE).json_body["listings"][0]["listing"]["reason"] == entry["reason"]
