"""A text field holding only spaces (" ", U+3000, U+00A0) is a client's mistake like any other:
refused with ``blank_text`` on the field, nothing written (review 92 F1–F4)."""

from __future__ import annotations

import pytest
from app_support import (
    HUBEI,
    HUNAN,
    OTHER_CREDIT_CODE,
    agreement_terms,
    black_entry,
    create_agreement,
)
from lifecycle_support import Lifecycle, pushed

from chalicelib.bootstrap import container
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
