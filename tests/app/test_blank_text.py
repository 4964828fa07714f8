"""A text field holding only spaces (" ", U+3000, U+00A0) is a client's mistake like any other:
refused with ``blank_text`` on the field, nothing written (review 92 F1–F4)."""

from __future__ import annotations

import json

import pytest
from app_support import (
    CITY,
    HUBEI,
    HUNAN,
    OTHER_CREDIT_CODE,
    agreement_terms,
    black_entry,
    create_agreement,
)
from lifecycle_support import Lifecycle, push_with_removals, pushed, recent_entry, removal_of

import gateway_client.contract.model as model
from chalicelib.bootstrap import container
from gateway.broken_commitment_terms import BrokenCommitmentPolicy
from gateway_client.contract.listing import ListingEntry, identity_of

BLANKS = [" ", "\u3000", "\u00a0"]


@pytest.mark.parametrize("blank", BLANKS)
@pytest.mark.parametrize(
    "field", ["subject_name", "deciding_authority", "decision_number", "reason"]
)
def test_a_pushed_entry_with_a_blank_text_field_is_rejected_not_listed(gateway, field, blank):
    signer = gateway.register_platform(HUBEI)
    entry = black_entry(credit_code=OTHER_CREDIT_CODE, **{field: blank})
    response = gateway.push(signer, HUBEI, [entry])
    body = response.json_body
    assert response.status_code == 200, body
    assert (body["accepted"], body["rejected"]) == (0, 1), body
    assert (body["errors"][0]["field"], body["errors"][0]["code"]) == (field, "blank_text"), body
    assert (
        container().listings.current(
            [(OTHER_CREDIT_CODE, identity_of(ListingEntry.model_validate(entry)))]
        )
        == {}
    )


@pytest.mark.parametrize("blank", BLANKS)
def test_a_region_named_blank_is_refused_and_not_stored(gateway, blank):
    assert gateway.put_region(HUBEI, "湖北省").status_code == 200
    response = gateway.put_region(HUBEI, blank)
    assert response.status_code == 400, response.json_body
    assert response.json_body["error"]["path"] == "name"
    assert response.json_body["error"]["errors"][0]["code"] == "blank_text"
    assert container().registry.get_region(HUBEI).name == "湖北省"


@pytest.mark.parametrize("blank", BLANKS)
@pytest.mark.parametrize("where", ["title", "measures.0.text", "measures.0.department"])
def test_an_agreement_with_blank_text_is_refused(gateway, blank, where):
    gateway.put_region(HUNAN)
    gateway.put_region(HUBEI)
    terms = agreement_terms()
    if where == "title":
        terms["title"] = blank
    else:
        terms["measures"][0][where.rsplit(".", 1)[1]] = blank
    response = create_agreement(gateway, terms)
    assert response.status_code == 400, response.json_body
    assert response.json_body["error"]["path"] == where


@pytest.mark.parametrize("blank", BLANKS)
def test_a_repair_with_a_blank_reason_is_refused_and_changes_nothing(gateway, blank):
    signer = gateway.register_platform(HUBEI)
    listing_id = pushed(gateway, signer, HUBEI, black_entry())
    before = container().listings.current([(black_entry()["credit_code"], listing_id)])[listing_id]
    life = Lifecycle(gateway)
    response = life.repair(signer, black_entry()["credit_code"], listing_id, reason=blank)
    assert response.status_code == 400, response.json_body
    assert response.json_body["error"]["path"] == "reason"
    after = container().listings.current([(black_entry()["credit_code"], listing_id)])[listing_id]
    assert after == before


@pytest.mark.parametrize("blank", BLANKS)
def test_an_objection_with_a_blank_reason_is_refused(gateway, blank):
    signer = gateway.register_platform(HUBEI)
    listing_id = pushed(gateway, signer, HUBEI, black_entry())
    life = Lifecycle(gateway)
    response = life.file_objection(
        black_entry()["credit_code"], listing_id, "o-9", signer, reason=blank
    )
    assert response.status_code == 400, response.json_body
    assert response.json_body["error"]["path"] == "reason"


def test_a_region_stored_with_blank_text_before_the_rule_can_still_be_renamed(gateway):
    """A field the body leaves out keeps its stored value, not judged again by a rule newer
    than it: a rename must not fail on a commitment policy stored blank (review 95 F2)."""
    assert gateway.put_region(HUBEI, "湖北").status_code == 200
    registry = container().registry
    held = registry.get_region(HUBEI)
    assert held is not None
    as_stored = {"severity": "general", "legal_basis": "\u3000", "since": "2026-01-05"}
    policy = BrokenCommitmentPolicy.model_validate(as_stored)  # no intake: as read back
    registry.put_region(held.model_copy(update={"broken_commitments": policy}))

    renamed = gateway.put_region(HUBEI, "湖北省")

    assert renamed.status_code == 200, renamed.json_body
    kept = registry.get_region(HUBEI)
    assert kept is not None
    assert (kept.name, kept.broken_commitments) == ("湖北省", policy)


def test_a_commitment_policy_sent_blank_is_still_refused(gateway):
    assert gateway.put_region(HUBEI, "湖北").status_code == 200
    body = {"name": "湖北省", "broken_commitments": {"severity": "general", "legal_basis": " "}}
    refused = gateway.client.http.put(
        f"/v1/regions/{HUBEI}", headers=gateway.operator(), body=json.dumps(body).encode()
    )

    assert refused.status_code == 400, refused.json_body
    assert refused.json_body["error"]["path"] == "broken_commitments.legal_basis"
    held = container().registry.get_region(HUBEI)
    assert held is not None
    assert (held.name, held.broken_commitments) == ("湖北", None)


# 葛 with an ideographic variation selector (Adobe-Japan1 / Hanyo-Denshi / MSARG IVS), as a
# name copied from a typesetting or registry system holds it
IVS_AUTHORITY = "葛\U000e0100店镇市场监督管理所"


def test_a_listing_stored_with_a_character_refused_since_can_still_be_removed(gateway, monkeypatch):
    """One accepted before the invisible characters were refused (an ideographic variation
    selector was printable, so settled at once) is named by its removal exactly as stored:
    it must still be removable (review 98 F2)."""
    city = gateway.register_platform(CITY)
    entry = recent_entry(deciding_authority=IVS_AUTHORITY)
    with monkeypatch.context() as m:  # the rules before: the selector not looked for
        m.setattr(model, "_LOOK_CLOSER", model.BECOMES_DIGIT_OR_SEPARATOR)
        pushed(gateway, city, CITY, entry)
    refused = gateway.push(city, CITY, [recent_entry(deciding_authority=IVS_AUTHORITY)])
    assert refused.json_body["errors"][0]["code"] == "control_character"  # as new input
    reply = push_with_removals(gateway, city, CITY, [removal_of(entry, "revoked")])
    assert reply.status_code == 200, reply.json_body
    assert reply.json_body.get("removed") == 1, str(reply.json_body)[:1500]
