"""An objection's later steps say one thing (review 17, F4, F5, F8): a later decision or
verification saying something else is refused, never dropped in silence; a correction keeps
the listing's region and a settled commitment's outcome."""

from __future__ import annotations

import pytest
from builders import CITY, entry, listing
from test_commitments import commitment_entry, held
from test_lifecycle_service import Rig, decision, stamp

from gateway.lifecycle import CommitmentSettled
from gateway.lifecycle.objection_steps import ObjectionDecided, ObjectionVerified
from gateway.lifecycle.requests import VerificationReport
from gateway_client.contract import BadRequest
from gateway_client.contract.listing import ListingStatus


@pytest.fixture
def rig() -> Rig:
    return Rig()


def corrected(**fields: object) -> dict[str, object]:
    return {**entry(), "reason": "更正后的列入事由", **fields}


def test_a_later_correction_with_other_content_is_refused_and_the_first_stands(rig: Rig) -> None:
    held_listing = rig.seed(listing())
    rig.file(held_listing)
    first, _ = rig.decide(held_listing, made=decision("corrected", 2, corrected_entry=corrected()))
    again = decision("corrected", 3, corrected_entry=corrected())
    other = decision("corrected", 3, corrected_entry=corrected(reason="又一个事由"))

    assert rig.decide(held_listing, made=again) == (first, False)  # the same said again
    with pytest.raises(ObjectionDecided) as refused:
        rig.decide(held_listing, made=other)

    assert refused.value.to_dict()["path"] == "corrected_entry"
    assert rig.stored(held_listing) == first


def test_a_later_decision_with_another_note_is_refused(rig: Rig) -> None:
    held_listing = rig.seed(listing())
    rig.file(held_listing)
    first, _ = rig.decide(held_listing, made=decision("upheld", 2, note="经核查属实"))

    with pytest.raises(ObjectionDecided) as refused:
        rig.decide(held_listing, made=decision("upheld", 3, note="另一个结论"))

    assert refused.value.to_dict()["path"] == "note"
    assert rig.stored(held_listing) == first


def test_a_second_verification_with_another_note_is_refused(rig: Rig) -> None:
    held_listing = rig.seed(listing())
    rig.file(held_listing)
    report = VerificationReport(note="已核实", source_updated_at=stamp(2))
    verified, _ = rig.service.report_verified(
        held_listing.credit_code, held_listing.listing_id, "obj-1", report, CITY
    )
    later = report.model_copy(update={"source_updated_at": stamp(3)})
    other = later.model_copy(update={"note": "另有说明"})

    again = rig.service.report_verified(
        held_listing.credit_code, held_listing.listing_id, "obj-1", later, CITY
    )
    with pytest.raises(ObjectionVerified):
        rig.service.report_verified(
            held_listing.credit_code, held_listing.listing_id, "obj-1", other, CITY
        )

    assert again == (verified, False)
    assert rig.stored(held_listing) == verified


def test_a_correction_naming_another_region_is_refused(rig: Rig) -> None:
    held_listing = rig.seed(listing())
    rig.file(held_listing)
    before = rig.store.versions()
    moved = decision("corrected", corrected_entry=corrected(origin_region="440000"))

    with pytest.raises(BadRequest) as refused:
        rig.decide(held_listing, made=moved)

    assert refused.value.to_dict()["path"] == "corrected_entry.origin_region"
    assert rig.store.versions() == before


def test_a_correction_may_not_turn_a_broken_commitment_into_a_kept_one(rig: Rig) -> None:
    broken = rig.seed(held(outcome="broken", outcome_on="2025-04-02"))
    rig.file(broken)
    before = rig.store.versions()
    kept = commitment_entry(outcome="kept", outcome_on="2025-03-20")

    with pytest.raises(CommitmentSettled) as refused:
        rig.decide(broken, made=decision("corrected", corrected_entry=kept))
    revoked, _ = rig.decide(broken, made=decision("revoked"))  # what withdraws the record

    assert refused.value.to_dict()["path"] == "corrected_entry.commitment.outcome"
    assert rig.store.versions() != before
    assert revoked.status is ListingStatus.REVOKED
